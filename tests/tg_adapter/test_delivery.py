"""Reminders and nudges from the scheduler: private chat, buttons, failures, restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.storage.base import Reminder, Status
from tests.tg_adapter.conftest import GROUP, USER, Harness

ORDER = "8123456789012345"


async def eventually(check: Callable[[], Awaitable[object]], within: float = 5.0) -> object:
    """Poll ``check`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def only_reminder(tg: Harness, user_id: int = USER) -> Reminder:
    pending = await tg.store.list_pending("telegram", str(user_id))
    assert len(pending) == 1
    return pending[0]


async def status_of(tg: Harness, reminder_id: int, user_id: int = USER) -> Reminder:
    got = await tg.store.get("telegram", str(user_id), reminder_id)
    assert got is not None
    return got


async def is_sent(tg: Harness, reminder_id: int) -> bool:
    return (await status_of(tg, reminder_id)).status == Status.SENT


async def test_reminder_arrives_in_private_with_a_snooze_button(tg: Harness) -> None:
    await tg.ask(f"/remind {ORDER} 3d check tracking")
    reminder = await only_reminder(tg)
    mark = tg.fake.mark()
    await tg.clock.advance(timedelta(days=3, minutes=1))
    msg = await tg.fake.wait_message(USER, after=mark)
    assert msg.raw.startswith("<b>Order reminder</b>")
    assert f"order {ORDER}: check tracking" in msg.text
    assert [b["text"] for b in msg.buttons] == ["Snooze 1 hour", "Snooze 1 day", "Snooze 3 days"]
    await eventually(lambda: is_sent(tg, reminder.id))
    snoozed = await tg.press(msg, "Snooze 1 day")
    assert snoozed.text.startswith("Snoozed")
    assert (await status_of(tg, reminder.id)).status == Status.PENDING


async def test_seller_window_nudge_with_its_buttons(tg: Harness) -> None:
    await tg.ask(f"/contacted {ORDER} 48h")
    mark = tg.fake.mark()
    await tg.clock.advance(timedelta(hours=48, minutes=1))
    msg = await tg.fake.wait_message(USER, after=mark)
    assert msg.text.startswith("Time to open a dispute")
    assert "How to open a dispute" in msg.text and "\n1. " in msg.text
    assert [b["text"] for b in msg.buttons] == [
        "Seller replied",
        "Snooze 1 hour",
        "Snooze 1 day",
        "Snooze 3 days",
        "Dispute opened",
    ]
    reply = await tg.press(msg, "Dispute opened")
    assert f"Dispute opened for order {ORDER}" in reply.text


async def test_reminder_set_in_a_group_is_delivered_privately(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    mark = tg.fake.mark()
    tg.fake.send_text(f"/remind {ORDER} 2h", chat_id=GROUP)
    await tg.fake.wait_message(GROUP, after=mark, contains="private chat")
    mark = tg.fake.mark()
    await tg.clock.advance(timedelta(hours=2, minutes=1))
    msg = await tg.fake.wait_message(USER, after=mark)
    assert f"order {ORDER}" in msg.text
    assert tg.fake.sent_to(GROUP, after=mark) == []


async def test_blocked_user_reminder_is_marked_failed_without_retries(tg: Harness) -> None:
    await tg.ask(f"/remind {ORDER} 1h")
    reminder = await only_reminder(tg)
    tg.fake.block(USER)
    calls = len(tg.fake.calls)
    await tg.clock.advance(timedelta(hours=1, minutes=1))

    async def failed() -> bool:
        return (await status_of(tg, reminder.id)).status == Status.FAILED

    await eventually(failed)
    await tg.clock.advance(timedelta(hours=2))  # no backoff retries either
    sends = [c for c in tg.fake.calls[calls:] if c.method == "sendMessage"]
    assert [c.status for c in sends] == [403]
    # once unblocked, the user learns about it
    tg.fake.blocked_users.discard(USER)
    listing = await tg.ask("/reminders")
    assert f"could not deliver a reminder about order {ORDER}" in listing.text


async def test_server_errors_are_temporary_and_retried_later(tg: Harness) -> None:
    await tg.ask(f"/remind {ORDER} 1h")
    reminder = await only_reminder(tg)
    tg.fake.fail_chat(USER, 500, times=None)
    calls = len(tg.fake.calls)
    await tg.clock.advance(timedelta(hours=1, minutes=1))

    async def retried() -> Reminder | None:
        got = await status_of(tg, reminder.id)
        return got if got.attempts == 1 and got.status == Status.PENDING else None

    await eventually(retried)
    sends = [c.status for c in tg.fake.calls[calls:] if c.method == "sendMessage"]
    assert sends == [500, 500, 500]  # the adapter's own retries, then the scheduler backs off
    tg.fake.clear_faults()
    mark = tg.fake.mark()
    await tg.clock.advance(timedelta(minutes=1))
    msg = await tg.fake.wait_message(USER, after=mark)
    assert f"order {ORDER}" in msg.text
    await eventually(lambda: is_sent(tg, reminder.id))


async def test_reminder_due_while_down_arrives_after_restart(tg: Harness) -> None:
    await tg.ask(f"/remind {ORDER} 1h check tracking")
    await tg.stop()
    await tg.clock.advance(timedelta(hours=3))
    for text in ("/help", "/reminders", "/timezone"):  # sent while the bot was down
        tg.fake.send_text(text)
    mark = tg.fake.mark()
    await tg.start()  # a new WhyBot on the same SQLite file
    msg = await tg.fake.wait_message(USER, after=mark, contains="Order reminder")
    assert f"order {ORDER}: check tracking" in msg.text
    assert "Sent late" in msg.text
    for expected in ("whybot", "pending reminder", "Your time zone is UTC"):
        await tg.fake.wait_message(USER, after=mark, contains=expected)
    assert len(tg.fake.messages[mark:]) == 4
