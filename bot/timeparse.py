"""Reading when a user means: durations (``3d``, ``1h30m``, ``in an hour``), dates (``27 dec``,
``5.12.2026``, ``2026-12-05 14:00``, ``friday``), times of day (``6pm``, ``noon``, ``tonight``)
and the same in es, pt, fr, ru, pl and de (``mañana 9:00``, ``27 grudnia``).

Everything is read as a wall time in the user's zone and converted to UTC once, at the end,
with that day's offset (so ``tomorrow 9:00`` stays 9:00 across a daylight-saving change).
Cheap regular expressions go first; dateparser is the fallback for words in other languages,
called at most :data:`MAX_DATEPARSER_CALLS` times per message on at most
:data:`MAX_PHRASE` characters. A numeric date that reads both ways (``12/05``) is never
guessed: :class:`Ambiguous` carries both readings."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

MAX_AHEAD = timedelta(days=730)
MAX_WORDS = 6
"""The time is at most this many leading words; the rest is the note."""
MAX_PHRASE = 60
"""Longer leading phrases are not read as a time."""
MAX_DATEPARSER_CALLS = 3
DEFAULT_HOUR = 9
"""A date without a time of day means 09:00 local."""
LANGUAGES = ("en", "es", "pt", "fr", "ru", "pl", "de")

_SECOND, _MINUTE, _HOUR = 1, 60, 3600
_UNITS: dict[str, tuple[int, int]] = {}
"""unit word -> (days, seconds) per unit: days move the wall clock, seconds are exact."""
for _names, _value in (
    (("s", "sec", "secs", "second", "seconds"), (0, _SECOND)),
    (("m", "min", "mins", "minute", "minutes"), (0, _MINUTE)),
    (("h", "hr", "hrs", "hour", "hours"), (0, _HOUR)),
    (("d", "day", "days"), (1, 0)),
    (("w", "wk", "wks", "week", "weeks"), (7, 0)),
):
    for _name in _names:
        _UNITS[_name] = _value
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_COUNT = r"\d{1,6}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_PART = re.compile(rf"(?:(half)\s+an?|({_COUNT}))\s*([a-z]+)")
_DURATION = re.compile(
    rf"^(?:in\s+)?(?:(?:half\s+an?|{_COUNT})\s*+[a-z]++(?:\s*,?\s*(?:and\s+)?|$))+"
    r"(?:\s*(?:from now|later))?$"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A duration split the way people mean it: whole days move the calendar (the wall
    time stays), hours, minutes and seconds are exact."""

    days: int
    seconds: int

    def as_timedelta(self) -> timedelta:
        return timedelta(days=self.days, seconds=self.seconds)


def _read_span(text: str) -> Span | None:
    t = " ".join(text.strip().lower().split())
    if not t or len(t) > MAX_PHRASE or not _DURATION.match(t):
        return None
    t = t.removeprefix("in ").removesuffix("from now").removesuffix("later").strip()
    days = seconds = 0
    pos = 0
    for m in _PART.finditer(t):
        if t[pos : m.start()].strip(" ,").removesuffix("and").strip():
            return None
        unit = _UNITS.get(m.group(3))
        if unit is None:
            return None
        if m.group(1):  # "half an hour"
            if unit[0]:
                return None
            seconds += unit[1] // 2
        else:
            count = m.group(2)
            if not count.isdigit() and len(m.group(3)) < 3:
                return None  # "a m" is not "a minute"; "am" is a time of day
            n = int(count) if count.isdigit() else _NUMBER_WORDS[count]
            days += n * unit[0]
            seconds += n * unit[1]
        pos = m.end()
    if t[pos:].strip() or (days == 0 and seconds == 0):
        return None
    if days > 100_000 or seconds > 10**9:
        return None  # far beyond any limit, and would overflow a date
    return Span(days, seconds)


