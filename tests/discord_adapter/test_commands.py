"""Every slash command end to end: what the user sees, and who sees it."""

from __future__ import annotations

import re

import discord
import pytest

from bot.adapters.discord import language_of
from bot.model import Reply, Request
from tests.discord_adapter.conftest import Harness, buttons_of, text_of
from tests.discord_adapter.fake_discord import Call

ORDER = "8123456789012345"
EPHEMERAL = 64


def visible(call: Call) -> str:
    assert call.json["type"] == 4, call.json  # CHANNEL_MESSAGE_WITH_SOURCE
    assert call.message["allowed_mentions"] == {"parse": []}
    return text_of(call.message)


async def test_why_in_a_server_is_short_and_more_shows_the_whole_card_ephemerally(
    running: Harness,
) -> None:
    call = await running.ask("why", {"question": "shipment cancelled"})
    assert call.flags & EPHEMERAL == 0
    assert call.query.get("with_response") in ("1", "true")
    (embed,) = call.message["embeds"]
    assert embed["title"] and embed["description"]
    assert "fields" not in embed or not embed["fields"]  # title and summary only
    buttons = buttons_of(call.message)
    assert buttons and all(b["custom_id"].startswith("wb:") for b in buttons)
    assert buttons[0]["label"] == "More"
    assert {"I contacted the seller"} <= {b["label"] for b in buttons}

    more = await running.press(buttons[0]["custom_id"], guild=True)
    assert more.flags & EPHEMERAL
    (full,) = more.message["embeds"]
    fields = {f["name"]: f["value"] for f in full["fields"]}
    steps = fields["What to do"]
    assert steps.startswith("1. ") and "\n2. " in steps
    assert full["footer"]["text"].startswith("Source:")


async def test_why_in_a_dm_is_the_whole_card(running: Harness) -> None:
    call = await running.ask("why", {"question": "shipment cancelled"}, guild=False)
    (embed,) = call.message["embeds"]
    assert "What to do" in {f["name"] for f in embed["fields"]}
    assert "More" not in {b["label"] for b in buttons_of(call.message)}


