"""The generic question ("why was my order cancelled?") is answered with a question back."""

from __future__ import annotations

import pytest

from knowledge import Matcher, default_matcher
from knowledge.lexicon import Lexicon, LexiconError


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return default_matcher()


@pytest.mark.parametrize(
    "text",
    [
        "why was my order cancelled",
        "Order closed",
        "my order got canceled for no reason??",
        "ali cancelled my order",
        "pedido cancelado",
        "por que cancelaron mi pedido",
        "meu pedido foi cancelado",
        "commande annulée",
        "заказ отменен",
        "zamówienie anulowane",
        "Bestellung storniert",
    ],
)
def test_generic_question_gets_triage(matcher: Matcher, text: str) -> None:
    found = matcher.match(text)
    assert found.card is None
    assert found.triage == matcher.triage
    assert "seller-cancelled" in found.triage and "unpaid-closed" in found.triage
    assert found.to_json()["triage"] == list(found.triage)


@pytest.mark.parametrize(
    "text, card",
    [
        ("cancelled by the seller", "seller-cancelled"),
        ("order closed due to security reasons", "security-closed"),
        ("shipment cancelled", "shipment-cancelled"),
    ],
)
def test_a_specific_status_is_answered_not_triaged(matcher: Matcher, text: str, card: str) -> None:
    found = matcher.match(text)
    assert found.card == card and found.triage == ()


@pytest.mark.parametrize(
    "text",
    [
        "why was my flight cancelled",
        "my netflix subscription got cancelled",
        "closed on sundays?",
        "hello",
    ],
)
def test_other_cancellations_are_not_triaged(matcher: Matcher, text: str) -> None:
    found = matcher.match(text)
    assert found.triage == () and found.card is None
    assert "triage" not in found.to_json()


def test_triage_names_known_concepts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "lexicon.yaml"
    broken.write_text(
        "concepts:\n  cancel:\n    en: [cancel*]\ntriage:\n  concepts: [cancel, nothing]\n",
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match=r"triage.concepts: unknown concept 'nothing'"):
        Lexicon.load(broken)
