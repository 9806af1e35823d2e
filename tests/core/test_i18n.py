"""Replies in the asker's language: the resolution order, the detector, /language, the
catalogs' completeness check, and every interface string rendered in every language."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from bot import i18n
from bot.adapters.console import render_text
from bot.adapters.discord import render as discord_render
from bot.adapters.telegram import render_html
from bot.app import WhyBot
from bot.i18n import _
from bot.i18n_check import check, placeholders
from bot.model import Action, Reply, ReplyKind, Section
from bot.storage.base import Kind
from knowledge import LANGUAGES
from knowledge.detect import detect_language
from tests.core.conftest import PLATFORM, Harness, make_settings
from tests.tg_adapter.fake_bot_api import parse_telegram_html

ORDER = "8123456789012345"
TEMPLATE = i18n.LOCALE_DIR / "whybot.pot"


# -- which language -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("pt-br", "pt"),
        ("pt-BR", "pt"),
        ("pt", "pt"),
        ("pt_BR", "pt"),
        ("es-419", "es"),
        ("es-ES", "es"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("de", "de"),
        ("uk", None),
        ("zh-TW", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_locales_map_to_whybot_languages(code: str | None, lang: str | None) -> None:
    assert i18n.from_locale(code) == lang


def test_resolution_order_choice_question_platform_english() -> None:
    polish = "dlaczego moje zamówienie zostało anulowane przez sprzedawcę"
    assert i18n.resolve("de", polish, "es-ES") == "de"  # the user's choice first
    assert i18n.resolve("", polish, "es-ES") == "pl"  # then a clear question
    assert i18n.resolve("", "ok", "es-ES") == "es"  # unclear question: the platform
    assert i18n.resolve("", None, "uk") == "en"  # unknown locale: English
    assert i18n.resolve("", None, None) == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("why was my order cancelled by the seller", "en"),
        ("pedido cancelado por el vendedor", "es"),
        ("por que meu pedido foi cancelado", "pt"),
        ("pourquoi ma commande a été annulée", "fr"),
        ("почему отменили заказ", "ru"),
        ("dlaczego moje zamówienie zostało anulowane", "pl"),
        ("warum wurde meine Bestellung storniert", "de"),
        ("Bestellung vom Verkäufer storniert", "de"),
    ],
)
def test_detector_reads_clear_questions(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "ok", "8123456789012345", "???", "pedido cancelado"])
def test_detector_says_none_when_unclear(text: str) -> None:
    # "pedido cancelado" is Spanish and Portuguese alike
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("de", "de"),
        ("Deutsch", "de"),
        ("pt-br", "pt"),
        ("português", "pt"),
        ("PORTUGUES", "pt"),
        ("русский", "ru"),
        ("polski", "pl"),
        ("español", "es"),
        ("fr", "fr"),
        ("english", "en"),
        ("auto", ""),
        ("klingon", None),
        ("xx-YY", None),
    ],
)
def test_language_names_and_codes(text: str, lang: str | None) -> None:
    assert i18n.parse_choice(text) == lang


# -- through the core -----------------------------------------------------------------------


async def test_spanish_platform_language_gets_spanish_replies_and_buttons(
    harness: Harness,
) -> None:
    reply = await harness.ask("/forgetme", language="es-ES")
    assert reply.text.startswith("¿Borro todo lo que guardo sobre ti")
    assert [a.label for a in reply.actions] == ["Borrar mis datos", "Conservarlos"]
    assert reply.footer == "O envía /forgetme confirm"
    bad = await harness.ask("/cancel xyz", language="es-ES")
    assert bad.kind is ReplyKind.ERROR
    assert bad.text == "'xyz' no es un número de recordatorio. Mira los tuyos en /reminders."
    help_ = await harness.ask("/help", language="es")
    assert help_.sections[0].heading == "Comandos"
    assert (
        "/remind <pedido> <cuándo> [nota]: Recuérdame algo de un pedido" in help_.sections[0].items
    )
    # an English platform stays English
    assert (await harness.ask("/forgetme", language="en-US")).actions[0].label == "Delete my data"


async def test_polish_question_from_an_english_user_gets_a_polish_card(harness: Harness) -> None:
    reply = await harness.ask("/why moje zamówienie anulowane przez sprzedawcę", language="en")
    assert reply.kind is ReplyKind.CARD
    card = harness.bot.core.matcher.cards["seller-cancelled"]
    assert reply.title == card.text("pl").title
    assert [s.heading for s in reply.sections][:3] == [
        "Co to znaczy",
        "Dlaczego tak się dzieje",
        "Co zrobić",
    ]
    assert reply.sections[2].items == card.text("pl").steps
    assert reply.footer.startswith("Źródło: ")


async def test_language_command_switches_everything_survives_restart_and_forgetme_clears(
    harness: Harness, db_path: Path
) -> None:
    shown = await harness.ask("/language", language="es")
    assert shown.text == "Te respondo en Español (según tu app o tu pregunta)."
    assert "de (Deutsch)" in shown.sections[0].text and "ru (Русский)" in shown.sections[0].text
    switched = await harness.ask("/language deutsch", language="es")
    assert switched.text == "Okay: Ich antworte dir jetzt auf Deutsch."
    # a Spanish platform, an English question: the choice wins everywhere
    card = await harness.ask("/why shipment cancelled", language="es")
    assert card.title == harness.bot.core.matcher.cards["shipment-cancelled"].text("de").title
    assert (await harness.ask("/forgetme", language="es")).actions[0].label == "Meine Daten löschen"
    await harness.bot.stop()

    harness.bot = WhyBot(make_settings(db_path), clock=harness.clock)  # the fixture stops it
    harness.bot.add_adapter(harness.adapter)
    await harness.bot.start()
    after = await harness.ask("/language", language="es")
    assert after.text == "Ich antworte dir auf Deutsch (deine Wahl)."
    done = await harness.ask("/forgetme confirm", language="es")
    assert done.text == "Erledigt: Alles, was ich über dich gespeichert hatte, ist gelöscht."
    cleared = await harness.ask("/language", language="es")
    assert cleared.text == "Te respondo en Español (según tu app o tu pregunta)."


async def test_language_auto_and_bad_input(harness: Harness) -> None:
    await harness.ask("/language pl", language="fr")
    bad = await harness.ask("/language klingon", language="fr")
    assert bad.kind is ReplyKind.ERROR and "\n" not in bad.text
    assert bad.text == "Nie znam języka „klingon”. Spróbuj: en, es, pt, fr, ru, pl, de, auto."
    prefs = await harness.bot.store.get_prefs(PLATFORM, "u1")
    assert prefs.language == "pl"  # bad input changed nothing
    auto = await harness.ask("/language auto", language="fr")
    assert auto.text == (
        "D'accord\u00a0: je répondrai dans la langue de votre appli ou de votre question."
    )
    assert (await harness.bot.store.get_prefs(PLATFORM, "u1")).language == ""


async def test_reminders_speak_the_language_they_were_set_in_unless_the_owner_chose(
    harness: Harness,
) -> None:
    set_in_russian = await harness.ask(f"/remind {ORDER} 1h позвонить", language="ru")
    assert set_in_russian.text.startswith("Хорошо, напомню о заказе")
    await harness.advance(hours=1, minutes=1)
    ((_user, reply),) = harness.adapter.sent
    assert reply.kind is ReplyKind.REMINDER
    assert reply.title == "Напоминание о заказе"
    assert [a.label for a in reply.actions][:1] == ["Отложить на 1 час"]
    # the owner's choice outranks the language stored on the reminder
    await harness.ask(f"/remind {ORDER} 1h call", language="ru")
    await harness.ask("/language fr", language="ru")
    await harness.advance(hours=1, minutes=1)
    assert harness.adapter.sent[-1][1].title == "Rappel de commande"
    # stored on the reminder: no schema change, a payload field
    rows = await harness.bot.store.list_pending(PLATFORM, "u1")
    assert rows == []
    seller = await harness.ask(f"/contacted {ORDER} 2h", language="de")
    assert seller.text.startswith("C'est noté.")  # still French: the choice


async def test_failed_delivery_notice_is_worded_when_shown(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 1h x", language="en")
    reminder = (await harness.bot.store.list_pending(PLATFORM, "u1"))[0]
    assert reminder.kind is Kind.REMIND and reminder.payload["lang"] == "en"
    await harness.bot.core.delivery_failed(reminder, "blocked")
    reply = await harness.ask("/reminders", language="de-DE")
    assert reply.footer.startswith(
        f"Achtung: Ich konnte dir eine Erinnerung zur Bestellung {reminder.order_no} nicht"
    )


async def test_dates_are_formatted_in_the_users_language(harness: Harness) -> None:
    await harness.ask("/timezone Europe/Warsaw", language="pl")
    reply = await harness.ask(f"/remind {ORDER} 2026-12-27 9:00", language="pl")
    assert "niedz., 27 gru 2026, 09:00" in reply.text or "niedz., 27 gru, 09:00" in reply.text
    assert "czas środkowoeuropejski" in reply.text


# -- the catalogs -----------------------------------------------------------------------------


def test_every_string_is_translated_and_compiled() -> None:
    assert check() == []


def _template_ids() -> list[tuple[str | None, str | tuple[str, str]]]:
    with TEMPLATE.open("rb") as f:
        return [(m.context, m.id) for m in read_po(f) if m.id]


def _copy_locale(tmp_path: Path) -> Path:
    target = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, target)
    return target


def _edit_po(locale_dir: Path, lang: str, edit) -> None:  # type: ignore[no-untyped-def]
    path = locale_dir / lang / "LC_MESSAGES" / "whybot.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    edit(catalog)
    with path.open("wb") as f:
        write_po(f, catalog, width=0)


def test_the_check_finds_a_gap_a_lost_placeholder_and_a_stale_mo(tmp_path: Path) -> None:
    locale_dir = _copy_locale(tmp_path)
    assert check(locale_dir) == []

    def drop(catalog) -> None:  # type: ignore[no-untyped-def]
        catalog["Snooze 1 day"].string = ""
        msg = catalog["Reminder %(id)s cancelled."]
        msg.string = msg.string.replace("%(id)s", "%(ident)s")

    _edit_po(locale_dir, "de", drop)
    problems = check(locale_dir)
    assert any("de/whybot.po: 'Snooze 1 day' is not translated" in p for p in problems)
    assert any("placeholders ['ident'] instead of ['id']" in p for p in problems)
    assert any("de/whybot.po: whybot.mo is stale" in p for p in problems)
    (locale_dir / "fr" / "LC_MESSAGES" / "whybot.po").unlink()
    assert any(p == "fr/whybot.po: missing (pybabel init, see README)" for p in check(locale_dir))


# -- every string, every language, every renderer ------------------------------------------

SAMPLE = "<b>&x"
"""A placeholder value with markup: every adapter must show it as typed."""


def _values(text: str) -> dict[str, str]:
    return {name: f"{SAMPLE}{name}" for name in placeholders(text)}


def _texts(lang: str) -> list[str]:
    out: list[str] = []
    with i18n.using(lang):
        for context, mid in _template_ids():
            if isinstance(mid, tuple):
                for n in (1, 2, 5, 22):
                    out.append(i18n.ngettext(mid[0], mid[1], n))
            elif context:
                out.append(i18n.pgettext(context, mid))
            else:
                out.append(_(mid))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_string_renders_in_every_language_through_every_adapter(lang: str) -> None:
    texts = _texts(lang)
    assert len(texts) >= 150
    for template in texts:
        values = _values(template)
        shown = template % values if values or "%" in template else template
        assert "%(" not in shown, (lang, template)
        for name in values:
            assert f"{SAMPLE}{name}" in shown
        reply = Reply(
            title=shown[:80],
            text=shown,
            sections=(Section(shown[:50], text=shown, items=(shown,)),),
            actions=(Action("more", ("x",), shown[:60]),),
            footer=shown,
            kind=ReplyKind.INFO,
        )
        console = render_text(reply)
        assert shown in console
        for chunk in render_html(reply):
            assert shown.splitlines()[0][:30] in parse_telegram_html(chunk) or len(shown) > 3000
        embed = discord_render(reply)["embed"].to_dict()
        visible = embed["description"]
        assert re.sub(r"\\(.)", r"\1", visible).startswith(shown[:20].rstrip()), (lang, visible)


def test_translations_differ_from_english() -> None:
    """Catches a catalog that silently falls back: most strings must change."""
    english = _texts("en")
    for lang in LANGUAGES[1:]:
        same = [e for e, t in zip(english, _texts(lang), strict=True) if e == t]
        # a few are the same on purpose (ids, "Date" in French, examples with numbers only)
        assert len(same) <= 12, (lang, same)
