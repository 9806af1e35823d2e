"""The SQLite store under concurrent use from several tasks (scheduler, commands, adapters)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands.context import MAX_PENDING
from bot.model import ReplyKind
from bot.scheduler import LEASE
from bot.storage.base import Kind, NewReminder, Protection, Replace, TooManyPending
from bot.storage.sqlite import MIGRATIONS, SQLiteReminderStore
from tests.core.conftest import Harness

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_concurrent_tasks_share_one_connection_safely(tmp_path: Path) -> None:
    # Regression: a commit from one task while another's UPDATE ... RETURNING was still
    # open failed with "cannot commit transaction - SQL statements in progress".
    store = SQLiteReminderStore(str(tmp_path / "race.db"))
    await store.open()
    try:
        for i in range(20):
            await store.add(
                NewReminder(
                    "fake",
                    f"u{i}",
                    None,
                    Kind.REMIND,
                    "81234567",
                    NOW - timedelta(minutes=1),
                    f"n{i}",
                )
            )

        async def scheduler_like() -> None:
            for _ in range(100):
                await store.claim_due(NOW, 5, ["fake"], "me:1:a", LEASE)
                await store.release_claims("me:1:a")
                await store.list_pending("fake", "u1")

        async def adapter_like() -> None:
            for i in range(300):
                await store.set_meta("telegram:last_update_id", str(i))

        async def user_like() -> None:
            for i in range(100):
                await store.set_notice("fake", "u2", f"note {i}")
                await store.take_notice("fake", "u2")
                await store.forget_user("fake", f"nobody{i}")

        await asyncio.gather(scheduler_like(), adapter_like(), user_like())
        assert await store.get_meta("telegram:last_update_id") == "299"
        assert await store.status_counts() == {"pending": 20}
    finally:
        await store.close()


async def test_migrations_apply_once_and_keep_data(tmp_path: Path) -> None:
    path = str(tmp_path / "m.db")
    first = SQLiteReminderStore(path)
    await first.open()
    await first.set_meta("k", "v")
    version = await first.schema_version()
    await first.close()
    second = SQLiteReminderStore(path)
    await second.open()
    try:
        assert await second.schema_version() == version
        assert await second.get_meta("k") == "v"
    finally:
        await second.close()


ORDER = "8123456789012345"
ME, OTHER = "host:1:me", "host:2:other"


def due(user: str = "u1", at: datetime = NOW - timedelta(seconds=1)) -> NewReminder:
    return NewReminder("fake", user, user, Kind.REMIND, ORDER, at, "n")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteReminderStore]:
    s = SQLiteReminderStore(str(tmp_path / "s.db"))
    await s.open()
    try:
        yield s
    finally:
        await s.close()


async def test_only_the_claimant_can_mark_a_reminder(store: SQLiteReminderStore) -> None:
    for _ in range(3):
        await store.add(due())
    claimed = await store.claim_due(NOW, 10, ["fake"], ME, LEASE)
    assert {(r.claimed_by, r.lease_until) for r in claimed} == {(ME, NOW + LEASE)}
    ids = [r.id for r in claimed]
    assert not await store.mark_sent(ids[0], OTHER, NOW)
    assert not await store.retry_later(ids[1], OTHER, NOW + timedelta(minutes=1), "x")
    assert not await store.mark_failed(ids[2], OTHER, NOW, "x")
    assert await store.status_counts() == {"claimed": 3}
    assert await store.mark_sent(ids[0], ME, NOW)
    assert await store.retry_later(ids[1], ME, NOW + timedelta(minutes=1), "503")
    assert await store.mark_failed(ids[2], ME, NOW, "blocked")
    assert await store.status_counts() == {"sent": 1, "pending": 1, "failed": 1}
    # marking twice does nothing the second time
    assert not await store.mark_sent(ids[0], ME, NOW)


async def test_an_expired_claim_goes_to_the_next_claimant(store: SQLiteReminderStore) -> None:
    r = await store.add(due())
    assert [x.id for x in await store.claim_due(NOW, 10, ["fake"], ME, LEASE)] == [r.id]
    assert await store.next_due(["fake"]) == NOW + LEASE  # when the claim runs out
    almost = NOW + LEASE - timedelta(milliseconds=1)
    assert await store.claim_due(almost, 10, ["fake"], OTHER, LEASE) == []
    (again,) = await store.claim_due(NOW + LEASE, 10, ["fake"], OTHER, LEASE)
    assert again.claimed_by == OTHER
    assert not await store.mark_sent(r.id, ME, NOW + LEASE)  # the first owner was too late
    assert await store.mark_sent(r.id, OTHER, NOW + LEASE)
    assert await store.release_claims(ME) == 0


async def test_take_notice_hands_a_notice_out_once_across_connections(tmp_path: Path) -> None:
    path = str(tmp_path / "n.db")
    stores = [SQLiteReminderStore(path) for _ in range(4)]
    for s in stores:
        await s.open()
    try:
        for round_ in range(30):
            await stores[0].set_notice("fake", "u1", f"notice {round_}")
            got = await asyncio.gather(*(s.take_notice("fake", "u1") for s in stores for _ in "ab"))
            assert sorted(got, reverse=True) == [f"notice {round_}"] + [""] * 7
        assert (await stores[1].get_prefs("fake", "u1")).notice == ""
    finally:
        for s in stores:
            await s.close()


async def test_add_many_is_all_or_nothing_within_the_cap(store: SQLiteReminderStore) -> None:
    for _ in range(MAX_PENDING - 2):
        await store.add(due(at=NOW + timedelta(days=1)))
    order = "81234567"
    warning = NewReminder("fake", "u1", None, Kind.PROTECTION, order, NOW + timedelta(days=3))
    await store.add(warning)  # 49 pending
    # replacing the one warning by two: 50, allowed
    first = await store.add_many(
        "fake",
        "u1",
        [warning, warning],
        cap=MAX_PENDING,
        replace=Replace(order, Kind.PROTECTION),
        protection=Protection(order, NOW + timedelta(days=8)),
    )
    assert (len(first.added), first.replaced) == (2, 1)
    assert await store.count_pending("fake", "u1") == MAX_PENDING
    before = (await store.status_counts(), await store.list_pending("fake", "u1"))
    # one more for another order: refused, and its cancel and protection roll back too
    with pytest.raises(TooManyPending) as caught:
        await store.add_many(
            "fake",
            "u1",
            [warning],
            cap=MAX_PENDING,
            replace=Replace(ORDER, Kind.NUDGE),
            protection=Protection("87654321", NOW + timedelta(days=8)),
        )
    assert (caught.value.pending, caught.value.cap) == (MAX_PENDING, MAX_PENDING)
    assert (await store.status_counts(), await store.list_pending("fake", "u1")) == before
    assert await store.get_protection("fake", "u1", "87654321") is None
    assert await store.get_protection("fake", "u1", order) == NOW + timedelta(days=8)
    # another user is not counted against this one
    other = NewReminder("fake", "u2", None, Kind.REMIND, ORDER, NOW)
    assert len((await store.add_many("fake", "u2", [other], cap=1)).added) == 1
    with pytest.raises(ValueError):
        await store.add_many("fake", "u1", [other], cap=MAX_PENDING)


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


async def test_prune_deletes_old_finished_rows_in_batches(store: SQLiteReminderStore) -> None:
    old = NOW - timedelta(days=100)
    for _ in range(5):
        await store.add(due())
    claimed = await store.claim_due(NOW, 10, ["fake"], ME, LEASE)
    for r in claimed[:3]:
        await store.mark_sent(r.id, ME, old)
    await store.mark_failed(claimed[3].id, ME, old, "blocked")
    await store.mark_sent(claimed[4].id, ME, NOW)  # recent: kept
    cancelled = await store.add(due())
    await store.cancel("fake", "u1", cancelled.id)
    await store.add(due(at=NOW - timedelta(days=200)))  # pending however old: kept
    before = NOW - timedelta(days=90)
    assert await store.prune_finished(before, 3) == 3
    assert await store.prune_finished(before, 3) == 1
    assert await store.prune_finished(before, 3) == 0
    assert await store.status_counts() == {"sent": 1, "cancelled": 1, "pending": 1}
    # cancelled rows carry when they were cancelled (the store's wall clock)
    assert await store.prune_finished(datetime.now(UTC) + timedelta(seconds=1), 10) == 2
    assert await store.status_counts() == {"pending": 1}


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


async def test_language_choice_is_kept_per_user_and_forgotten(store: SQLiteReminderStore) -> None:
    assert (await store.get_prefs("fake", "u1")).language == ""
    await store.set_timezone("fake", "u1", "Europe/Warsaw")
    await store.set_language("fake", "u1", "pl")
    await store.set_language("other", "u1", "de")  # same id on another platform: another user
    prefs = await store.get_prefs("fake", "u1")
    assert (prefs.timezone, prefs.language) == ("Europe/Warsaw", "pl")
    await store.set_language("fake", "u1", "")
    assert (await store.get_prefs("fake", "u1")).language == ""
    await store.set_language("fake", "u1", "es")
    await store.forget_user("fake", "u1")
    assert await store.get_prefs("fake", "u1") == (await store.get_prefs("fake", "nobody"))
    assert (await store.get_prefs("other", "u1")).language == "de"
