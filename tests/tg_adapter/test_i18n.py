"""Telegram in the user's language: replies, buttons, the adapter's own notes and
callback toasts follow language_code, a /language choice, or the question."""

from __future__ import annotations

from tests.tg_adapter.conftest import GROUP, USER, Harness

ORDER = "8123456789012345"


async def test_a_spanish_user_gets_spanish_replies_and_buttons(tg: Harness) -> None:
    ask = await tg.ask("/forgetme", language_code="es")
    assert ask.text.startswith("¿Borro todo lo que guardo sobre ti")
    assert [b["text"] for b in ask.buttons] == ["Borrar mis datos", "Conservarlos"]
    help_ = await tg.ask("/help", language_code="es")
    assert "Comandos" in help_.text and "/remind <pedido> <cuándo> [nota]" in help_.text
    # a personal command in a group: the note there is in Spanish too
    tg.fake.started_users.add(USER)
    note = await tg.ask("/reminders", chat_id=GROUP, language_code="es", expect_chat=GROUP)
    assert note.text == "Ann, te respondí por privado."
    assert note.buttons[0]["text"] == "Abrir el chat privado"


async def test_a_polish_question_from_an_english_user_gets_a_polish_card(tg: Harness) -> None:
    card = await tg.ask("/why moje zamówienie anulowane przez sprzedawcę", language_code="en")
    assert card.raw.startswith("<b>Anulowane przez sprzedawcę")
    assert "Co to znaczy" in card.text and "Źródło:" in card.text
    assert "Zobacz: Anulowane automatycznie" in [b["text"] for b in card.buttons]


async def test_language_de_switches_survives_a_restart_and_forgetme_clears(
    tg: Harness,
) -> None:
    done = await tg.ask("/language de", language_code="es")
    assert done.text == "Okay: Ich antworte dir jetzt auf Deutsch."
    await tg.restart()
    card = await tg.ask("/why pedido cancelado por el vendedor", language_code="es")
    assert card.text.startswith("Vom Verkäufer storniert")  # the choice beats the question
    ask = await tg.ask("/forgetme", language_code="es")
    assert [b["text"] for b in ask.buttons] == ["Meine Daten löschen", "Behalten"]
    gone = await tg.press(ask, "Meine Daten löschen")
    assert gone.text == "Erledigt: Alles, was ich über dich gespeichert hatte, ist gelöscht."
    after = await tg.ask("/language", language_code="es")
    assert after.text.startswith("Te respondo en Español (según tu app o tu pregunta).")


async def test_a_stale_button_is_answered_in_the_users_language(tg: Harness) -> None:
    await tg.ask("/language ru")
    ask = await tg.ask("/forgetme")
    answers = len(tg.fake.callback_answers)
    tg.fake.press(ask, data="wb:nonsense")
    await tg.fake.wait_for(lambda: len(tg.fake.callback_answers) > answers)
    assert tg.fake.callback_answers[-1]["text"] == "Эта кнопка устарела"