async def test_generic_question_asks_which_status_with_rows_of_buttons(running: Harness) -> None:
    call = await running.ask("why", {"question": "why was my order cancelled"})
    rows = call.message["components"]
    buttons = buttons_of(call.message)
    assert 3 <= len(buttons) <= 8
    assert len(rows) == -(-len(buttons) // 5)
    assert all(1 <= len(r["components"]) <= 5 for r in rows)
    assert all(len(b["label"]) <= 80 for b in buttons)
    assert "Which status" in visible(call)


async def test_off_topic_why_is_one_line_without_buttons(running: Harness) -> None:
    call = await running.ask("why", {"question": "zzqx"})
    assert not call.message.get("components")
    assert "I explain AliExpress order statuses" in visible(call)


async def test_why_with_no_question_explains_how_to_ask(running: Harness) -> None:
    call = await running.ask("why")
    assert "Paste the status" in visible(call)
    assert buttons_of(call.message)
    assert call.flags & EPHEMERAL == 0


@pytest.mark.parametrize("name", ["help", "start"])
async def test_help_and_start_are_public(running: Harness, name: str) -> None:
    call = await running.ask(name)
    text = visible(call)
    assert call.flags & EPHEMERAL == 0
    assert "/remind <order> <when> [note]" in text


async def test_remind_then_list_then_cancel_answer_ephemerally(running: Harness) -> None:
    call = await running.ask("remind", {"order": ORDER, "when": "3d", "note": "check tracking"})
    text = visible(call)
    assert call.flags & EPHEMERAL
    assert f"remind you about order {ORDER}" in text and "check tracking" in text
    match = re.search(r"Reminder (\d+)\.", text)
    assert match, text
    reminder_id = match.group(1)

    listed = await running.ask("reminders")
    assert listed.flags & EPHEMERAL
    assert f"{reminder_id}: order {ORDER}, reminder (check tracking)" in visible(listed)

    cancelled = await running.ask("cancel", {"id": reminder_id})
    assert cancelled.flags & EPHEMERAL
    assert f"Reminder {reminder_id} cancelled." in visible(cancelled)
    empty = await running.ask("reminders")
    assert "no pending reminders" in visible(empty)


async def test_a_30_digit_order_number_fits(running: Harness) -> None:
    order = "1" * 30
    call = await running.ask("remind", {"order": order, "when": "2h"})
    assert f"about order {order}" in visible(call)


async def test_bad_input_gets_a_one_line_ephemeral_error(running: Harness) -> None:
    call = await running.ask("remind", {"order": "12ab", "when": "3d"})
    assert call.flags & EPHEMERAL
    text = visible(call)
    assert "is not an AliExpress order number" in text and "\n" not in text


async def test_contacted_and_replied(running: Harness) -> None:
    call = await running.ask("contacted", {"order": ORDER, "window": "48h"})
    assert call.flags & EPHEMERAL
    assert ORDER in visible(call)
    listed = visible(await running.ask("reminders"))
    assert "seller nudge" in listed

    replied = await running.ask("replied", {"order": ORDER})
    assert replied.flags & EPHEMERAL
    assert ORDER in visible(replied)
    assert "no pending reminders" in visible(await running.ask("reminders"))


async def test_protection(running: Harness) -> None:
    call = await running.ask("protection", {"order": ORDER, "ends": "20d"})
    assert call.flags & EPHEMERAL
    assert ORDER in visible(call)
    assert "protection" in visible(await running.ask("reminders"))


async def test_timezone_set_and_shown(running: Harness) -> None:
    call = await running.ask("timezone", {"zone": "Europe/Warsaw"})
    assert call.flags & EPHEMERAL
    assert "Time zone set to Europe/Warsaw" in visible(call)
    shown = await running.ask("timezone")
    assert "Your time zone is Europe/Warsaw" in visible(shown)


async def test_forgetme_asks_with_buttons_and_deletes_on_press(running: Harness) -> None:
    await running.ask("remind", {"order": ORDER, "when": "3d"})
    call = await running.ask("forgetme")
    assert call.flags & EPHEMERAL
    labels = {b["label"]: b["custom_id"] for b in buttons_of(call.message)}
    assert set(labels) == {"Delete my data", "Keep it"}
    done = await running.press(labels["Delete my data"], guild=True)
    assert done.flags & EPHEMERAL
    assert "everything I stored about you is deleted" in visible(done)
    assert "no pending reminders" in visible(await running.ask("reminders"))


async def test_in_a_dm_personal_replies_are_plain_messages(running: Harness) -> None:
    call = await running.ask("reminders", guild=False)
    assert call.flags & EPHEMERAL == 0  # nobody else can see a DM anyway
    assert "no pending reminders" in visible(call)


async def test_request_carries_options_args_language_and_context(
    running: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the adapter hands the core (recorded on the way to the real core)."""
    assert running.bot is not None
    core = running.bot.core
    seen: list[Request] = []
    handle = core.handle

    async def recording(request: Request) -> Reply:
        seen.append(request)
        return await handle(request)

    monkeypatch.setattr(core, "handle", recording)
    await running.ask(
        "remind", {"order": ORDER, "when": "3d", "note": "check it"}, locale="pt-BR", user_id=4242
    )
    await running.ask("why", {"question": "seller cancelled"}, locale="de", guild=False)
    remind, why = seen
    assert remind.command == "remind" and remind.platform == "discord"
    assert remind.options == {"order": ORDER, "when": "3d", "note": "check it"}
    assert remind.args == f"{ORDER} 3d check it"
    assert remind.language == "pt"
    assert remind.user_id == "4242" and not remind.is_private
    assert why.language == "de" and why.is_private
    assert why.chat_id == why.user.dm_chat_id


@pytest.mark.parametrize(
    ("locale", "language"),
    [
        ("de", "de"),
        ("pt-BR", "pt"),
        ("en-US", "en"),
        ("es-419", "es"),
        ("zh-CN", "zh"),
    ],
)
def test_language_from_locale(locale: str, language: str) -> None:
    assert language_of(discord.Locale(locale)) == language
    assert language_of(locale) == language
