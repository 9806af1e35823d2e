"""``python -m bot stats``: every community's counts for the operator, the unanswered
texts, and a PNG chart of answers per day by card; bad input is one line, exit 1 or 2."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.stats_cli import answers_per_day
from bot.storage.base import StatEvent, StatRow
from bot.storage.sqlite import SQLiteReminderStore
from tests.core.conftest import bot_env

TODAY = datetime.now(UTC).date()


def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "stats", *args],
        env=bot_env(db),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=db.parent,
    )


async def filled(db: Path) -> None:
    store = SQLiteReminderStore(str(db))
    await store.open()
    try:
        for n, (platform, community, card, event) in enumerate(
            [
                ("discord", "g1", "shipment-cancelled", StatEvent.ANSWER),
                ("discord", "g1", "shipment-cancelled", StatEvent.AUTO),
                ("discord", "g1", "shipment-cancelled", StatEvent.HELPFUL),
                ("telegram", "-100", "payment-failed", StatEvent.ANSWER),
                ("telegram", "-100", "payment-failed", StatEvent.NOT_HELPFUL),
            ]
        ):
            day = (TODAY - timedelta(days=n % 3)).isoformat()
            await store.count_event(platform, community, card, "en", day, event)
        await store.add_unanswered("telegram", "-100", "wo ist   mein paket", datetime.now(UTC))
    finally:
        await store.close()


async def test_the_operator_sees_every_community_and_the_unanswered_texts(tmp_path: Path) -> None:
    db = tmp_path / "whybot.db"
    await filled(db)
    out = run(db)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split() == [
        "platform",
        "community",
        "card",
        "answers",
        "auto",
        "helpful",
        "not",
        "helpful",
    ]
    assert "discord   g1         shipment-cancelled        2     1        1            0" in lines
    assert any(line.startswith("telegram  -100") and line.endswith("1") for line in lines)
    texts = run(db, "--unanswered")
    assert texts.returncode == 0 and texts.stdout.rstrip().endswith("-100  wo ist mein paket")
    assert "111" not in texts.stdout  # no user ids are kept, so none are shown


async def test_plot_draws_a_png(tmp_path: Path) -> None:
    db = tmp_path / "whybot.db"
    await filled(db)
    png = tmp_path / "answers.png"
    out = run(db, "--plot", str(png), "--days", "7")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"wrote {png} (2 cards, 7 days)"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_answers_per_day_counts_answers_only_and_fills_empty_days() -> None:
    first = TODAY - timedelta(days=2)
    rows = [
        StatRow("discord", "g", "a", "en", TODAY.isoformat(), StatEvent.ANSWER, 2),
        StatRow("discord", "g", "a", "en", TODAY.isoformat(), StatEvent.AUTO, 1),
        StatRow("discord", "g", "a", "en", TODAY.isoformat(), StatEvent.HELPFUL, 5),
        StatRow("discord", "g", "b", "de", first.isoformat(), StatEvent.ANSWER, 4),
    ]
    days, series = answers_per_day(rows, first, TODAY)
    assert len(days) == 3 and series == {"b": [4, 0, 0], "a": [0, 0, 3]}


def test_bad_arguments_are_one_line(tmp_path: Path) -> None:
    db = tmp_path / "whybot.db"
    for args, code, says in [
        (("--plot", "chart.svg"), 2, "must end in .png"),
        (("--plot", str(tmp_path / "nowhere" / "a.png")), 1, "no such directory"),
        (("--days", "0"), 2, "--days"),
    ]:
        out = run(db, *args)
        assert out.returncode == code and says in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
