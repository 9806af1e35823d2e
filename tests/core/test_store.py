"""What is particular to SQLite (its migrations from older files), and the cap through the
core's commands. The store's contract, on both backends, is in tests/storage/."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands.context import MAX_PENDING
from bot.model import ReplyKind
from bot.scheduler import LEASE
from bot.storage.sqlite import MIGRATIONS, SQLiteReminderStore
from tests.core.conftest import Harness

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


ORDER = "8123456789012345"
ME = "host:1:me"


async def test_concurrent_remind_commands_cannot_pass_the_cap(harness: Harness) -> None:
    for i in range(MAX_PENDING - 5):
        await harness.ask(f"/remind {ORDER} {i + 1}d")
    replies = await asyncio.gather(*(harness.ask(f"/remind {ORDER} 3h n{i}") for i in range(12)))
    kinds = [r.kind for r in replies]
    assert kinds.count(ReplyKind.INFO) == 5 and kinds.count(ReplyKind.ERROR) == 7
    refused = next(r for r in replies if r.kind is ReplyKind.ERROR)
    assert refused.text.startswith(f"You have {MAX_PENDING} pending reminders")
    assert await harness.bot.store.count_pending("fake", "u1") == MAX_PENDING


async def test_protection_at_the_cap_replaces_its_warnings_and_stays_at_it(
    harness: Harness,
) -> None:
    for i in range(MAX_PENDING - 2):
        await harness.ask(f"/remind {ORDER} {i + 1}d")
    first = await harness.ask("/protection 81234567 20d")
    assert first.kind is ReplyKind.INFO
    assert await harness.bot.store.count_pending("fake", "u1") == MAX_PENDING
    moved = await harness.ask("/protection 81234567 25d")
    assert moved.kind is ReplyKind.INFO, moved.text
    assert await harness.bot.store.count_pending("fake", "u1") == MAX_PENDING
    ends = await harness.bot.store.get_protection("fake", "u1", "81234567")
    assert ends == harness.clock.now() + timedelta(days=25)
    # another order would pass the cap: refused, and nothing of it is stored
    other = await harness.ask("/protection 87654321 20d")
    assert other.kind is ReplyKind.ERROR and "at most 50" in other.text
    assert await harness.bot.store.get_protection("fake", "u1", "87654321") is None
    assert await harness.bot.store.count_pending("fake", "u1") == MAX_PENDING
    # concurrent /contacted for new orders: none passes
    replies = await asyncio.gather(*(harness.ask(f"/contacted 1234567{i} 1h") for i in range(4)))
    assert all(r.kind is ReplyKind.ERROR for r in replies)
    assert await harness.bot.store.count_pending("fake", "u1") == MAX_PENDING


async def test_v2_database_migrates_keeping_notices_and_freeing_old_claims(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v2.db"
    con = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        con.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    with con:
        con.execute("INSERT INTO users VALUES ('fake', 'u1', 'Europe/Warsaw', 'owed')")
        for status, sent in (("claimed", None), ("sent", 1000), ("cancelled", None)):
            con.execute(
                "INSERT INTO reminders (platform, user_id, kind, order_no, due_at, status,"
                " created_at, sent_at) VALUES ('fake', 'u1', 'remind', ?, 500, ?, 1, ?)",
                (ORDER, status, sent),
            )
    con.close()
    store = SQLiteReminderStore(str(path))
    await store.open()
    try:
        assert await store.schema_version() == len(MIGRATIONS)
        prefs = await store.get_prefs("fake", "u1")
        assert (prefs.timezone, prefs.notice) == ("Europe/Warsaw", "owed")
        assert await store.take_notice("fake", "u1") == "owed"
        assert await store.take_notice("fake", "u1") == ""
        (claimed,) = await store.claim_due(NOW, 10, ["fake"], ME, LEASE)
        assert claimed.claimed_by == ME
        assert await store.prune_finished(datetime.fromtimestamp(2, UTC), 10) == 2
    finally:
        await store.close()
