"""Reading the time a command was given, refusing what cannot be meant, and the question
with one button per reading when a date reads both ways (``12/05``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.commands.context import ORDER_RE, UsageError
from bot.model import Action, Reply, ReplyKind, Request
from bot.timefmt import epoch, format_when
from bot.timeparse import (
    MAX_AHEAD,
    Ambiguous,
    Reading,
    When,
    is_impossible_date,
    is_lone_number,
    read_when,
)

PICK = "when"
"""The button that stores one reading of an ambiguous date: ``when:<kind>:<order>:<epoch>``."""
KINDS = {"r": ("remind", False), "rd": ("remind", True), "p": ("protection", False)}
KINDS["pd"] = ("protection", True)
EXAMPLES = "30m, 3h, 1h30m, in 2 days, tomorrow 9:00, friday 6pm, 27 dec, 2026-12-05 14:00"


async def read(request: Request, text: str, now: datetime, zone: ZoneInfo) -> Reading:
    """The reading of ``text`` (a :class:`When` or an :class:`Ambiguous`), or a UsageError
    that says why it cannot be read."""
    found = await read_when(text, now, zone, request.language)
    if found is not None:
        return found
    if is_impossible_date(text):
        shown = " ".join(text.split()[:3])[:30]
        raise UsageError(f"'{shown}' is not a date on the calendar. Check the day and the month.")
    if is_lone_number(text):
        words = text.split()
        number = (words[1] if words[0].lower() == "in" else words[0])[:12]
        raise UsageError(
            f"'{number}' alone could mean minutes, days or a date. "
            f"Say which: {number}h, {number}d, {number} dec, in {number} days."
        )
    raise UsageError(f"I can't read that time. Try {EXAMPLES}.")


def check_moment(when: When, now: datetime, zone: ZoneInfo, what: str = "That time") -> None:
    """Refuse a moment in the past or beyond the limit, showing it as it was read."""
    if when.at <= now:
        raise UsageError(
            f"{what} has passed: I read {format_when(when.at, zone)}. Pick a later one."
        )
    if when.at - now > MAX_AHEAD:
        raise UsageError(
            f"{what} is more than 2 years ahead: I read {format_when(when.at, zone)}. "
            "Pick a nearer one."
        )


def question(kind: str, order: str, reading: Ambiguous, zone: ZoneInfo, now: datetime) -> Reply:
    """Which date is meant? One button per reading, carrying exactly what it will store."""
    code = kind[0] + ("d" if reading.day_first.date_only else "")
    actions = tuple(
        Action(PICK, (code, order, str(epoch(w.at))), format_when(w.at, zone, now))
        for w in (reading.day_first, reading.month_first)
    )
    lost = ""
    if reading.day_first.rest:
        lost = " The buttons do not keep the note: to keep it, type the date as 2026-12-05."
    return Reply(
        text=(
            "That date reads two ways: day first, "
            f"{format_when(reading.day_first.at, zone, now)}, or month first, "
            f"{format_when(reading.month_first.at, zone, now)}. Which one?{lost}"
        ),
        actions=actions,
        kind=ReplyKind.INFO,
        personal=True,
        footer="Or type it unambiguously: 27 dec, 2026-12-05 or 5.12.2026 (day first).",
    )


def decode_pick(args: tuple[str, ...], now: datetime) -> tuple[str, str, When]:
    """(command name, order, the reading) from a pressed button, every part range-checked;
    a UsageError for anything forged, stale or out of range."""
    expired = UsageError("This button has expired.")
    if len(args) != 3:
        raise expired
    code, order, stamp = args
    if code not in KINDS or not ORDER_RE.match(order) or not order.isascii():
        raise expired
    if not (stamp.isascii() and stamp.isdecimal()) or len(stamp) > 11:
        raise expired
    seconds = int(stamp)
    if seconds > epoch(now + MAX_AHEAD):
        raise expired
    command, date_only = KINDS[code]
    return command, order, When(datetime.fromtimestamp(seconds, UTC), "", date_only)
