"""Text normalisation shared by the card index, the lexicon and the queries."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_CHARS = 600
"""Longer text is cut: a status or a short story fits, a pasted book does not slow us down."""

_SEPARATORS = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"\d+")
_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")

# Letters that carry no accent mark in Unicode, so NFKD leaves them alone, but that
# people type without the mark all the same (Polish ł, Danish/Norwegian ø...).
_PLAIN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ŀ": "l"})


def fold(text: str) -> str:
    """Lowercase, strip accents (also Cyrillic breves: й -> и, ё -> е), ß -> ss, ł -> l."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold())
    if not text.isascii():
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_PLAIN)


def is_code(token: str) -> bool:
    """An API code such as ``in_cancel`` or ``buyer_pay_timeout`` (already folded)."""
    return "_" in token and _CODE.match(token) is not None


def tokens(text: str) -> list[str]:
    """Folded word tokens without numbers (order numbers say nothing about the status).

    API codes with underscores (IN_CANCEL, buyer_pay_timeout) stay one token; other
    underscores separate words."""
    folded = fold(text[:MAX_QUERY_CHARS])
    out: list[str] = []
    for t in _SEPARATORS.split(folded):
        if "_" in t:
            t = t.strip("_")
            if not is_code(t):
                out.extend(p for p in t.split("_") if p and not _DIGITS.fullmatch(p))
                continue
        if t and not _DIGITS.fullmatch(t):
            out.append(t)
    return out


def stem(token: str, length: int = 5) -> str:
    """A crude prefix stem that works across the supported languages:
    cancelled/canceled/cancellation -> cance, отменен/отменили -> отмен (cut to ``length``).
    API codes are never cut."""
    if "_" in token:
        return token
    return token[:length]
