"""Discord in the user's language: localized menus synced once, replies and buttons by
the interaction's locale, a Polish question answered in Polish, /language kept."""

from __future__ import annotations

from bot import i18n
from bot.commands.catalog import BY_NAME, COMMANDS
from bot.i18n import _
from tests.discord_adapter.conftest import Harness, buttons_of, settle, text_of

MENU = {"es-ES": "es", "pt-BR": "pt", "fr": "fr", "ru": "ru", "pl": "pl", "de": "de"}


async def test_commands_are_registered_with_localizations(running: Harness) -> None:
    synced = await settle(lambda: running.fake.commands)
    by_name = {c["name"]: c for c in synced}
    assert set(by_name) == {c.name for c in COMMANDS}
    for spec in COMMANDS:
        sent = by_name[spec.name]
        assert not sent.get("name_localizations"), spec.name  # names stay as in help texts
        for locale, lang in MENU.items():
            with i18n.using(lang):
                assert sent["description_localizations"][locale] == _(spec.summary), locale
        for option, sent_option in zip(spec.options, sent.get("options", []), strict=True):
            assert sent_option["name"] == option.name
            for locale, lang in MENU.items():
                with i18n.using(lang):
                    assert sent_option["name_localizations"][locale] == option.shown_name
                    assert sent_option["description_localizations"][locale] == _(option.description)
    remind = {o["name"]: o for o in by_name["remind"]["options"]}
    assert remind["order"]["name_localizations"]["pl"] == "zamówienie"
    assert remind["when"]["name_localizations"]["de"] == "wann"
    assert by_name["why"]["description_localizations"]["ru"] == (
        "Что значит статус заказа и что делать"
    )
    assert "language" in by_name and BY_NAME["language"].options[0].name == "language"


async def test_a_spanish_user_gets_spanish_replies_and_buttons(running: Harness) -> None:
    call = await running.ask("forgetme", guild=False, locale="es-ES")
    assert "¿Borro todo lo que guardo sobre ti" in text_of(call.message)
    assert [b["label"] for b in buttons_of(call.message)] == ["Borrar mis datos", "Conservarlos"]
    expired = await running.press("wb:card", locale="es-ES")
    assert text_of(expired.message) == "Este botón ya caducó."
    stale = await running.press("not-ours", locale="es-419")
    assert text_of(stale.message) == (
        "Este botón ya caducó. Vuelve a usar el comando para tener botones nuevos."
    )


async def test_a_polish_question_from_an_english_user_gets_a_polish_card(
    running: Harness,
) -> None:
    call = await running.ask(
        "why", {"question": "moje zamówienie anulowane przez sprzedawcę"}, locale="en-US"
    )
    (embed,) = call.message["embeds"]
    assert running.bot is not None
    card = running.bot.core.matcher.cards["seller-cancelled"]
    assert embed["title"] == card.text("pl").title
    assert buttons_of(call.message)[0]["label"] == "Więcej"


async def test_language_choice_survives_a_restart_and_forgetme_clears_it(
    running: Harness,
) -> None:
    set_de = await running.ask("language", {"language": "de"}, guild=False, locale="fr")
    assert text_of(set_de.message) == "Okay: Ich antworte dir jetzt auf Deutsch."
    await running.restart()
    shown = await running.ask("language", guild=False, locale="fr")
    assert "Ich antworte dir auf Deutsch (deine Wahl)." in text_of(shown.message)
    ask = await running.ask("forgetme", guild=False, locale="fr")
    delete = buttons_of(ask.message)[0]
    assert delete["label"] == "Meine Daten löschen"
    gone = await running.press(delete["custom_id"], locale="fr")
    assert text_of(gone.message) == (
        "Erledigt: Alles, was ich über dich gespeichert hatte, ist gelöscht."
    )
    back = await running.ask("language", guild=False, locale="fr")
    assert "Je vous réponds en Français (selon votre appli ou votre question)." in text_of(
        back.message
    )
