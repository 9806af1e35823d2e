"""/why autocomplete: fuzzy status suggestions as the user types, in any language."""

from __future__ import annotations

from tests.discord_adapter.conftest import Harness, text_of


async def test_empty_input_offers_every_status(running: Harness) -> None:
    assert running.bot is not None
    cards = running.bot.core.matcher.cards
    choices = await running.complete("")
    assert 0 < len(choices) <= 25
    assert len(choices) == min(25, len(cards))
    assert {c["name"] for c in choices} == {card.title for card in cards.values()}
    assert {c["value"] for c in choices} == set(cards)  # ids: exact, and short


def _expected(harness: Harness, text: str, locale: str = "en") -> list[dict[str, str]]:
    assert harness.bot is not None
    suggested = harness.bot.core.suggest(text, language=locale)
    return [{"name": title, "value": card_id} for card_id, title in suggested]


async def test_typo_finds_the_status(running: Harness) -> None:
    choices = await running.complete("shipmnet canceled")
    assert "shipment-cancelled" in [c["value"] for c in choices]
    assert choices == _expected(running, "shipmnet canceled")  # the core's order, as is
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_partial_and_foreign_input(running: Harness) -> None:
    for text in ("ship", "Versand storniert", "pedido cancelado"):
        choices = await running.complete(text, locale="de")
        assert choices, text
        assert choices == _expected(running, text, "de")
        assert "Versand storniert" in choices[0]["name"] or text != "Versand storniert"


async def test_nonsense_offers_nothing(running: Harness) -> None:
    assert await running.complete("zzqx") == []


async def test_a_chosen_suggestion_answers_that_status(running: Harness) -> None:
    assert running.bot is not None
    cards = running.bot.core.matcher.cards
    for choice in await running.complete(""):
        call = await running.ask("why", {"question": choice["value"]})
        assert call.flags & 64 == 0  # public, like any /why
        (embed,) = call.message["embeds"]
        assert embed["title"] == choice["name"] == cards[choice["value"]].title, choice
        assert cards[choice["value"]].summary in text_of(call.message)
