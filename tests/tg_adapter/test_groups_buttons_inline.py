"""Groups (personal answers go to the private chat), buttons and inline mode."""

from __future__ import annotations

from bot import actions
from bot.model import Action
from tests.tg_adapter.conftest import GROUP, OTHER, USER, Harness
from tests.tg_adapter.fake_bot_api import BOT_USERNAME

ORDER = "8123456789012345"


async def test_personal_command_in_a_group_is_answered_in_private(tg: Harness) -> None:
    tg.fake.started_users.add(USER)  # the user has a private chat with the bot
    mark = tg.fake.mark()
    tg.fake.send_text(f"/remind@{BOT_USERNAME} {ORDER} 3d check tracking", chat_id=GROUP)
    private = await tg.fake.wait_message(USER, after=mark)
    assert f"remind you about order {ORDER}" in private.text
    note = await tg.fake.wait_message(GROUP, after=mark)
    assert "answered you in our private chat" in note.text
    assert ORDER not in note.text  # nothing personal in the group
    assert note.buttons == [
        {"text": "Open the private chat", "url": f"https://t.me/{BOT_USERNAME}"}
    ]
    assert tg.requests[-1].is_private is False
    assert len(await tg.store.list_pending("telegram", str(USER))) == 1
    # and /reminders from the group lists them privately too
    mark = tg.fake.mark()
    tg.fake.send_text("/reminders", chat_id=GROUP)
    listing = await tg.fake.wait_message(USER, after=mark)
    assert f"order {ORDER}" in listing.text
    await tg.fake.wait_message(GROUP, after=mark, contains="private chat")


async def test_user_who_never_started_the_bot_gets_a_deep_link(tg: Harness) -> None:
    mark = tg.fake.mark()
    tg.fake.send_text(f"/remind {ORDER} 3d", user_id=OTHER, chat_id=GROUP)
    note = await tg.fake.wait_message(GROUP, after=mark)
    link = f"https://t.me/{BOT_USERNAME}?start=remind"
    assert note.buttons == [{"text": "Open a private chat", "url": link}]
    assert "can't message you privately" in note.text and "/remind" in note.text
    assert f'href="{link}"' in note.raw
    assert tg.fake.sent_to(OTHER) == []
    # the personal command was not acted on while its answer could not reach the user
    assert await tg.store.list_pending("telegram", str(OTHER)) == []
    # following the link: /start with the payload in private answers /start normally
    start = await tg.ask("/start remind", user_id=OTHER)
    assert start.text.startswith("whybot")
    mark = tg.fake.mark()
    tg.fake.send_text(f"/remind {ORDER} 3d", user_id=OTHER, chat_id=GROUP)
    await tg.fake.wait_message(OTHER, after=mark, contains=f"order {ORDER}")
    assert len(await tg.store.list_pending("telegram", str(OTHER))) == 1


