"""Reminders, nudges and protection warnings fire on time, survive restarts and crashes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.model import Action, ReplyKind
from bot.storage.base import Kind, NewReminder
from bot.storage.sqlite import MIGRATIONS
from tests.core.conftest import Harness, RecordingAdapter, make_settings, settle, until

ORDER = "8123456789012345"


async def test_reminder_fires_at_its_time_not_before(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 2h check tracking")
    await harness.advance(hours=1, minutes=59)
    assert harness.adapter.sent == []
    await harness.advance(minutes=1)
    await until(lambda: len(harness.adapter.sent) == 1)
    user, reply = harness.adapter.sent[0]
    assert (user.platform, user.user_id, user.dm_chat_id) == ("fake", "u1", "u1")
    assert reply.kind is ReplyKind.REMINDER and "check tracking" in reply.text
    assert reply.footer == ""  # on time, not late
    await until(lambda: harness.bot.scheduler.delivered == 1)
    assert [r[6] for r in await harness.rows()] == ["sent"]


async def test_earlier_reminder_added_later_wakes_the_scheduler(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 3d far")
    await harness.ask(f"/remind {ORDER} 10m near")
    await harness.advance(minutes=10)
    await until(lambda: len(harness.adapter.sent) == 1)
    assert "near" in harness.adapter.sent[0][1].text


async def test_seller_window_nudge_with_steps_and_deadline(harness: Harness) -> None:
    await harness.ask(f"/protection {ORDER} 20d")
    await harness.ask(f"/contacted {ORDER}")
    await harness.advance(hours=48)
    await until(lambda: len(harness.adapter.sent) == 1)
    _, nudge = harness.adapter.sent[0]
    assert nudge.title == "Time to open a dispute"
    assert ORDER in nudge.text and "2d ago" in nudge.text
    steps = next(s for s in nudge.sections if s.heading == "How to open a dispute")
    dispute = harness.bot.core.matcher.cards["open-dispute"]
    assert steps.items == dispute.steps and steps.numbered
    deadline = next(s for s in nudge.sections if s.heading == "Deadline")
    assert "Wed 16 Dec" in deadline.text and "in 18d" in deadline.text
    assert [a.name for a in nudge.actions] == ["replied", "snooze", "disputed"]


async def test_replied_before_the_window_means_no_nudge(harness: Harness) -> None:
    await harness.ask(f"/contacted {ORDER} 1h")
    await harness.ask(f"/replied {ORDER}")
    await harness.advance(hours=2)
    await settle()
    assert harness.adapter.sent == []


async def test_nudge_buttons_snooze_replied_disputed(harness: Harness) -> None:
    await harness.ask(f"/contacted {ORDER} 1h")
    await harness.advance(hours=1)
    await until(lambda: len(harness.adapter.sent) == 1)
    snooze = harness.adapter.sent[0][1].actions[1]
    await until(lambda: harness.bot.scheduler.delivered == 1)
    reply = await harness.press(snooze)
    assert "Snoozed" in reply.text and "Fri 27 Nov 13:00" in reply.text
    await harness.advance(hours=23, minutes=59)
    assert len(harness.adapter.sent) == 1
    await harness.advance(minutes=1)
    await until(lambda: len(harness.adapter.sent) == 2)
    await until(lambda: harness.bot.scheduler.delivered == 2)
    disputed = await harness.press(Action("disputed", (ORDER,)))
    assert "Dispute opened" in disputed.text
    replied = await harness.press(Action("replied", (ORDER,)))
    assert replied.kind is ReplyKind.ERROR  # nothing pending any more


async def test_protection_warnings_five_and_two_days_before(harness: Harness) -> None:
    await harness.ask(f"/protection {ORDER} 10d")
    await harness.advance(days=5)
    await until(lambda: len(harness.adapter.sent) == 1)
    first = harness.adapter.sent[0][1]
    assert first.title == "Buyer protection ends soon" and "in 5d" in first.text
    await harness.advance(days=3)
    await until(lambda: len(harness.adapter.sent) == 2)
    assert "in 2d" in harness.adapter.sent[1][1].text


async def test_temporary_failure_is_retried_with_backoff(harness: Harness) -> None:
    harness.adapter.fail_with = [TemporaryDeliveryError("503"), TemporaryDeliveryError("503")]
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)
    await until(lambda: len(harness.adapter.fail_with) == 1)
    await until(lambda: harness.bot.scheduler.running)
    assert harness.adapter.sent == []
    await harness.advance(seconds=10)  # first backoff step
    await until(lambda: not harness.adapter.fail_with)
    assert harness.adapter.sent == []
    await harness.advance(seconds=59)
    assert harness.adapter.sent == []
    await harness.advance(seconds=1)  # second step: a minute
    await until(lambda: len(harness.adapter.sent) == 1)


async def test_permanent_failure_marks_failed_and_tells_the_user_once(harness: Harness) -> None:
    harness.adapter.fail_with = [PermanentDeliveryError("Forbidden: bot was blocked by the user")]
    await harness.ask(f"/remind {ORDER} 1m")
    await harness.advance(minutes=1)
    await until(lambda: not harness.adapter.fail_with)
    await harness.advance(hours=5)
    await settle()
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
        await until(lambda: len(adapter.sent) == 1)
        reply = adapter.sent[0][1]
        assert "while you were away" in reply.text
        assert reply.footer.startswith("Sent late: this was due Thu 26 Nov 13:00 UTC")
    finally:
        await second.stop()


async def test_crash_between_claim_and_sent_resends_once(db_path: Path) -> None:
    clock = ManualClock()
    settings = make_settings(db_path)
    first = WhyBot(settings, clock=clock)
    await first.store.open()
    await first.store.add(
        NewReminder(
            "fake", "u1", "u1", Kind.REMIND, ORDER, clock.now() - timedelta(seconds=1), "crash test"
        )
    )
    claimed = await first.store.claim_due(clock.now(), 10, ["fake"])
    assert len(claimed) == 1
    await first.store.close()  # the process dies here: claimed, never marked sent

    second = WhyBot(settings, clock=clock)
    adapter = RecordingAdapter()
    second.add_adapter(adapter)
    await second.start()
    try:
        await until(lambda: second.scheduler.delivered == 1)
        assert [r[1].text for r in adapter.sent] == [f"Reminder about order {ORDER}: crash test"]
        counts = await second.store.status_counts()
        assert counts == {"sent": 1}
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
    await until(lambda: len(harness.adapter.sent) == 1)
    statuses = sorted((r[1], r[6]) for r in await harness.rows())
    assert statuses == [("fake", "sent"), ("telegram", "pending")]


async def test_schema_is_versioned(harness: Harness) -> None:
    assert await harness.bot.store.schema_version() == len(MIGRATIONS)
    async with harness.bot.store.db.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
