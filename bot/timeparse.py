"""Reading durations (``3d``, ``1d12h``, ``in 3 days``) and dates (``2026-12-05 14:00``,
``tomorrow 9:00``) from what a user typed. Dates go through dateparser, in the user's zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "w": 604800,
    "wk": 604800,
    "week": 604800,
    "weeks": 604800,
}
_PART = re.compile(r"(\d{1,6})\s*([a-z]+)")
_DURATION = re.compile(r"^(?:in\s+)?(?:\d{1,6}\s*[a-z]+\s*)+$")
MAX_AHEAD = timedelta(days=730)
MAX_WORDS = 6
DEFAULT_HOUR = 9
_HAS_TIME_OF_DAY = re.compile(r"\d:\d|\d\s*(?:am|pm)\b|\b(?:noon|midnight|now|ago)\b|\bin\s+\d")


def parse_duration(text: str) -> timedelta | None:
    """``30s``, ``10m``, ``3h``, ``2d``, ``1w``, ``1d12h``, ``2h 30m``, ``in 3 days``.

    Returns None when the text is not entirely a duration."""
    t = text.strip().lower()
    if not t or len(t) > 40 or not _DURATION.match(t):
        return None
    t = t.removeprefix("in").strip()
    total = 0
    pos = 0
    for m in _PART.finditer(t):
        if t[pos : m.start()].strip():
            return None
        unit = _UNIT_SECONDS.get(m.group(2))
        if unit is None:
            return None
        total += int(m.group(1)) * unit
        pos = m.end()
    if t[pos:].strip() or total <= 0:
        return None
    return timedelta(seconds=total)


@lru_cache(maxsize=1)
def _dateparser():  # type: ignore[no-untyped-def]
    import dateparser  # imported lazily: it is slow to import and only /remind needs it

    return dateparser


def warm_up() -> None:
    """Import dateparser and load its English data once, before the first user waits for it."""
    _parse_date("tomorrow 9:00", datetime.now(UTC), ZoneInfo("UTC"))


def _parse_date(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    if not re.search(r"[a-z]", text) and not re.search(r"\d[-./:]\d", text):
        return None  # a bare number ("5") is too ambiguous to be a date
    settings = {
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": zone.key,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "DATE_ORDER": "YMD",
    }
    try:
        parsed = _dateparser().parse(text, languages=["en"], settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if parsed is None:
        return None
    if not _HAS_TIME_OF_DAY.search(text):
        # A bare date ("2026-12-05", "next friday") means that morning, not midnight.
        local = parsed.astimezone(zone)
        parsed = local.replace(hour=DEFAULT_HOUR, minute=0, second=0, microsecond=0)
    return parsed.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class When:
    at: datetime
    """The moment, timezone-aware UTC."""
    rest: str
    """The words after the time (the note)."""


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> When | None:
    """Read the longest leading run of words that is a time; the rest is the note.

    ``now`` is aware UTC. Returns None when no leading words read as a time."""
    words = text.split()
    for n in range(min(len(words), MAX_WORDS), 0, -1):
        head = " ".join(words[:n]).lower()
        rest = " ".join(words[n:])
        delta = parse_duration(head)
        if delta is not None:
            return When(now + delta, rest)
        if len(head) <= 40:
            at = _parse_date(head, now, zone)
            if at is not None:
                return When(at, rest)
    return None