async def test_blocked_after_the_check_falls_back_to_the_deep_link(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    # the private chat accepts the typing check but refuses the message itself
    tg.fake.fail_method("sendMessage", 403, description="Forbidden: bot was blocked by the user")
    mark = tg.fake.mark()
    tg.fake.send_text("/reminders", chat_id=GROUP)
    note = await tg.fake.wait_message(GROUP, after=mark)
    assert note.buttons[0]["url"] == f"https://t.me/{BOT_USERNAME}?start=reminders"


async def test_why_help_start_are_answered_in_the_group(tg: Harness) -> None:
    for text, starts in (
        ("/why shipment cancelled", "Shipment cancelled"),
        ("/help", "whybot"),
        (f"/start@{BOT_USERNAME}", "whybot"),
    ):
        mark = tg.fake.mark()
        tg.fake.send_text(text, user_id=OTHER, chat_id=GROUP)  # OTHER never started the bot
        msg = await tg.fake.wait_message(GROUP, after=mark)
        assert msg.text.startswith(starts)
    assert tg.fake.sent_to(OTHER) == []


async def test_button_press_runs_the_action(tg: Harness) -> None:
    card = await tg.ask("/why shipment cancelled")
    button = next(b for b in card.buttons if b["text"] == "See: open dispute")
    assert actions.decode(button["callback_data"]) == Action("card", ("open-dispute",))
    answers = len(tg.fake.callback_answers)
    reply = await tg.press(card, "See: open dispute")
    assert "dispute" in reply.text.lower().split("\n")[0]
    await tg.fake.wait_for(lambda: len(tg.fake.callback_answers) > answers)
    answer = tg.fake.callback_answers[-1]
    assert not answer.get("text")  # a plain answer just stops the spinner
    request = tg.requests[-1]
    assert request.action == Action("card", ("open-dispute",)) and request.command == ""


async def test_buttons_survive_a_restart(tg: Harness) -> None:
    ask = await tg.ask("/forgetme")
    await tg.ask(f"/remind {ORDER} 3d")
    await tg.restart()
    done = await tg.press(ask, "Delete my data")
    assert "everything I stored about you is deleted" in done.text
    assert await tg.store.list_pending("telegram", str(USER)) == []


async def test_unknown_button_data_says_expired(tg: Harness) -> None:
    card = await tg.ask("/help")
    before = tg.fake.mark()
    for data in ("wb:nosuchaction:1", "something else entirely"):
        answers = len(tg.fake.callback_answers)
        tg.fake.press(card, data=data)
        await tg.fake.wait_for(lambda n=answers: len(tg.fake.callback_answers) > n)
        assert tg.fake.callback_answers[-1]["text"] == "This button has expired"
    assert tg.fake.messages[before:] == []


async def test_personal_button_in_a_group_answers_in_private(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    mark = tg.fake.mark()
    tg.fake.send_text("/why shipment cancelled", chat_id=GROUP)
    card = await tg.fake.wait_message(GROUP, after=mark)
    mark = tg.fake.mark()
    tg.fake.press(card, label="I contacted the seller")
    private = await tg.fake.wait_message(USER, after=mark)
    assert "/contacted" in private.text
    # The group is told by a toast on the button, not by another message.
    toast = await tg.fake.wait_for(
        lambda: next((a for a in tg.fake.callback_answers if a.get("text")), None)
    )
    assert toast["text"] == "Sent to our private chat"
    assert tg.fake.sent_to(GROUP, after=mark) == []


async def test_group_answer_is_short_and_more_sends_the_whole_card_privately(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    mark = tg.fake.mark()
    tg.fake.send_text("/why shipment cancelled", chat_id=GROUP)
    card = await tg.fake.wait_message(GROUP, after=mark)
    assert len(card.text.splitlines()) <= 3 and "What to do" not in card.text
    mark = tg.fake.mark()
    tg.fake.press(card, label="More")
    private = await tg.fake.wait_message(USER, after=mark)
    assert "What to do" in private.text and "Shipment cancelled" in private.text


async def test_inline_query_offers_cards(tg: Harness) -> None:
    tg.fake.inline_query("shipment cancelled")
    answer = await tg.fake.wait_for(lambda: tg.fake.inline_answers and tg.fake.inline_answers[-1])
    results = answer["results"]
    assert results and results[0]["type"] == "article"
    assert results[0]["title"].startswith("Shipment cancelled")
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["message_text"].startswith("<b>")
    assert results[0]["_plain"].startswith("Shipment cancelled")  # the fake parsed the HTML
    assert results[0]["reply_markup"]["inline_keyboard"]
    tg.fake.inline_query("")
    answer = await tg.fake.wait_for(
        lambda: len(tg.fake.inline_answers) == 2 and tg.fake.inline_answers[-1]
    )
    assert len(answer["results"]) == len(tg.bot.core.matcher.cards)  # type: ignore[union-attr]


async def test_button_on_an_inline_message_answers_in_private(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    mark = tg.fake.mark()
    tg.fake.press_inline("AAAinline1", actions.encode(Action("card", ("open-dispute",))))
    msg = await tg.fake.wait_message(USER, after=mark)
    assert "dispute" in msg.text.lower()
    # someone who never started the bot gets the start link in the callback answer
    tg.fake.press_inline("AAAinline1", actions.encode(Action("contacted_help")), user_id=OTHER)
    answer = await tg.fake.wait_for(lambda: [a for a in tg.fake.callback_answers if a.get("url")])
    assert answer[0]["url"] == f"https://t.me/{BOT_USERNAME}?start=contacted_help"
