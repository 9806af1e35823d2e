"""/why as a person meets it: short answers in groups, full ones in private, a question
back for the generic "why was my order cancelled", and no wall of buttons when unsure."""

from __future__ import annotations

import pytest

from bot import i18n
from bot.adapters.console import render_text
from bot.commands.why import MAX_NEAR
from bot.i18n import _
from bot.model import Action, ReplyKind, Request
from knowledge.detect import detect_language
from tests.core.conftest import PLATFORM, Harness

GENERIC = (
    "why was my order cancelled",
    "my order got closed?? why",
    "order cancelled",
    "pedido cancelado, por qué",
    "почему отменили заказ",
    "Warum wurde meine Bestellung storniert",
    "dlaczego moje zamówienie zostało anulowane",
    "pourquoi ma commande a été annulée",
    "por que meu pedido foi cancelado",
)


@pytest.mark.parametrize("question", GENERIC)
async def test_generic_cancelled_question_asks_which_status(
    harness: Harness, question: str
) -> None:
    reply = await harness.ask(f"/why {question}", private=False)
    assert reply.kind is ReplyKind.INFO and not reply.personal
    # in the language of the question: the triage line of some catalog, English for English
    triage_line = (
        "Orders are cancelled or closed for different reasons. "
        "Which status does your order page show?"
    )
    lang = detect_language(question) or "en"
    with i18n.using(lang):
        assert reply.text == _(triage_line), (lang, reply.text)
    offered = [a.args[0] for a in reply.actions]
    assert offered == list(harness.bot.core.matcher.triage)
    assert {"seller-cancelled", "auto-cancelled", "unpaid-closed"} <= set(offered)
    assert all(a.name == "card" for a in reply.actions)


async def test_group_answer_is_compact_and_more_gives_the_whole_card_privately(
    harness: Harness,
) -> None:
    group = await harness.ask("/why Shipment cancelled", private=False)
    assert group.kind is ReplyKind.CARD and not group.personal
    assert group.sections == () and group.footer == ""
    assert len(render_text(group).splitlines()) <= 4 + len(group.actions)
    assert group.actions[0] == Action("more", ("shipment-cancelled",), "More")

    more = await harness.bot.core.handle(
        Request(PLATFORM, "u1", "group-1", False, action=group.actions[0])
    )
    assert more.kind is ReplyKind.CARD and more.personal  # ephemeral / private, not the group
    assert [s.heading for s in more.sections][:3] == [
        "What it means",
        "Why it happens",
        "What to do",
    ]

    private = await harness.ask("/why Shipment cancelled", private=True)
    assert private.sections and not any(a.name == "more" for a in private.actions)


async def test_contacted_button_only_where_contacting_the_seller_is_a_step(
    harness: Harness,
) -> None:
    cards = harness.bot.core.matcher.cards
    assert any(c.contact_seller for c in cards.values())
    assert any(not c.contact_seller for c in cards.values())
    for card in cards.values():
        reply = await harness.ask(f"/why {card.id}")
        has_button = any(a.name == "contacted_help" for a in reply.actions)
        assert has_button == card.contact_seller, card.id


async def test_off_topic_gets_one_line_and_no_keyboard(harness: Harness) -> None:
    for question in ("what is the best phone under 200 dollars", "hello there", "lol"):
        reply = await harness.ask(f"/why {question}", private=False)
        assert reply.actions == (), question
        assert "\n" not in render_text(reply).strip(), question
        assert "/why" in reply.text


async def test_not_sure_offers_likely_statuses_without_guessing(harness: Harness) -> None:
    # Close to a status, sure of none: a short list to choose from, at most MAX_NEAR.
    question = "my order has a problem with the seller"
    found = harness.bot.core.matcher.match(question)
    assert found.card is None and found.alternatives  # the premise of this test
    reply = await harness.ask(f"/why {question}", private=False)
    assert "won't guess" in reply.text
    assert 0 < len(reply.actions) <= MAX_NEAR
    assert [a.args[0] for a in reply.actions] == [a.card for a in found.alternatives][:MAX_NEAR]


async def test_empty_why_explains_how_to_ask_with_a_few_statuses(harness: Harness) -> None:
    reply = await harness.ask("/why", private=False)
    assert "Paste the status" in reply.text
    assert 0 < len(reply.actions) <= 8


async def test_card_button_for_a_removed_card_says_so(harness: Harness) -> None:
    gone = await harness.press(Action("card", ("no-such-card",)))
    assert gone.kind is ReplyKind.ERROR and "no longer exists" in gone.text


def test_status_buttons_are_short_status_names_in_every_language() -> None:
    from bot.commands.why import BUTTON_LABEL, status_label
    from knowledge import LANGUAGES, load_cards

    cards = load_cards()
    assert status_label(cards["shipment-cancelled"].title) == "Shipment cancelled"
    assert status_label(cards["payment-verification"].title) == "Payment being verified"
    for lang in LANGUAGES:
        for card in cards.values():
            label = status_label(card.text(lang).title)
            assert 0 < len(label) <= BUTTON_LABEL, (lang, card.id, label)
