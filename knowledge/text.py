"""Text normalisation shared by the card index and the queries."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 600
"""Longer text is cut: a status or a short story fits, a pasted book does not slow us down."""

_SEPARATORS = re.compile(r"[^\w]+|_")
_DIGITS = re.compile(r"\d+")


def fold(text: str) -> str:
    """Lowercase, strip accents (also Cyrillic breves: й -> и, ё -> е), ß -> ss."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded word tokens without numbers (order numbers say nothing about the status)."""
    folded = fold(text[:MAX_QUERY_CHARS])
    return [t for t in _SEPARATORS.split(folded) if t and not _DIGITS.fullmatch(t)]


def stem(token: str, length: int = 5) -> str:
    """A crude prefix stem that works across the supported languages:
    cancelled/canceled/cancellation -> cancel, отменен/отменили -> отмени... (cut to ``length``)."""
    return token[:length]
