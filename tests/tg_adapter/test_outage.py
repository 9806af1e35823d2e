"""Telegram polling that keeps failing: the adapter gives up and the app stops with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.app import AdapterFailed, WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI


def _bot(fake: FakeBotAPI, tmp_path: Path, give_up_after: float) -> tuple[WhyBot, TelegramAdapter]:
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path / 'outage.db'}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=fake.base_url,
    )
    bot = WhyBot(settings, clock=ManualClock())
    adapter = TelegramAdapter(bot.core, settings, poll_timeout=0.2, give_up_after=give_up_after)
    bot.add_adapter(adapter)
    return bot, adapter


async def _serving(bot: WhyBot, run: asyncio.Task[None], fake: FakeBotAPI) -> None:
    await fake.wait_for(lambda: bot.serving or run.done(), within=30)
    assert bot.serving, run


async def test_polling_failing_past_the_limit_stops_the_bot(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    bot, adapter = _bot(fake, tmp_path, give_up_after=1.0)
    run = asyncio.create_task(bot.run())
    await _serving(bot, run, fake)
    fake.fail_method("getUpdates", 502, times=None, description="Bad Gateway")
    with pytest.raises(AdapterFailed) as caught:
        await asyncio.wait_for(run, 30)
    assert caught.value.platform == "telegram"
    assert "getUpdates has failed for" in caught.value.reason
    assert "Bad Gateway" in caught.value.reason
    assert adapter.failure == caught.value.reason
    assert bot.store._db is None  # everything was stopped cleanly


async def test_a_passing_failure_does_not_count_against_the_limit(
    fake: FakeBotAPI, tmp_path: Path
) -> None:
    bot, adapter = _bot(fake, tmp_path, give_up_after=1.0)
    run = asyncio.create_task(bot.run())
    try:
        await _serving(bot, run, fake)
        assert adapter.connected
        fake.fail_method("getUpdates", 502, times=1, description="Bad Gateway")
        failed = len(fake.calls_of("getUpdates"))
        await fake.wait_for(lambda: adapter._failing_since is not None, within=30)
        assert not adapter.connected  # /healthz says 503 while getUpdates fails
        # a failure, then answered polls again: the streak is over
        await fake.wait_for(lambda: len(fake.calls_of("getUpdates")) >= failed + 3, within=30)
        assert [c.status for c in fake.calls_of("getUpdates")[failed:]][:1] == [502]
        assert not run.done() and adapter.failure is None
        assert adapter._failing_since is None
        assert adapter.connected
    finally:
        bot.request_stop()
        await asyncio.wait_for(run, 30)
