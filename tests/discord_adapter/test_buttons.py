"""Buttons are served from their custom id alone: no view in memory, even after a restart."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.discord import EXPIRED_TEXT
from tests.discord_adapter.conftest import Harness, buttons_of, text_of

EPHEMERAL = 64
ORDER = "8123456789012345"


async def test_card_button_shows_that_card_publicly(running: Harness) -> None:
    call = await running.ask("why", {"question": "why was my order cancelled"})
    target = buttons_of(call.message)[0]
    assert target["custom_id"].startswith("wb:card:")
    card_id = target["custom_id"].split(":")[2]
    assert running.bot is not None
    pressed = await running.press(target["custom_id"], guild=True)
    assert pressed.json["type"] == 4
    assert pressed.flags & EPHEMERAL == 0
    assert pressed.message["embeds"][0]["title"] == running.bot.core.matcher.cards[card_id].title


async def test_personal_button_answers_ephemerally(running: Harness) -> None:
    call = await running.ask("why", {"question": "shipment cancelled"})
    contacted = next(b for b in buttons_of(call.message) if b["label"] == "I contacted the seller")
    pressed = await running.press(contacted["custom_id"], guild=True, locale="fr")
    assert pressed.flags & EPHEMERAL
    assert "/contacted" in text_of(pressed.message)
    assert pressed.message["allowed_mentions"] == {"parse": []}


async def test_unknown_buttons_have_expired(running: Harness) -> None:
    for custom_id in ("something-else", "wb:no_such_action:1", "wb:card:bad id!"):
        pressed = await running.press(custom_id, guild=True)
        assert pressed.json["type"] == 4
        assert pressed.flags & EPHEMERAL
        assert pressed.message["content"] == EXPIRED_TEXT


async def test_buttons_work_after_a_restart(harness: Harness) -> None:
    await harness.start()
    why = await harness.ask("why", {"question": "shipment cancelled"})
    old_card_button = next(
        b["custom_id"] for b in buttons_of(why.message) if b["custom_id"].startswith("wb:card:")
    )
    await harness.ask("remind", {"order": ORDER, "when": "1h"}, guild=False)
    await harness.clock.advance(timedelta(hours=2))
    dm = await harness.fake.wait_call("POST", r"/channels/\d+/messages")
    snooze = next(
        b["custom_id"] for b in buttons_of(dm.json) if b["custom_id"].startswith("wb:snooze:")
    )

    await harness.restart()  # a new client and a new WhyBot on the same SQLite file

    pressed = await harness.press(snooze, guild=False)
    assert "Snoozed" in text_of(pressed.message)
    card = await harness.press(old_card_button, guild=True)
    assert card.message["embeds"][0]["title"]
    listed = await harness.ask("reminders", guild=False)
    assert f"order {ORDER}" in text_of(listed.message)


async def test_sent_buttons_are_not_kept_in_memory(running: Harness) -> None:
    """Presses are served by custom id, so discord.py's view store must stay empty
    (a stored view per message would grow without bound over weeks of reminders)."""
    await running.ask("why", {"question": "zzqx"})
    await running.ask("forgetme", guild=False)
    await running.ask("remind", {"order": ORDER, "when": "1h"})
    await running.clock.advance(timedelta(hours=2))
    dm = await running.fake.wait_call("POST", r"/channels/\d+/messages")
    assert buttons_of(dm.json)
    assert running.adapter is not None and running.adapter.client is not None
    views = running.adapter.client._connection._view_store  # discord.py internals, read only
    assert not views._views and not views._synced_message_views
