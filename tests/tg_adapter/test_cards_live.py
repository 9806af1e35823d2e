"""Cards reloaded while the bot runs (WHYBOT_CARDS_DIR), end to end on Telegram: an edited
card is answered without a restart; a broken edit keeps the old card and logs one line
naming the file and the field."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest
import yaml

from bot.app import WhyBot
from knowledge.loader import CARDS_DIR
from tests.tg_adapter.conftest import Harness

CARD = "shipment-cancelled"


@pytest.fixture
def cards(tmp_path: Path) -> Path:
    target = tmp_path / "cards"
    shutil.copytree(CARDS_DIR, target)
    return target


def edit(path: Path, **fields: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(fields)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    stat = path.stat()  # a new mtime even on a coarse clock
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


async def reloaded(bot: WhyBot) -> None:
    """Wait for the watcher's next check (the poll interval is long: poke it now)."""
    assert bot.cards is not None
    async with bot.cards.checked:
        bot.cards.reload_now()
        await bot.cards.checked.wait()


async def test_an_edited_card_is_answered_without_a_restart_and_a_broken_one_is_not(
    tg: Harness, cards: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await tg.stop()
    tg.env = {"WHYBOT_CARDS_DIR": str(cards), "WHYBOT_CARDS_POLL": "3600"}
    await tg.start()
    assert tg.bot is not None and tg.bot.cards is not None
    before = await tg.ask(f"/why {CARD.replace('-', ' ')}")
    assert "Ask the seller for a new tracking number" in before.text

    edit(cards / f"{CARD}.yaml", summary="Edited live: the parcel never left the warehouse.")
    await reloaded(tg.bot)
    assert tg.bot.cards.reloads == 1
    after = await tg.ask(f"/why {CARD.replace('-', ' ')}")
    assert "Edited live: the parcel never left the warehouse." in after.text

    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="bot.cards_live"):
        edit(cards / f"{CARD}.yaml", refund={"automatic": "sometimes"})  # not yes/no/depends
        await reloaded(tg.bot)
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.cards_live"]
    assert len(lines) == 1 and "\n" not in lines[0]
    assert f"{CARD}.yaml" in lines[0] and "refund" in lines[0]
    kept = await tg.ask(f"/why {CARD.replace('-', ' ')}")
    assert "Edited live: the parcel never left the warehouse." in kept.text
    assert tg.bot.cards.reloads == 1 and tg.bot.cards.failures == 1
