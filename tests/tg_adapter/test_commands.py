"""Every command through Telegram: real python-telegram-bot, real core, fake Bot API."""

from __future__ import annotations

from bot import i18n
from bot.commands.catalog import COMMANDS
from bot.i18n import _
from bot.storage.base import Kind
from tests.tg_adapter.conftest import GROUP, USER, Harness
from tests.tg_adapter.fake_bot_api import BOT_USERNAME

ORDER = "8123456789012345"


async def test_start_up_registers_the_command_menu_and_polls(tg: Harness) -> None:
    await tg.fake.wait_for(lambda: tg.fake.calls_of("getUpdates"))
    methods = [c.method for c in tg.fake.calls]
    assert methods[:1] == ["getMe"]
    assert {"setMyCommands", "deleteWebhook", "getUpdates"} <= set(methods)
    # everyone's menu leaves out the moderators' commands; group administrators get all
    members = [c for c in COMMANDS if not c.moderator]
    assert {c.name for c in COMMANDS} - {c.name for c in members} == {"settings", "stats"}
    assert tg.fake.commands == [{"command": c.name, "description": c.summary} for c in members]
    assert tg.fake.admin_commands_by_language[""] == [
        {"command": c.name, "description": c.summary} for c in COMMANDS
    ]
    # the menu once per language besides the default, each in that language
    assert set(tg.fake.commands_by_language) == {"", "es", "pt", "fr", "ru", "pl", "de"}
    assert set(tg.fake.admin_commands_by_language) == set(tg.fake.commands_by_language)
    for code in ("es", "pt", "fr", "ru", "pl", "de"):
        with i18n.using(code):
            everyone = [{"command": c.name, "description": _(c.summary)} for c in members]
            admins = [{"command": c.name, "description": _(c.summary)} for c in COMMANDS]
        assert tg.fake.commands_by_language[code] == everyone, code
        assert tg.fake.admin_commands_by_language[code] == admins, code
    assert tg.fake.commands_by_language["es"][0]["description"] == (
        "Qué significa el estado de un pedido y qué hacer"
    )
    assert tg.fake.commands_by_language["pl"][0]["command"] == "why"  # names stay
    assert tg.adapter is not None and tg.adapter.username == BOT_USERNAME


async def test_why_answers_with_an_html_card_and_buttons(tg: Harness) -> None:
    msg = await tg.ask("/why shipment cancelled")
    assert msg.parse_mode == "HTML"
    assert msg.raw.startswith("<b>Shipment cancelled")  # title in bold
    assert "\n<b>What to do</b>\n1. " in msg.raw  # a section heading, numbered steps
    assert "\n2. " in msg.raw
    labels = [b["text"] for b in msg.buttons]
    assert "I contacted the seller" in labels
    assert all(b["callback_data"].startswith("wb:") for b in msg.buttons)
    assert msg.params.get("link_preview_options") == {"is_disabled": True}
    request = tg.requests[-1]
    assert (request.command, request.args, request.is_private) == (
        "why",
        "shipment cancelled",
        True,
    )
    assert request.platform == "telegram" and request.user_id == str(USER)


async def test_language_code_reaches_the_core(tg: Harness) -> None:
    await tg.ask("/help", language_code="de")
    assert tg.requests[-1].language == "de"
    await tg.ask("/help", language_code=None)
    assert tg.requests[-1].language is None


async def test_remind_reminders_cancel(tg: Harness) -> None:
    msg = await tg.ask(f"/remind {ORDER} 3d check tracking")
    assert f"remind you about order {ORDER}" in msg.text and "check tracking" in msg.text
    pending = await tg.store.list_pending("telegram", str(USER))
    assert [(r.order_no, r.note, r.kind) for r in pending] == [
        (ORDER, "check tracking", Kind.REMIND)
    ]
    listing = await tg.ask("/reminders")
    assert f"{pending[0].id}: order {ORDER}" in listing.text
    cancelled = await tg.ask(f"/cancel {pending[0].id}")
    assert f"Reminder {pending[0].id} cancelled" in cancelled.text
    assert await tg.store.list_pending("telegram", str(USER)) == []
    empty = await tg.ask("/reminders")
    assert "no pending reminders" in empty.text


