"""Reminders and seller nudges arrive by DM; an unreachable user is told next time."""

from __future__ import annotations

from datetime import timedelta

from tests.discord_adapter.conftest import Harness, buttons_of, settle, text_of

ORDER = "8123456789012345"
USER = 4711


async def test_reminder_arrives_by_dm_with_a_snooze_button(running: Harness) -> None:
    fake = running.fake
    await running.ask(
        "remind", {"order": ORDER, "when": "1h", "note": "check tracking"}, user_id=USER
    )
    await running.clock.advance(timedelta(minutes=30))
    assert not fake.find("POST", r"/channels/\d+/messages")  # not due yet

    await running.clock.advance(timedelta(minutes=31))
    sent = await fake.wait_call("POST", r"/channels/\d+/messages")
    opened = fake.find("POST", "/users/@me/channels")
    assert opened and opened[-1].json == {"recipient_id": USER}
    assert sent.path == f"/channels/{fake.dm_channel_of(USER)}/messages"
    assert sent.json["allowed_mentions"] == {"parse": []}
    text = text_of(sent.json)
    assert "Order reminder" in text and ORDER in text and "check tracking" in text
    buttons = buttons_of(sent.json)
    assert [b["label"] for b in buttons] == ["Snooze 1 hour", "Snooze 1 day", "Snooze 3 days"]
    snooze = buttons[1]
    assert snooze["custom_id"].startswith("wb:snooze:") and snooze["custom_id"].endswith(":1d")

    pressed = await running.press(snooze["custom_id"], user_id=USER)
    assert "Snoozed" in text_of(pressed.message)


async def test_seller_nudge_arrives_by_dm_with_its_actions(running: Harness) -> None:
    fake = running.fake
    await running.ask("contacted", {"order": ORDER, "window": "48h"}, user_id=USER)
    await running.clock.advance(timedelta(hours=49))
    sent = await fake.wait_call("POST", r"/channels/\d+/messages")
    assert sent.path == f"/channels/{fake.dm_channel_of(USER)}/messages"
    text = text_of(sent.json)
    assert "Time to open a dispute" in text and ORDER in text
    labels = {b["label"]: b["custom_id"] for b in buttons_of(sent.json)}
    assert {"Seller replied", "Snooze 1 day", "Dispute opened"} <= set(labels)
    assert labels["Seller replied"] == f"wb:replied:{ORDER}"

    pressed = await running.press(labels["Dispute opened"], user_id=USER)
    assert ORDER in text_of(pressed.message)


async def test_undeliverable_dm_fails_the_reminder_and_tells_the_user(running: Harness) -> None:
    fake = running.fake
    assert running.bot is not None
    store = running.bot.core.store
    fake.blocked_users.add(USER)
    await running.ask("remind", {"order": ORDER, "when": "1h"}, user_id=USER)
    await running.clock.advance(timedelta(hours=2))

    refused = await fake.wait_call("POST", r"/channels/\d+/messages")
    assert refused.path == f"/channels/{fake.dm_channel_of(USER)}/messages"
    await settle(lambda: _no_pending(store))
    # permanent: not retried
    await running.clock.advance(timedelta(hours=3))
    assert len(fake.find("POST", r"/channels/\d+/messages")) == 1

    call = await running.ask("reminders", user_id=USER)
    text = text_of(call.message)
    assert f"could not deliver a reminder about order {ORDER}" in text
    again = await running.ask("reminders", user_id=USER)
    assert "could not deliver" not in text_of(again.message)  # told once


async def _no_pending(store: object) -> bool:
    return not await store.list_pending("discord", str(USER))  # type: ignore[attr-defined]