def parse_duration(text: str) -> timedelta | None:
    """``30s``, ``10m``, ``3h``, ``2d``, ``1w``, ``1d12h``, ``2h 30m``, ``in 3 days``,
    ``in an hour``, ``90 minutes``.

    Returns None when the text is not entirely a duration."""
    span = _read_span(text)
    return span.as_timedelta() if span else None


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class When:
    at: datetime
    """The moment, timezone-aware UTC."""
    rest: str
    """The words after the time (the note)."""
    date_only: bool = False
    """No time of day was given, so it is 09:00 local."""


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A numeric date that reads both day-first and month-first (``12/05``)."""

    day_first: When
    month_first: When


Reading = When | Ambiguous


# --- cheap readers (regular expressions) ------------------------------------------------

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|\.)?"
_YEAR = r"(?:,?\s*(?P<year>\d{4}))?"
_DAY_MONTH = re.compile(rf"^{_DAY}\s*(?:of\s+)?{_MONTH}{_YEAR}$")
_MONTH_DAY = re.compile(rf"^{_MONTH}\s*{_DAY},?{_YEAR}$")
_ISO = re.compile(r"^(?P<year>\d{4})([-/.])(?P<a>\d{1,2})\2(?P<b>\d{1,2})$")
_DOTTED = re.compile(r"^(?P<a>\d{1,2})\.(?P<b>\d{1,2})(?:\.(?P<year>\d{4}|\d{2}))?\.?$")
_SLASHED = re.compile(r"^(?P<a>\d{1,2})([/-])(?P<b>\d{1,2})(?:\2(?P<year>\d{4}|\d{2}))?$")
_ISO_T = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2}(?::\d{2})?)z?$")

_WEEKDAYS = {
    "mon": 0,
    "monday": 0,
    "tue": 1,
    "tues": 1,
    "tuesday": 1,
    "wed": 2,
    "weds": 2,
    "wednesday": 2,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "fri": 4,
    "friday": 4,
    "sat": 5,
    "saturday": 5,
    "sun": 6,
    "sunday": 6,
}
_WEEKDAY = re.compile(r"^(?:on\s+)?(?:(?:this|next|coming|the)\s+)?(?P<wd>[a-z]+)\.?$")

# Day words in the seven languages: cheap, and dateparser reads some of them wrongly.
_DAY_OFFSETS = {
    "today": 0,
    "hoy": 0,
    "hoje": 0,
    "aujourd'hui": 0,
    "сегодня": 0,
    "dziś": 0,
    "dzis": 0,
    "dzisiaj": 0,
    "heute": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "mañana": 1,
    "manana": 1,
    "amanhã": 1,
    "amanha": 1,
    "demain": 1,
    "завтра": 1,
    "jutro": 1,
    "morgen": 1,
    "day after tomorrow": 2,
    "the day after tomorrow": 2,
    "pasado mañana": 2,
    "pasado manana": 2,
    "depois de amanhã": 2,
    "depois de amanha": 2,
    "après-demain": 2,
    "apres-demain": 2,
    "après demain": 2,
    "послезавтра": 2,
    "pojutrze": 2,
    "übermorgen": 2,
    "uebermorgen": 2,
}
_PART_OF_DAY = {"morning": 9, "afternoon": 15, "evening": 18, "night": 20}
_THIS_PART = {
    "tonight": 20,
    "this morning": 9,
    "this afternoon": 15,
    "this evening": 18,
    "this night": 20,
}

_CONNECTOR = (
    r"(?:(?:at|@|around|by|à|a\s+las|a\s+la|às|as|um|gegen|o|o\s+godz\.?|godz\.?|в|во|к)\s+)?"
)
_CLOCK = re.compile(
    r"^(?:(?P<h12>\d{1,2})(?::(?P<m12>\d{2}))?\s*(?P<ap>am|pm|a\.m\.|p\.m\.)"
    r"|(?P<h24>\d{1,2}):(?P<m24>\d{2})(?::00)?(?:\s*(?:h|uhr))?"
    r"|(?P<hh>\d{1,2})\s*(?:h|uhr)(?P<mh>\d{2})?"
    r"|(?P<word>noon|midday|midnight))$"
)


def _read_clock(text: str) -> time | None:
    """A time of day: ``18:00``, ``6pm``, ``6:30 pm``, ``18h``, ``18h30``, ``9 uhr``, ``noon``."""
    t = re.sub(rf"^{_CONNECTOR}", "", text)
    part = re.fullmatch(r"(?:in\s+the\s+)?(morning|afternoon|evening|night)", t)
    if part:
        return time(_PART_OF_DAY[part.group(1)])
    m = _CLOCK.match(t)
    if not m:
        return None
    if m.group("word"):
        return time(0) if m.group("word") == "midnight" else time(12)
    if m.group("ap"):
        hour, minute = int(m.group("h12")), int(m.group("m12") or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m.group("ap").startswith("p") else 0)
    elif m.group("h24"):
        hour, minute = int(m.group("h24")), int(m.group("m24"))
    else:
        hour, minute = int(m.group("hh")), int(m.group("mh") or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_yearly(month: int, day: int, today: date) -> date | None:
    """Day and month without a year: this year if not yet past, else the next year
    that has that day (29 Feb)."""
    for year in range(today.year, today.year + 9):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _full_year(raw: str) -> int:
    return int(raw) + 2000 if len(raw) == 2 else int(raw)


def _dated(month: int, day: int, year: str | None, today: date) -> date | None:
    if not 1 <= month <= 12:
        return None
    if year is None:
        return _next_yearly(month, day, today)
    return _safe_date(_full_year(year), month, day)


def _read_day(text: str, today: date) -> list[date] | None:
    """The calendar day(s) a date phrase names: one, or two for ``12/05``; None if none."""
    t = text.strip(" ,")
    if t in _DAY_OFFSETS:
        return [today + timedelta(days=_DAY_OFFSETS[t])]
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        m = pattern.match(t)
        if m:
            found = _dated(_MONTHS[m.group("mon")[:3]], int(m.group("day")), m.group("year"), today)
            return [found] if found else None
    m = _ISO.match(t)
    if m:
        found = _safe_date(int(m.group("year")), int(m.group("a")), int(m.group("b")))
        return [found] if found else None
    m = _DOTTED.match(t)
    if m:  # dots are day-first everywhere they are used
        found = _dated(int(m.group("b")), int(m.group("a")), m.group("year"), today)
        return [found] if found else None
    m = _SLASHED.match(t)
    if m:
        a, b, year = int(m.group("a")), int(m.group("b")), m.group("year")
        readings = [_dated(b, a, year, today), _dated(a, b, year, today)]  # day-first first
        unique = list(dict.fromkeys(d for d in readings if d is not None))
        return unique or None
    m = _WEEKDAY.match(t)
    if m and m.group("wd") in _WEEKDAYS:
        ahead = (_WEEKDAYS[m.group("wd")] - today.weekday() - 1) % 7 + 1  # 1..7 days
        return [today + timedelta(days=ahead)]
    return None


def _wall(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A wall time in ``zone`` as aware UTC (that day's offset; the first of a repeated hour)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _splits(words: list[str]) -> Iterable[tuple[str, str]]:
    """(date words, time words) for every way to cut the phrase in two, either order."""
    for k in range(len(words) + 1):
        yield " ".join(words[:k]), " ".join(words[k:])
        if 0 < k < len(words):
            head, tail = " ".join(words[:k]), " ".join(words[k:])
            yield re.sub(r"^on\s+", "", tail), head  # "9:00 tomorrow", "6pm on friday"


def _read_cheap(phrase: str, now: datetime, zone: ZoneInfo, rest: str) -> Reading | None:
    local_now = now.astimezone(zone)
    today = local_now.date()
    span = _read_span(phrase)
    if span is not None:
        at = now + timedelta(seconds=span.seconds)
        if span.days:  # whole days move the calendar and keep the wall time
            local = at.astimezone(zone).replace(tzinfo=None) + timedelta(days=span.days)
            at = local.replace(tzinfo=zone).astimezone(UTC)
        return When(at, rest)
    if phrase in _THIS_PART:
        return When(_wall(today, time(_THIS_PART[phrase]), zone), rest)
    iso = _ISO_T.match(phrase)
    if iso:
        phrase = f"{iso.group(1)} {iso.group(2)[:5]}"
    words = phrase.split()
    for date_part, time_part in _splits(words):
        clock = _read_clock(time_part) if time_part else None
        if time_part and clock is None:
            continue
        if not date_part:
            if clock is None:
                continue
            # A time alone: its next occurrence.
            at = _wall(today, clock, zone)
            if at <= now:
                at = _wall(today + timedelta(days=1), clock, zone)
            return When(at, rest)
        days = _read_day(date_part, today)
        if days is None:
            continue
        readings = [
            When(_wall(d, clock or time(DEFAULT_HOUR), zone), rest, date_only=clock is None)
            for d in days
        ]
        if len(readings) == 2:
            return Ambiguous(readings[0], readings[1])
        return readings[0]
    return None


# --- dateparser, for month and weekday names in the other languages ---------------------


@lru_cache(maxsize=1)
def _dateparser_module() -> Any:
    from dateparser.date import DateDataParser  # slow to import: only when first needed

    return DateDataParser


def _language_list(language: str | None) -> list[str]:
    lang = (language or "").lower().replace("_", "-").split("-")[0]
    if lang in LANGUAGES and lang != "en":
        return ["en", lang]
    return list(LANGUAGES)


def _dateparser_day(phrase: str, local_now: datetime, languages: list[str]) -> datetime | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "DATE_ORDER": "DMY",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["relative-time", "absolute-time"],  # never a bare number as a timestamp
    }
    try:
        parser = _dateparser_module()(languages=languages, settings=settings)
        found = parser.get_date_data(phrase)
    except Exception:  # dateparser raises assorted errors on odd input
        return None
    if found.period in ("month", "year"):
        return None  # "dec", "32 dec": no day named, dateparser would make one up
    return found.date_obj  # type: ignore[no-any-return]


_NOT_NAMES = (
    "name",
    "date_order",
    "simplifications",
    "sentence_splitter_group",
    "relative-type-regex",
)
_CONNECTING = ("in", "ago", "skip", "am", "pm")


@lru_cache(maxsize=1)
def _date_words() -> tuple[frozenset[str], frozenset[str]]:
    """What dateparser knows in our seven languages, lower case: (every word a date
    phrase can be made of, the words that name a day, month, weekday or unit)."""
    from dateparser.languages.loader import default_loader

    every: set[str] = set()
    names: set[str] = set()
    connecting: set[str] = set()
    for lang in LANGUAGES:
        for key, value in default_loader.get_locale(lang).info.items():
            if key in _NOT_NAMES:
                continue
            phrases: list[str] = []
            if isinstance(value, dict):
                for listed in value.values():
                    phrases.extend(v for v in listed if isinstance(v, str))
            elif isinstance(value, list):
                phrases.extend(v for v in value if isinstance(v, str))
            words = {w.strip(".,").lower() for p in phrases for w in p.split()} - {""}
            every |= words
            if key in _CONNECTING:
                connecting |= words
            else:
                names |= {w for w in words if w.isalpha()}
    # "in" is a unit word somewhere too; a connector anywhere names nothing ("in 5").
    return frozenset(every), frozenset(names - connecting)


_LEADING = frozenset(
    {"on", "the", "am", "um", "el", "la", "le", "au", "à", "a", "em", "no", "na", "w", "we"}
    | {"o", "в", "во"}
)


@lru_cache(maxsize=1)
def _exact_units() -> frozenset[str]:
    """Hour, minute and second in our seven languages: spans counted exactly, not on
    the wall clock ("через 2 часа" across a daylight-saving change is 2 hours)."""
    from dateparser.languages.loader import default_loader

    words: set[str] = set()
    for lang in LANGUAGES:
        info = default_loader.get_locale(lang).info
        for key in ("hour", "minute", "second"):
            words |= {w.strip(".,").lower() for p in info.get(key, []) for w in p.split()}
    return frozenset(words - {""})


@dataclass(frozen=True, slots=True)
class _Candidate:
    day_words: str
    """What dateparser reads: the words naming the day."""
    clock: time | None
    """The time of day, read by us (dateparser gets "18h" and "9 Uhr" wrong)."""
    rest: str
    exact: bool = False
    """It names hours, minutes or seconds."""


def _foreign_candidates(words: list[str]) -> list[_Candidate]:
    """Leading phrases worth giving dateparser, longest first, at most three: each a run
    of known date words that names a day, month, weekday or unit."""
    every, names = _date_words()
    run = 0
    for word in words[:MAX_WORDS]:
        w = word.lower().strip(",")
        if any(ch.isdigit() for ch in w) or w in every or _read_clock(w) is not None:
            run += 1
        else:
            break
    found: list[_Candidate] = []
    for n in range(run, 0, -1):
        phrase = [w.strip(",") for w in " ".join(words[:n]).lower().split()]
        if len(" ".join(phrase)) > MAX_PHRASE:
            continue
        clock = None
        for k in range(min(3, len(phrase) - 1), 0, -1):
            clock = _read_clock(" ".join(phrase[-k:]))
            if clock is not None:
                phrase = phrase[:-k]
                break
        while phrase and phrase[0] in _LEADING:
            phrase = phrase[1:]  # "am Freitag", "el 27 de diciembre": dateparser trips on them
        if not any(w in names for w in phrase):
            continue
        exact = any(w in _exact_units() for w in phrase)
        found.append(_Candidate(" ".join(phrase), clock, " ".join(words[n:]), exact))
        if len(found) == MAX_DATEPARSER_CALLS:
            break
    return found


def _read_foreign(
    candidates: list[_Candidate], now: datetime, zone: ZoneInfo, language: str | None
) -> When | None:
    local_now = now.astimezone(zone)
    languages = _language_list(language)
    for c in candidates:
        parsed = _dateparser_day(c.day_words, local_now, languages)
        if parsed is None or parsed == local_now.replace(tzinfo=None):
            continue  # nothing read, or "now", "0 days": no moment to remind at
        if parsed.date() < local_now.date() and not any(ch.isdigit() for ch in c.day_words):
            continue  # words alone never mean a past day ("an", French for year, read as 1 Jan)
        if c.clock is not None:
            return When(_wall(parsed.date(), c.clock, zone), c.rest)
        if parsed.time() == time(0):  # a day without a time of day
            return When(_wall(parsed.date(), time(DEFAULT_HOUR), zone), c.rest, date_only=True)
        if c.exact:  # "через 2 часа": dateparser counted on the wall clock; we count time
            return When(now + (parsed - local_now.replace(tzinfo=None)), c.rest)
        return When(parsed.replace(tzinfo=zone).astimezone(UTC), c.rest)  # "za 2 dni": wall
    return None


# --- the reader --------------------------------------------------------------------------

_LONE_NUMBER = re.compile(r"^(?:in\s+)?[+-]?\d+(?:[.,]\d+)?$")


def is_impossible_date(text: str) -> bool:
    """``31 feb``, ``april 31``: a day and a month (in English words) that no calendar has."""
    words = text.lower().split()
    for n in (3, 2):
        head = " ".join(words[:n])
        for pattern in (_DAY_MONTH, _MONTH_DAY):
            m = pattern.match(head)
            if m is not None:
                year = int(m.group("year") or 2028)  # a leap year: 29 feb exists
                return _safe_date(year, _MONTHS[m.group("mon")[:3]], int(m.group("day"))) is None
    return False


def is_lone_number(text: str) -> bool:
    """``5``, ``in 5``, ``12 things``: a number with no unit, which could mean anything."""
    words = text.lower().split()
    return bool(words) and bool(
        _LONE_NUMBER.match(words[0]) or (len(words) > 1 and _LONE_NUMBER.match(" ".join(words[:2])))
    )


def read_cheap(text: str, now: datetime, zone: ZoneInfo) -> Reading | None:
    """The longest leading words (up to six) that read as a time without dateparser."""
    words = text.split()
    for n in range(min(len(words), MAX_WORDS), 0, -1):
        phrase = " ".join(words[:n]).lower().rstrip(",")
        if len(phrase) > MAX_PHRASE:
            continue
        found = _read_cheap(phrase, now, zone, " ".join(words[n:]))
        if found is not None:
            return found
    return None


def parse_when(
    text: str, now: datetime, zone: ZoneInfo, language: str | None = None
) -> Reading | None:
    """Read the longest leading run of words that is a time; the rest is the note.

    ``now`` is aware UTC; ``language`` is the request's language when known (dateparser
    then tries English and that language, else all seven). Returns None when no leading
    words read as a time. The result may be in the past or beyond :data:`MAX_AHEAD`:
    callers refuse those, showing the date as read."""
    found = read_cheap(text, now, zone)
    if found is not None:
        return found
    return _read_foreign(_foreign_candidates(text.split()), now, zone, language)


# dateparser runs in one worker thread of its own: off the event loop, one call at a time.
_DATEPARSER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dateparser")


async def read_when(
    text: str, now: datetime, zone: ZoneInfo, language: str | None = None
) -> Reading | None:
    """:func:`parse_when` without blocking the event loop: the regular expressions run
    inline; dateparser and its word lists (when needed) in a thread of their own."""
    found = read_cheap(text, now, zone)
    if found is not None:
        return found
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_DATEPARSER_THREAD, _read_other, text, now, zone, language)


def _read_other(text: str, now: datetime, zone: ZoneInfo, language: str | None) -> When | None:
    return _read_foreign(_foreign_candidates(text.split()), now, zone, language)


def warm_up() -> None:
    """Import dateparser and load its data for the seven languages once, before the first
    user waits for it."""
    _date_words()
    _exact_units()
    now = datetime.now(UTC)
    local_now = now.astimezone(ZoneInfo("UTC"))
    _dateparser_day("27 grudnia", local_now, list(LANGUAGES))
    for lang in LANGUAGES[1:]:
        _dateparser_day("27 dec", local_now, ["en", lang])