async def test_contacted_replied_protection(tg: Harness) -> None:
    msg = await tg.ask(f"/contacted {ORDER} 48h")
    assert "open a dispute" in msg.text
    kinds = [r.kind for r in await tg.store.list_pending("telegram", str(USER))]
    assert kinds == [Kind.NUDGE]
    msg = await tg.ask(f"/replied {ORDER}")
    assert f"won't nudge you about order {ORDER}" in msg.text
    msg = await tg.ask(f"/protection {ORDER} 20d")
    assert msg.text.strip()
    assert "protection" in msg.text.lower()
    kinds = [r.kind for r in await tg.store.list_pending("telegram", str(USER))]
    assert kinds and set(kinds) == {Kind.PROTECTION}


async def test_timezone(tg: Harness) -> None:
    msg = await tg.ask("/timezone Europe/Warsaw")
    assert "Time zone set to Europe/Warsaw" in msg.text
    assert (await tg.store.get_prefs("telegram", str(USER))).timezone == "Europe/Warsaw"
    msg = await tg.ask("/timezone")
    assert "Europe/Warsaw" in msg.text


async def test_forgetme_asks_then_confirm_deletes(tg: Harness) -> None:
    await tg.ask(f"/remind {ORDER} 3d")
    ask = await tg.ask("/forgetme")
    assert [b["text"] for b in ask.buttons] == ["Delete my data", "Keep it"]
    assert await tg.store.list_pending("telegram", str(USER))  # nothing deleted yet
    done = await tg.ask("/forgetme confirm")
    assert (tg.requests[-1].command, tg.requests[-1].args) == ("forgetme", "confirm")
    assert "everything I stored about you is deleted" in done.text
    assert await tg.store.list_pending("telegram", str(USER)) == []


async def test_help_and_start_with_a_deep_link_payload(tg: Harness) -> None:
    help_ = await tg.ask("/help")
    assert help_.text.startswith("whybot")
    assert "/remind <order> <when> [note]" in help_.text  # escaped in HTML, shown as typed
    start = await tg.ask("/start remind")  # from a t.me/<bot>?start=remind link
    assert (tg.requests[-1].command, tg.requests[-1].args) == ("start", "")
    assert start.text == help_.text


async def test_unknown_command_and_plain_text_in_private(tg: Harness) -> None:
    msg = await tg.ask("/frobnicate now")
    assert "I don't know /frobnicate" in msg.text
    msg = await tg.ask("shipment cancelled")  # no slash in a private chat: a /why question
    assert msg.text.startswith("Shipment cancelled")


async def test_commands_addressed_to_the_bot_in_a_group(tg: Harness) -> None:
    mark = tg.fake.mark()
    tg.fake.send_text("/why@OtherBot shipment cancelled", chat_id=GROUP)  # not for us
    tg.fake.send_text("/frobnicate", chat_id=GROUP)  # may be another bot's command
    uid = tg.fake.send_text(f"/WHY@{BOT_USERNAME} shipment cancelled", chat_id=GROUP)
    msg = await tg.fake.wait_message(GROUP, after=mark)
    assert msg.text.startswith("Shipment cancelled")
    assert (
        msg.params["reply_parameters"]["message_id"]
        == (tg.fake._served[uid]["message"]["message_id"])
    )
    await tg.fake.wait_handled(uid)
    assert tg.fake.sent_to(GROUP, after=mark) == [msg]
    assert [r.command for r in tg.requests] == ["why"]
    assert tg.requests[0].is_private is False and tg.requests[0].chat_id == str(GROUP)
