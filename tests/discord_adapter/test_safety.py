"""Nothing pings, user text is escaped, failures reach the user and the log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.adapters.discord import FAILURE_TEXT, UNKNOWN_COMMAND_TEXT, escape
from tests.discord_adapter.conftest import Harness, buttons_of, text_of
from tests.discord_adapter.fake_discord import APP_ID, button, slash

ORDER = "8123456789012345"
HOSTILE = "@everyone <@123> **x** @here <@&987654321987654321>"
EPHEMERAL = 64


def assert_inert(text: str) -> None:
    assert "@everyone" not in text and "@here" not in text
    assert "<@123>" not in text and "<@&987654321987654321>" not in text
    assert "**x**" not in text
    assert "@\u200beveryone" in text and "\\*\\*x\\*\\*" in text


def test_escape_defuses_mentions_and_markdown() -> None:
    assert_inert(escape(HOSTILE))
    assert escape("https://example.com/a_b_c") == "https://example.com/a_b_c"


async def test_hostile_note_is_escaped_in_the_reply_and_the_dm(running: Harness) -> None:
    fake = running.fake
    call = await running.ask("remind", {"order": ORDER, "when": "1h", "note": HOSTILE})
    assert call.message["allowed_mentions"] == {"parse": []}
    assert_inert(text_of(call.message))

    await running.clock.advance(timedelta(hours=2))
    dm = await fake.wait_call("POST", r"/channels/\d+/messages")
    assert dm.json["allowed_mentions"] == {"parse": []}
    assert_inert(text_of(dm.json))


async def test_every_message_sent_disallows_mentions(running: Harness) -> None:
    await running.ask("why", {"question": "shipment cancelled"})
    await running.ask("help", guild=False)
    await running.press("wb:contacted_help", guild=True)
    await running.ask("remind", {"order": ORDER, "when": "1h"})
    await running.clock.advance(timedelta(hours=2))
    await running.fake.wait_call("POST", r"/channels/\d+/messages")
    sends = [
        c
        for c in running.fake.calls
        if c.method in ("POST", "PATCH")
        and (
            (c.path.endswith("/callback") and c.json["type"] == 4)
            or "/messages" in c.path
            or c.path.startswith("/webhooks/")
        )
    ]
    assert len(sends) >= 5
    assert all(c.message["allowed_mentions"] == {"parse": []} for c in sends)


async def test_error_in_a_command_tells_the_user_and_logs_the_traceback(
    running: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    payload = slash("why", {"question": "shipment cancelled"})
    pattern = rf"/interactions/{payload['id']}/[^/]+/callback"
    fake.fail("POST", pattern, 400, {"message": "Invalid Form Body", "code": 50035})
    with caplog.at_level(logging.ERROR, logger="bot.adapters.discord"):
        await fake.dispatch("INTERACTION_CREATE", payload)
        told = await fake.wait_call("POST", pattern, count=2)
    assert told.json["type"] == 4
    assert told.flags & EPHEMERAL
    assert told.message["content"] == FAILURE_TEXT
    (record,) = [r for r in caplog.records if r.name == "bot.adapters.discord"]
    assert "/why failed" in record.getMessage()
    assert record.exc_info is not None
    assert "Invalid Form Body" in caplog.text and "Traceback" in caplog.text


async def test_error_in_a_button_tells_the_user_and_logs_the_traceback(
    running: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    fake = running.fake
    payload = button("wb:contacted_help", guild=True)
    pattern = rf"/interactions/{payload['id']}/[^/]+/callback"
    fake.fail("POST", pattern, 400, {"message": "Invalid Form Body", "code": 50035})
    with caplog.at_level(logging.ERROR, logger="bot.adapters.discord"):
        await fake.dispatch("INTERACTION_CREATE", payload)
        told = await fake.wait_call("POST", pattern, count=2)
    assert told.message["content"] == FAILURE_TEXT and told.flags & EPHEMERAL
    assert any(r.exc_info for r in caplog.records if r.name == "bot.adapters.discord")
    assert "Invalid Form Body" in caplog.text


async def test_slow_answers_are_deferred_then_followed_up(running: Harness) -> None:
    assert running.adapter is not None
    running.adapter.defer_after = 0.0  # treat every answer as slow
    payload = slash("reminders")
    await running.fake.dispatch("INTERACTION_CREATE", payload)
    deferred = await running.fake.callback_for(int(payload["id"]))
    assert deferred.json["type"] == 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
    assert deferred.flags & EPHEMERAL
    followup = await running.fake.wait_call("POST", rf"/webhooks/{APP_ID}/{payload['token']}")
    assert "no pending reminders" in text_of(followup.json)
    assert followup.json["allowed_mentions"] == {"parse": []}
    assert not buttons_of(followup.json)


async def test_a_command_discord_knows_but_we_do_not_is_answered(running: Harness) -> None:
    call = await running.ask("retired")
    assert call.flags & EPHEMERAL
    assert call.message["content"] == UNKNOWN_COMMAND_TEXT
