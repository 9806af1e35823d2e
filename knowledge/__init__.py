"""whybot's knowledge core: the answer cards and the matcher. Pure and synchronous."""

from __future__ import annotations

from functools import lru_cache

from knowledge.card import LANGUAGES, Card
from knowledge.lexicon import Lexicon, LexiconError
from knowledge.loader import CardError, load_cards
from knowledge.matcher import Alternative, Match, Matcher

__all__ = [
    "LANGUAGES",
    "Alternative",
    "Card",
    "CardError",
    "Lexicon",
    "LexiconError",
    "Match",
    "Matcher",
    "default_matcher",
    "load_cards",
    "match",
]


@lru_cache(maxsize=1)
def default_matcher() -> Matcher:
    """The matcher over the packaged cards, built on first use."""
    return Matcher(load_cards())


def match(text: str) -> Match:
    """Best card for free text (a status, a question, a typo, any supported language),
    with a 0-100 score and up to three alternatives; ``card`` is None when not sure."""
    return default_matcher().match(text)
