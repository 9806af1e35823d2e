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


async def test_typo_finds_the_status(running: Harness) -> None:
    assert running.bot is not None
    title = running.bot.core.matcher.cards["shipment-cancelled"].title
    choices = await running.complete("shipmnet canceled")
    assert choices[0]["name"] == title
    assert all(1 <= len(c["name"]) <= 100 and len(c["value"]) <= 100 for c in choices)


async def test_partial_and_foreign_input(running: Harness) -> None:
    assert running.bot is not None
    cards = running.bot.core.matcher.cards
    assert cards["shipment-cancelled"].title in {c["name"] for c in await running.complete("ship")}
    german = await running.complete("Versand storniert")
    assert german[0]["name"] == cards["shipment-cancelled"].title
    french = await running.complete("remboursement")
    assert french[0]["name"] == cards["refund-timing"].title


async def test_nonsense_offers_nothing(running: Harness) -> None:
    assert await running.complete("zzqx") == []


async def test_a_chosen_suggestion_answers_that_status(running: Harness) -> None:
    assert running.bot is not None
    cards = running.bot.core.matcher.cards
    titles = {card.title for card in cards.values()}
    for choice in await running.complete(""):
        call = await running.ask("why", {"question": choice["value"]})
        (embed,) = call.message["embeds"]
        assert embed["title"] == choice["name"], choice
        assert embed["title"] in titles
        assert text_of(call.message)
