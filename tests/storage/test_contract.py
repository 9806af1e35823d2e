"""Every store operation means the same on SQLite and PostgreSQL (``backend`` runs each
test on both). Several stores on one database stand for several processes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.commands.context import MAX_PENDING
from bot.scheduler import LEASE
from bot.storage.base import (
    CommunitySettings,
    Kind,
    NewReminder,
    Protection,
    Replace,
    StatEvent,
    Status,
    TooManyPending,
    UserPrefs,
)
from tests.storage.conftest import Backend

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ORDER = "8123456789012345"
ME, OTHER = "host:1:me", "host:2:other"


def due(
    user: str = "u1", at: datetime = NOW - timedelta(seconds=1), platform: str = "fake"
) -> NewReminder:
    return NewReminder(platform, user, user, Kind.REMIND, ORDER, at, "n")


async def test_add_get_list_and_only_the_owner_sees_them(store: Any) -> None:
    first = await store.add(
        NewReminder("fake", "u1", "c1", Kind.NUDGE, ORDER, NOW, "ask", {"window": "48h"})
    )
    second = await store.add(due(at=NOW - timedelta(hours=1)))
    await store.add(due(user="u2"))
    assert (first.status, first.attempts, first.claimed_by) == (Status.PENDING, 0, None)
    assert first.payload == {"window": "48h"} and first.chat_id == "c1"
    assert first.due_at == NOW and first.due_at.tzinfo is not None
    assert await store.get("fake", "u1", first.id) == first
    assert await store.get("fake", "u2", first.id) is None  # not theirs
    assert await store.get("other", "u1", first.id) is None
    assert [r.id for r in await store.list_pending("fake", "u1")] == [second.id, first.id]
    assert await store.count_pending("fake", "u1") == 2
    assert await store.count_pending("fake", "nobody") == 0


async def test_cancel_and_cancel_for_order_touch_only_the_users_pending(store: Any) -> None:
    mine = await store.add(due())
    theirs = await store.add(due(user="u2"))
    assert not await store.cancel("fake", "u1", theirs.id)
    assert await store.cancel("fake", "u1", mine.id)
    assert not await store.cancel("fake", "u1", mine.id)  # already cancelled
    assert (await store.get("fake", "u1", mine.id)).status is Status.CANCELLED
    nudge = NewReminder("fake", "u2", None, Kind.NUDGE, ORDER, NOW + timedelta(days=1))
    await store.add(nudge)
    await store.add(nudge)
    assert await store.cancel_for_order("fake", "u2", ORDER, Kind.NUDGE) == 2
    assert await store.cancel_for_order("fake", "u2", ORDER, Kind.NUDGE) == 0
    assert [r.id for r in await store.list_pending("fake", "u2")] == [theirs.id]


async def test_move_brings_pending_claimed_or_sent_back_to_pending(store: Any) -> None:
    r = await store.add(due())
    (claimed,) = await store.claim_due(NOW, 10, ["fake"], ME, LEASE)
    assert claimed.id == r.id
    later = NOW + timedelta(days=2)
    moved = await store.move("fake", "u1", r.id, later)
    assert moved is not None
    assert (moved.status, moved.due_at, moved.claimed_by, moved.lease_until) == (
        Status.PENDING,
        later,
        None,
        None,
    )
    assert not await store.mark_sent(r.id, ME, NOW)  # the claim went with the move
    assert await store.move("fake", "u2", r.id, later) is None  # not theirs
    assert await store.claim_due(later, 10, ["fake"], ME, LEASE)
    assert await store.mark_sent(r.id, ME, later)
    again = await store.move("fake", "u1", r.id, later + timedelta(hours=1))
    assert again is not None and again.status is Status.PENDING  # a sent one is snoozed
    await store.cancel("fake", "u1", r.id)
    assert await store.move("fake", "u1", r.id, later) is None  # a cancelled one is not


async def test_claim_due_takes_due_ones_of_the_platforms_soonest_first(store: Any) -> None:
    late = await store.add(due(at=NOW - timedelta(minutes=1)))
    later = await store.add(due(at=NOW - timedelta(seconds=1)))
    await store.add(due(at=NOW + timedelta(seconds=1)))  # not yet
    await store.add(due(platform="discord"))  # another platform
    assert await store.next_due(["fake"]) == NOW - timedelta(minutes=1)
    (one,) = await store.claim_due(NOW, 1, ["fake"], ME, LEASE)
    assert one.id == late.id and one.status is Status.CLAIMED
    (two,) = await store.claim_due(NOW, 5, ["fake"], ME, LEASE)
    assert two.id == later.id
    assert await store.claim_due(NOW, 5, ["fake"], ME, LEASE) == []
    assert await store.next_due(["fake"]) == NOW + timedelta(seconds=1)
    assert await store.next_due(["nothing"]) is None
    assert len(await store.claim_due(NOW, 5, ["fake", "discord"], ME, LEASE)) == 1


async def test_only_the_claimant_can_mark_a_reminder(store: Any) -> None:
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
    retried = await store.get("fake", "u1", ids[1])
    assert (retried.attempts, retried.due_at) == (1, NOW + timedelta(minutes=1))
    # marking twice does nothing the second time
    assert not await store.mark_sent(ids[0], ME, NOW)


async def test_an_expired_claim_goes_to_the_next_claimant(store: Any) -> None:
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


async def test_release_claims_gives_back_only_the_owners(store: Any) -> None:
    for _ in range(2):
        await store.add(due())
    mine = await store.claim_due(NOW, 1, ["fake"], ME, LEASE)
    theirs = await store.claim_due(NOW, 1, ["fake"], OTHER, LEASE)
    assert await store.release_claims(ME) == 1
    assert (await store.get("fake", "u1", mine[0].id)).status is Status.PENDING
    assert (await store.get("fake", "u1", theirs[0].id)).claimed_by == OTHER


async def test_add_many_is_all_or_nothing_within_the_cap(store: Any) -> None:
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


async def test_prune_deletes_old_finished_rows_in_batches(store: Any) -> None:
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


async def test_prefs_timezone_language_and_notices(store: Any) -> None:
    assert await store.get_prefs("fake", "u1") == UserPrefs()
    await store.set_timezone("fake", "u1", "Europe/Warsaw")
    await store.set_language("fake", "u1", "pl")
    await store.set_language("other", "u1", "de")  # same id on another platform: another user
    await store.set_notice("fake", "u1", "owed")
    assert await store.get_prefs("fake", "u1") == UserPrefs("Europe/Warsaw", "owed", "pl")
    await store.set_language("fake", "u1", "")
    await store.set_timezone("fake", "u1", "Asia/Tokyo")
    assert await store.get_prefs("fake", "u1") == UserPrefs("Asia/Tokyo", "owed", "")
    await store.set_notice("fake", "u1", "")
    assert (await store.get_prefs("fake", "u1")).notice == ""
    assert await store.take_notice("fake", "u1") == ""
    await store.set_notice("fake", "u1", "again")
    assert await store.take_notice("fake", "u1") == "again"
    assert await store.take_notice("fake", "u1") == ""
    assert (await store.get_prefs("other", "u1")).language == "de"


async def test_protection_and_forget_user(store: Any) -> None:
    await store.set_protection("fake", "u1", ORDER, NOW)
    await store.set_protection("fake", "u1", ORDER, NOW + timedelta(days=1))  # replaced
    assert await store.get_protection("fake", "u1", ORDER) == NOW + timedelta(days=1)
    assert await store.get_protection("fake", "u2", ORDER) is None
    await store.add(due())
    await store.set_timezone("fake", "u1", "Europe/Warsaw")
    await store.set_notice("fake", "u1", "owed")
    keep = await store.add(due(user="u2"))
    await store.set_protection("fake", "u2", ORDER, NOW)
    assert await store.forget_user("fake", "u1") == 4
    assert await store.forget_user("fake", "u1") == 0
    assert await store.get_prefs("fake", "u1") == UserPrefs()
    assert await store.get_protection("fake", "u1", ORDER) is None
    assert await store.list_pending("fake", "u1") == []
    assert [r.id for r in await store.list_pending("fake", "u2")] == [keep.id]
    assert await store.get_protection("fake", "u2", ORDER) == NOW


async def test_adapter_state_is_namespaced(store: Any) -> None:
    telegram, discord = store.adapter_state("telegram"), store.adapter_state("discord")
    await telegram.set("hash", "t")
    assert await discord.get("hash") is None
    await discord.set("hash", "d")
    assert (await telegram.get("hash"), await discord.get("hash")) == ("t", "d")
    assert await store.get_meta("telegram:hash") == "t"  # the keys older versions wrote
    keep = timedelta(hours=1)
    assert await telegram.first_seen("update:1", NOW, keep)
    assert await discord.first_seen("update:1", NOW, keep)  # another adapter's update 1
    assert not await telegram.first_seen("update:1", NOW, keep)
    with pytest.raises(ValueError):
        store.adapter_state("telegram:update")


async def test_meta_and_processed_updates(store: Any) -> None:
    assert await store.get_meta("discord:commands") is None
    await store.set_meta("discord:commands", "a")
    await store.set_meta("discord:commands", "b")
    assert await store.get_meta("discord:commands") == "b"
    keep = timedelta(hours=24)
    assert await store.first_seen("telegram:update:7", NOW, keep)
    assert not await store.first_seen("telegram:update:7", NOW + timedelta(hours=1), keep)
    assert await store.first_seen("telegram:update:8", NOW, keep)
    # once the record expired it may be handled again (and is recorded again)
    assert await store.first_seen("telegram:update:7", NOW + keep, keep)
    assert not await store.first_seen("telegram:update:7", NOW + keep, keep)
    assert await store.prune_seen(NOW + keep, 10) == 1  # update 8 only
    assert await store.prune_seen(NOW + keep, 10) == 0
    assert await store.prune_seen(NOW + 3 * keep, 10) == 1


async def test_schema_is_migrated_once_and_keeps_data(backend: Backend) -> None:
    first = await backend.open_store()
    await first.set_meta("k", "v")
    version = await first.schema_version()
    assert version >= 1
    second = await backend.open_store()
    assert await second.schema_version() == version
    assert await second.get_meta("k") == "v"


# ---------------------------------------------------------------- several processes


async def test_tasks_share_one_store_safely(store: Any) -> None:
    # Regression (SQLite): a commit from one task while another's UPDATE ... RETURNING was
    # still open failed with "cannot commit transaction - SQL statements in progress".
    for i in range(20):
        await store.add(due(user=f"u{i}", at=NOW - timedelta(minutes=1)))

    async def scheduler_like() -> None:
        for _ in range(100):
            await store.claim_due(NOW, 5, ["fake"], ME, LEASE)
            await store.release_claims(ME)
            await store.list_pending("fake", "u1")

    async def adapter_like() -> None:
        for i in range(300):
            await store.set_meta("telegram:state", str(i))

    async def user_like() -> None:
        for i in range(100):
            await store.set_notice("fake", "u2", f"note {i}")
            await store.take_notice("fake", "u2")
            await store.forget_user("fake", f"nobody{i}")

    await asyncio.gather(scheduler_like(), adapter_like(), user_like())
    assert await store.get_meta("telegram:state") == "299"
    assert await store.status_counts() == {"pending": 20}


async def test_two_processes_claiming_at_once_get_disjoint_sets(backend: Backend) -> None:
    stores = [await backend.open_store() for _ in range(2)]
    total = 300
    await stores[0].add_many(
        "fake", "u1", [due(at=NOW - timedelta(milliseconds=i)) for i in range(total)]
    )
    owners = (ME, OTHER, OTHER + "b")
    got: dict[str, list[int]] = {owner: [] for owner in owners}

    async def claimer(store: Any, owner: str) -> None:
        while batch := await store.claim_due(NOW, 7, ["fake"], owner, LEASE):
            got[owner] += [r.id for r in batch]
            for r in batch:
                assert await store.mark_sent(r.id, owner, NOW)

    await asyncio.gather(
        claimer(stores[0], ME), claimer(stores[1], OTHER), claimer(stores[1], OTHER + "b")
    )
    claimed = [i for owner in owners for i in got[owner]]
    assert len(claimed) == len(set(claimed)) == total
    assert await stores[1].status_counts() == {"sent": total}


async def test_the_cap_holds_under_concurrent_add_many_from_two_processes(
    backend: Backend,
) -> None:
    stores = [await backend.open_store() for _ in range(2)]
    for _ in range(MAX_PENDING - 5):
        await stores[0].add(due(at=NOW + timedelta(days=1)))

    async def one_command(store: Any) -> bool:
        try:
            await store.add_many("fake", "u1", [due(at=NOW + timedelta(days=2))], cap=MAX_PENDING)
        except TooManyPending:
            return False
        return True

    results = await asyncio.gather(*(one_command(stores[i % 2]) for i in range(16)))
    assert results.count(True) == 5
    assert await stores[1].count_pending("fake", "u1") == MAX_PENDING


async def test_take_notice_hands_a_notice_out_once_across_processes(backend: Backend) -> None:
    stores = [await backend.open_store() for _ in range(4)]
    for round_ in range(30):
        await stores[0].set_notice("fake", "u1", f"notice {round_}")
        got = await asyncio.gather(*(s.take_notice("fake", "u1") for s in stores for _ in "ab"))
        assert sorted(got, reverse=True) == [f"notice {round_}"] + [""] * 7
    assert (await stores[1].get_prefs("fake", "u1")).notice == ""


async def test_an_update_is_first_seen_by_one_process_only(backend: Backend) -> None:
    stores = [await backend.open_store() for _ in range(3)]
    for update in range(20):
        key = f"telegram:update:{update}"
        seen = await asyncio.gather(
            *(s.first_seen(key, NOW, timedelta(hours=24)) for s in stores for _ in "ab")
        )
        assert seen.count(True) == 1


# communities, statistics, unanswered questions (issue 12)


async def test_community_settings_default_set_and_kept_apart(store: Any) -> None:
    assert await store.get_community("discord", "g1") == CommunitySettings()
    mine = CommunitySettings("de", "Europe/Berlin", False, frozenset({"c1", "c2"}))
    await store.set_community("discord", "g1", mine)
    assert await store.get_community("discord", "g1") == mine
    assert await store.get_community("discord", "g2") == CommunitySettings()
    assert await store.get_community("telegram", "g1") == CommunitySettings()
    assert await store.communities_with_auto_answer("discord") == 1
    assert await store.communities_with_auto_answer("telegram") == 0
    await store.set_community("discord", "g1", CommunitySettings(language="fr"))
    assert await store.get_community("discord", "g1") == CommunitySettings(language="fr")
    assert await store.communities_with_auto_answer("discord") == 0


async def test_adopt_timezone_only_for_a_new_user(store: Any) -> None:
    assert await store.adopt_timezone("fake", "new", "Europe/Warsaw")
    assert (await store.get_prefs("fake", "new")).timezone == "Europe/Warsaw"
    await store.set_timezone("fake", "known", "Asia/Tokyo")
    assert not await store.adopt_timezone("fake", "known", "Europe/Warsaw")
    assert (await store.get_prefs("fake", "known")).timezone == "Asia/Tokyo"


async def test_event_counts_add_up_per_card_language_day_and_community(backend: Any) -> None:
    one, two = await backend.open_store(), await backend.open_store()  # two processes
    sent = [
        ("discord", "g1", "shipment-cancelled", "en", "2026-11-25", StatEvent.ANSWER),
        ("discord", "g1", "shipment-cancelled", "en", "2026-11-25", StatEvent.ANSWER),
        ("discord", "g1", "shipment-cancelled", "de", "2026-11-25", StatEvent.AUTO),
        ("discord", "g2", "shipment-cancelled", "en", "2026-11-26", StatEvent.HELPFUL),
        ("telegram", "-100", "payment-failed", "en", "2026-11-26", StatEvent.NOT_HELPFUL),
    ]
    await asyncio.gather(*(s.count_event(*e) for s, e in zip([one, two] * 3, sent, strict=False)))
    rows = await one.stats()
    assert sum(r.count for r in rows) == len(sent)
    g1 = await two.stats("discord", "g1")
    assert {(r.language, r.event, r.count) for r in g1} == {
        ("en", StatEvent.ANSWER, 2),
        ("de", StatEvent.AUTO, 1),
    }
    assert [r.community_id for r in await one.stats("discord", "g2")] == ["g2"]
    assert [r.day for r in await one.stats(since="2026-11-26")] == ["2026-11-26"] * 2


async def test_unanswered_questions_are_text_only_scoped_and_pruned(store: Any) -> None:
    await store.add_unanswered("discord", "g1", "where is my parcel??", NOW - timedelta(days=40))
    await store.add_unanswered("discord", "g1", "what is status 7", NOW)
    await store.add_unanswered("telegram", "-100", "wat", NOW)
    mine = await store.list_unanswered("discord", "g1")
    assert [q.text for q in mine] == ["what is status 7", "where is my parcel??"]
    assert mine[0].created_at == NOW
    assert len(await store.list_unanswered()) == 3
    assert await store.prune_unanswered(NOW - timedelta(days=30), 100) == 1
    assert [q.text for q in await store.list_unanswered("discord")] == ["what is status 7"]
