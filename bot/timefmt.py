"""Showing a moment the way a person reads it: ``Sun 27 Dec 2026, 09:00 Central European
Time (in 3 days)``, in the user's zone and (later) language, through Babel's CLDR data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.core import get_global
from babel.dates import format_datetime, format_skeleton, format_timedelta, get_timezone_name
from babel.units import format_unit

from bot.i18n import _


@lru_cache(maxsize=512)
def _generic_name(key: str, locale: str) -> str | None:
    try:
        name = get_timezone_name(ZoneInfo(key), width="long", locale=locale)
    except (LookupError, ValueError):
        return None
    return name


def zone_name(zone: ZoneInfo, at: datetime, locale: str = "en") -> str:
    """``Central European Time``, ``Brasilia Time``, ``Eastern Time``, ``UTC``; for a zone
    CLDR places in no country (``Etc/GMT+3``, ``Factory``), its offset at ``at``
    (``GMT-03:00``), or ``UTC``."""
    key = get_global("zone_aliases").get(zone.key, zone.key)
    if key in get_global("zone_territories") and not key.startswith("Etc/"):
        name = _generic_name(zone.key, locale)
        if name and "(" not in name:  # "world (Troll Station) Time" is no name
            return name
    offset = at.astimezone(zone).utcoffset()
    if not offset:
        return "UTC"
    return get_timezone_name(at.astimezone(zone), width="long", locale=locale)


def format_when(
    at: datetime, zone: ZoneInfo, now: datetime | None = None, locale: str = "en"
) -> str:
    """``Sun 27 Dec 2026, 09:00 Central European Time``: weekday, day, month, the year when
    it is not the current one (always when ``now`` is not given), the 24-hour time and
    the zone's name, all in ``zone``."""
    local = at.astimezone(zone)
    with_year = now is None or now.astimezone(zone).year != local.year
    if locale == "en":
        shown = format_datetime(
            local, "EEE d MMM y, HH:mm" if with_year else "EEE d MMM, HH:mm", locale=locale
        )
    else:
        day = format_skeleton("yMMMEd" if with_year else "MMMEd", local, locale=locale)
        shown = f"{day}, {format_datetime(local, 'HH:mm', locale=locale)}"
    return f"{shown} {zone_name(zone, local, locale)}"


_UNITS = (("duration-day", 86400), ("duration-hour", 3600), ("duration-minute", 60))


def format_relative(at: datetime, now: datetime, locale: str = "en") -> str:
    """``in 3 days 4 hours``, ``in 45 minutes``, ``2 hours ago``: the two largest units,
    rounded down to the minute (under a minute: ``in 30 seconds``)."""
    seconds = int((at - now).total_seconds())
    if locale != "en":
        return format_timedelta(
            timedelta(seconds=seconds), add_direction=True, threshold=1.5, locale=locale
        )
    left = abs(seconds)
    parts: list[str] = []
    for unit, size in _UNITS:
        if left >= size:
            parts.append(format_unit(left // size, unit, length="long", locale=locale))
            left %= size
        elif parts:
            break  # "3 days 20 minutes" would read as more exact than it is
        if len(parts) == 2:
            break
    if not parts:
        parts.append(format_unit(left, "duration-second", length="long", locale=locale))
    span = " ".join(parts)
    return f"{span} ago" if seconds < 0 else f"in {span}"


def format_stored(
    at: datetime, zone: ZoneInfo, now: datetime, locale: str = "en", date_only: bool = False
) -> str:
    """What a confirmation shows of a stored moment: ``Sun 27 Dec 2026, 09:00 Central
    European Time (in 3 days)``; for a date given without a time, says it chose 09:00."""
    text = f"{format_when(at, zone, now, locale)} ({format_relative(at, now, locale)})"
    if date_only:
        text += _("; no time was given, so %(time)s") % {"time": f"{at.astimezone(zone):%H:%M}"}
    return text


def epoch(at: datetime) -> int:
    """Whole seconds since 1970 UTC (how a button carries a moment)."""
    return int(at.astimezone(UTC).timestamp())
