"""Reminders, nudges and protection warnings fire on time, survive restarts and crashes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import actions
from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.model import Action, Reply, ReplyKind
from bot.scheduler import LEASE
from bot.storage.base import Kind, NewReminder
from bot.storage.sqlite import MIGRATIONS
from tests.core.conftest import Harness, RecordingAdapter, idle, make_settings, until

ORDER = "8123456789012345"
SNOOZE_LABELS = ["Snooze 1 hour", "Snooze 1 day", "Snooze 3 days"]


def snoozes(reply: Reply) -> list[Action]:
    return [a for a in reply.actions if a.name == "snooze"]


async def test_reminder_fires_at_its_time_not_before(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 2h check tracking")
    await harness.advance(hours=1, minutes=59)
    assert harness.adapter.sent == []
    await harness.advance(seconds=59)
    assert harness.adapter.sent == []
    await harness.advance(seconds=1)
    assert len(harness.adapter.sent) == 1
    user, reply = harness.adapter.sent[0]
    assert (user.platform, user.user_id, user.dm_chat_id) == ("fake", "u1", "u1")
    assert reply.kind is ReplyKind.REMINDER and "check tracking" in reply.text
    assert reply.footer == ""  # on time, not late
    assert harness.bot.scheduler.delivered == 1
    assert await harness.statuses() == ["sent"]


async def test_earlier_reminder_added_later_wakes_the_scheduler(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 3d far")
    await harness.ask(f"/remind {ORDER} 10m near")
    await harness.advance(minutes=10)
    assert [r.text for _, r in harness.adapter.sent] == [f"Reminder about order {ORDER}: near"]


async def test_seller_window_nudge_with_steps_and_deadline(harness: Harness) -> None:
    await harness.ask(f"/protection {ORDER} 20d")
    await harness.ask(f"/contacted {ORDER}")
    await harness.advance(hours=47, minutes=59)
    assert harness.adapter.sent == []
    await harness.advance(minutes=1)
    assert len(harness.adapter.sent) == 1
    _, nudge = harness.adapter.sent[0]
    assert nudge.title == "Time to open a dispute"
    assert ORDER in nudge.text and "2 days ago" in nudge.text
    steps = next(s for s in nudge.sections if s.heading == "How to open a dispute")
    dispute = harness.bot.core.matcher.cards["open-dispute"]
    assert steps.items == dispute.steps and steps.numbered
    deadline = next(s for s in nudge.sections if s.heading == "Deadline")
    assert "Wed 16 Dec" in deadline.text and "(in 18 days)" in deadline.text
    assert [a.name for a in nudge.actions] == ["replied", "snooze", "snooze", "snooze", "disputed"]
    assert [a.label for a in snoozes(nudge)] == SNOOZE_LABELS


async def test_replied_before_the_window_means_no_nudge(harness: Harness) -> None:
    await harness.ask(f"/contacted {ORDER} 1h")
    await harness.ask(f"/replied {ORDER}")
    await harness.advance(hours=2)
    assert harness.adapter.sent == []
    assert await harness.statuses() == ["cancelled"]


async def test_nudge_buttons_snooze_replied_disputed(harness: Harness) -> None:
    await harness.ask(f"/contacted {ORDER} 1h")
    await harness.advance(hours=1)
    assert len(harness.adapter.sent) == 1
    snooze = snoozes(harness.adapter.sent[0][1])[1]
    assert snooze.label == "Snooze 1 day"
    reply = await harness.press(snooze)
    assert "Snoozed" in reply.text and "Fri 27 Nov, 13:00 UTC (in 1 day)" in reply.text
    await harness.advance(hours=23, minutes=59)
    assert len(harness.adapter.sent) == 1
    await harness.advance(minutes=1)
    assert len(harness.adapter.sent) == 2
    disputed = await harness.press(Action("disputed", (ORDER,)))
    assert "Dispute opened" in disputed.text
    replied = await harness.press(Action("replied", (ORDER,)))
    assert replied.kind is ReplyKind.ERROR  # nothing pending any more


async def test_protection_warnings_five_and_two_days_before(harness: Harness) -> None:
    await harness.ask(f"/protection {ORDER} 10d")
    await harness.advance(days=4, hours=23, minutes=59)
    assert harness.adapter.sent == []
    await harness.advance(minutes=1)
    assert len(harness.adapter.sent) == 1
    first = harness.adapter.sent[0][1]
    assert first.title == "Buyer protection ends soon" and "(in 5 days)" in first.text
    assert [a.label for a in snoozes(first)] == SNOOZE_LABELS
    await harness.advance(days=3)
    assert len(harness.adapter.sent) == 2
    assert "(in 2 days)" in harness.adapter.sent[1][1].text


async def test_temporary_failure_is_retried_with_backoff(harness: Harness) -> None:
    harness.adapter.fail_with = [TemporaryDeliveryError("503"), TemporaryDeliveryError("503")]
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)
    assert len(harness.adapter.fail_with) == 1
    assert harness.adapter.sent == []
    await harness.advance(seconds=9)
    assert len(harness.adapter.fail_with) == 1
    await harness.advance(seconds=1)  # first backoff step
    assert not harness.adapter.fail_with
    assert harness.adapter.sent == []
    await harness.advance(seconds=59)
    assert harness.adapter.sent == []
    await harness.advance(seconds=1)  # second step: a minute
    assert len(harness.adapter.sent) == 1
    assert await harness.statuses() == ["sent"]


async def test_permanent_failure_marks_failed_and_tells_the_user_once(harness: Harness) -> None:
    harness.adapter.fail_with = [PermanentDeliveryError("Forbidden: bot was blocked by the user")]
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)
    assert not harness.adapter.fail_with
    await harness.advance(hours=5)
    rows = await harness.rows()
    assert [r[6] for r in rows] == ["failed"]
    assert harness.adapter.sent == []
    reply = await harness.ask("/reminders")
    assert "could not deliver a reminder about order" in reply.footer
    again = await harness.ask("/reminders")
    assert "could not deliver" not in again.footer


async def test_restart_on_the_same_file_sends_what_fell_due_while_down(db_path: Path) -> None:
    clock = ManualClock()
    first = WhyBot(make_settings(db_path), clock=clock)
    first.add_adapter(RecordingAdapter())
    await first.start()
    from bot.model import Request

    await first.core.handle(
        Request("fake", "u1", "u1", True, command="remind", args=f"{ORDER} 1h while you were away")
    )
    await first.stop()

    await clock.advance(timedelta(hours=3))  # the bot was down when it fell due
    second = WhyBot(make_settings(db_path), clock=clock)
    adapter = RecordingAdapter()
    second.add_adapter(adapter)
    await second.start()
    try:
        await idle(second)
        assert len(adapter.sent) == 1
        reply = adapter.sent[0][1]
        assert "while you were away" in reply.text
        assert reply.footer.startswith("Sent late: this was due Thu 26 Nov, 13:00 UTC")
    finally:
        await second.stop()


async def test_crash_between_claim_and_sent_resends_once_its_lease_runs_out(
    db_path: Path,
) -> None:
    clock = ManualClock()
    settings = make_settings(db_path)
    first = WhyBot(settings, clock=clock)
    await first.store.open()
    await first.store.add(
        NewReminder(
            "fake", "u1", "u1", Kind.REMIND, ORDER, clock.now() - timedelta(seconds=1), "crash test"
        )
    )
    claimed = await first.store.claim_due(clock.now(), 10, ["fake"], "host:1:dead", LEASE)
    assert [(r.claimed_by, r.lease_until) for r in claimed] == [
        ("host:1:dead", clock.now() + LEASE)
    ]
    await first.store.close()  # the process dies here: claimed, never marked sent

    second = WhyBot(settings, clock=clock)
    adapter = RecordingAdapter()
    second.add_adapter(adapter)
    await second.start()
    try:
        await idle(second)
        assert adapter.sent == []  # the dead process's claim still holds
        await clock.advance(LEASE - timedelta(seconds=1))
        await idle(second)
        assert adapter.sent == []
        await clock.advance(timedelta(seconds=1))  # reclaimed while running
        await idle(second)
        assert [r[1].text for r in adapter.sent] == [f"Reminder about order {ORDER}: crash test"]
        assert await second.store.status_counts() == {"sent": 1}
    finally:
        await second.stop()


async def test_scheduler_starts_once_and_only_for_running_platforms(harness: Harness) -> None:
    task = harness.bot.scheduler._task
    await harness.bot.scheduler.start()  # a reconnect asking again changes nothing
    assert harness.bot.scheduler._task is task
    await harness.bot.store.add(
        NewReminder("telegram", "u9", "u9", Kind.REMIND, ORDER, datetime(2026, 1, 1, tzinfo=UTC))
    )
    harness.bot.scheduler.wake()
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)
    assert len(harness.adapter.sent) == 1
    statuses = sorted((r[1], r[6]) for r in await harness.rows())
    assert statuses == [("fake", "sent"), ("telegram", "pending")]


async def test_schema_is_versioned(harness: Harness) -> None:
    assert await harness.bot.store.schema_version() == len(MIGRATIONS)
    async with harness.bot.store.db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"


async def test_snooze_choices_move_the_reminder_by_their_span(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 1m first")
    await harness.advance(minutes=1)
    ((_, delivered),) = harness.adapter.sent
    buttons = snoozes(delivered)
    assert [b.label for b in buttons] == SNOOZE_LABELS
    assert [b.args[1] for b in buttons] == ["1h", "1d", "3d"]
    assert all(len(actions.encode(b).encode()) <= actions.MAX_BYTES for b in buttons)
    hour = await harness.press(buttons[0])
    assert hour.text == "Snoozed: I'll remind you again on Thu 26 Nov, 13:01 UTC (in 1 hour)."
    await harness.advance(minutes=59, seconds=59)
    assert len(harness.adapter.sent) == 1
    await harness.advance(seconds=1)
    assert len(harness.adapter.sent) == 2
    three = await harness.press(snoozes(harness.adapter.sent[1][1])[2])
    assert "Sun 29 Nov, 13:01 UTC (in 3 days)" in three.text
    await harness.advance(days=2, hours=23, minutes=59)
    assert len(harness.adapter.sent) == 2
    await harness.advance(minutes=1)
    assert len(harness.adapter.sent) == 3
    # a button from before the choices still means one day
    old = await harness.press(Action("snooze", (buttons[0].args[0],)))
    assert "Mon 30 Nov, 13:01 UTC (in 1 day)" in old.text


@pytest.mark.parametrize(
    "data",
    [
        "wb:snooze:10000000000000000000",
        "wb:snooze:10000000000000000000:1h",
        "wb:snooze:1:2w",
        "wb:snooze:1:",
        "wb:snooze:0:1h",
        "wb:snooze:-1:1h",
        "wb:snooze:1:1h:extra",
        "wb:snooze:9223372036854775808:1d",
    ],
)
async def test_forged_snooze_buttons_have_expired_and_log_nothing(
    harness: Harness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.ask(f"/remind {ORDER} 1m")
    before = await harness.rows()
    action = actions.decode(data)
    caplog.set_level(logging.DEBUG)
    reply = (
        await harness.press(action)
        if action is not None
        else await harness.press(Action("snooze", tuple(data.split(":")[2:])))
    )
    assert reply.kind is ReplyKind.ERROR and reply.text == "This button has expired."
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    assert await harness.rows() == before


async def test_snooze_of_someone_elses_reminder_is_refused(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 1m", user="u1")
    await harness.advance(minutes=1)
    button = snoozes(harness.adapter.sent[0][1])[0]
    reply = await harness.press(button, user="mallory")
    assert reply.kind is ReplyKind.ERROR
    assert await harness.statuses() == ["sent"]


async def test_reschedule_moves_a_pending_reminder(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 1h move me")
    (rid,) = [r[0] for r in await harness.rows()]
    reply = await harness.ask(f"/reschedule {rid} 3h")
    assert reply.kind is ReplyKind.INFO
    moved = "Thu 26 Nov, 15:00 UTC (in 3 hours)"
    assert reply.text == f"Reminder {rid} (order {ORDER}) moved to {moved}."
    await harness.advance(hours=2, minutes=59)  # the old time passes quietly
    assert harness.adapter.sent == []
    await harness.advance(minutes=1)
    assert [r.text for _, r in harness.adapter.sent] == [f"Reminder about order {ORDER}: move me"]
    # a sent reminder can be set again
    again = await harness.ask(f"/reschedule {rid} 1d")
    assert again.kind is ReplyKind.INFO
    await harness.advance(days=1)
    assert len(harness.adapter.sent) == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/reschedule", "Which one?"),
        ("/reschedule {rid}", "To when?"),
        ("/reschedule abc 3h", "'abc' is not a reminder id"),
        ("/reschedule 10000000000000000000 3h", "is not a reminder id"),
        ("/reschedule ١٢ 3h", "is not a reminder id"),
        ("/reschedule {rid} yesterday-ish", "I can't read that time"),
        ("/reschedule {rid} 2020-01-01", "That time has passed"),
        ("/reschedule {rid} 1000d", "more than 2 years ahead"),
        ("/reschedule {other} 3h", "You have no pending or sent reminder"),
        ("/reschedule {cancelled} 3h", "You have no pending or sent reminder"),
        ("/reschedule 999999 3h", "You have no pending or sent reminder"),
    ],
)
async def test_reschedule_refuses_cleanly_and_changes_nothing(
    harness: Harness, line: str, message: str
) -> None:
    await harness.ask(f"/remind {ORDER} 1h mine")
    await harness.ask(f"/remind {ORDER} 1h theirs", user="u2")
    await harness.ask(f"/remind {ORDER} 1h gone")
    rid, other, cancelled = [r[0] for r in await harness.rows()]
    await harness.ask(f"/cancel {cancelled}")
    before = await harness.rows()
    reply = await harness.ask(line.format(rid=rid, other=other, cancelled=cancelled))
    assert reply.kind is ReplyKind.ERROR
    assert message in reply.text and "\n" not in reply.text
    assert await harness.rows() == before


async def test_one_hung_delivery_does_not_hold_anyone_elses(harness: Harness) -> None:
    harness.adapter.hang_for = {"slow"}
    await harness.ask(f"/remind {ORDER} 1m", user="slow")
    await harness.ask(f"/remind {ORDER} 2m", user="fast")
    await harness.clock.advance(timedelta(minutes=1))
    await until(lambda: harness.adapter.hanging == 1)
    await harness.clock.advance(timedelta(minutes=1))
    # the default timeout is 30 s of real time: this only passes if the scheduler delivers
    # while the first call still hangs
    await until(lambda: [u.user_id for u, _ in harness.adapter.sent] == ["fast"])
    assert harness.adapter.hanging == 1
    harness.adapter.release.set()
    await harness.idle()
    assert sorted(u.user_id for u, _ in harness.adapter.sent) == ["fast", "slow"]
    assert await harness.statuses() == ["sent", "sent"]


async def test_a_delivery_that_times_out_is_retried_like_a_temporary_failure(
    harness: Harness,
) -> None:
    harness.bot.scheduler.delivery_timeout = 0.2
    harness.adapter.hang_for = {"u1"}  # the first call hangs for ever
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)  # idle once the call has timed out
    assert harness.adapter.sent == [] and harness.adapter.hanging == 0
    async with harness.bot.store.db.execute(
        "SELECT status, attempts, last_error FROM reminders"
    ) as cur:
        assert await cur.fetchall() == [("pending", 1, "TimeoutError: no answer in 0.2 s")]
    await harness.advance(seconds=9)
    assert harness.adapter.sent == []
    await harness.advance(seconds=1)  # the first backoff step
    assert len(harness.adapter.sent) == 1
    assert await harness.statuses() == ["sent"]


async def test_a_claim_whose_owner_hung_is_taken_over_while_running(harness: Harness) -> None:
    store = harness.bot.store
    await harness.idle()
    due = harness.clock.now() + timedelta(minutes=1)
    await store.add(NewReminder("fake", "u1", "u1", Kind.REMIND, ORDER, due))
    # another process claims it when due, then hangs
    (taken,) = await store.claim_due(due, 5, ["fake"], "other:2:hung", LEASE)
    harness.bot.scheduler.wake()
    await harness.advance(minutes=1)
    assert harness.adapter.sent == []
    await harness.advance(minutes=1, seconds=59)
    assert harness.adapter.sent == []
    assert await harness.statuses() == ["claimed"]
    await harness.advance(seconds=1)  # LEASE (2 min) after the claim
    assert len(harness.adapter.sent) == 1
    assert await harness.statuses() == ["sent"]
    # the old owner's late answer changes nothing
    assert not await store.mark_failed(taken.id, "other:2:hung", harness.clock.now(), "late")
    assert await harness.statuses() == ["sent"]


async def test_nothing_stays_claimed_when_marking_it_sent_fails(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    store = harness.bot.store
    real = store.mark_sent
    calls = 0

    async def flaky(reminder_id: int, owner: str, now: datetime) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk I/O error")
        return await real(reminder_id, owner, now)

    monkeypatch.setattr(store, "mark_sent", flaky)
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)
    assert len(harness.adapter.sent) == 1
    assert await harness.statuses() == ["claimed"]
    assert "disk I/O error" in caplog.text
    await harness.advance(seconds=LEASE.total_seconds())
    assert len(harness.adapter.sent) == 2  # at least once: re-sent when the lease ran out
    assert await harness.statuses() == ["sent"]


async def test_finished_reminders_are_pruned_after_the_retention(db_path: Path) -> None:
    clock = ManualClock()
    bot = WhyBot(make_settings(db_path, WHYBOT_RETENTION="2d"), clock=clock)
    adapter = RecordingAdapter(fail_with=[PermanentDeliveryError("blocked")])
    bot.add_adapter(adapter)
    await bot.start()
    try:
        from bot.model import Request

        for args in (f"{ORDER} 1m failed", f"{ORDER} 2m sent", f"{ORDER} 10d pending"):
            await bot.core.handle(Request("fake", "u1", "u1", True, command="remind", args=args))
        await clock.advance(timedelta(minutes=2))
        await idle(bot)
        assert await bot.store.status_counts() == {"failed": 1, "sent": 1, "pending": 1}
        await clock.advance(timedelta(days=2))  # not yet older than 2 days
        await idle(bot)
        assert await bot.store.status_counts() == {"failed": 1, "sent": 1, "pending": 1}
        await clock.advance(timedelta(hours=1))  # the next hourly pruning
        await idle(bot)
        assert await bot.store.status_counts() == {"pending": 1}
    finally:
        await bot.stop()
