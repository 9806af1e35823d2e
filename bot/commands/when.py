"""Reading the time a command was given, refusing what cannot be meant, and the question
with one button per reading when a date reads both ways (``12/05``)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import i18n
from bot.commands.context import ORDER_RE, UsageError
from bot.i18n import N_, _
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
EXAMPLES = N_("30m, 3h, 1h30m, in 2 days, tomorrow 9:00, friday 6pm, 27 dec, 2026-12-05 14:00")


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
            _(
                "'%(number)s' alone could mean minutes, days or a date. "
                "Say which: %(number)sh, %(number)sd, %(number)s dec, in %(number)s days."
            )
            % {"number": number}
        )
    raise UsageError(_("I can't read that time. Try %(examples)s.") % {"examples": _(EXAMPLES)})


def check_moment(when: When, now: datetime, zone: ZoneInfo, *, end_date: bool = False) -> None:
    """Refuse a moment in the past or beyond the limit, showing it as it was read."""
    shown = {"when": format_when(when.at, zone, locale=i18n.babel_locale())}
    if when.at <= now:
        raise UsageError(
            (
                _("That end date has passed: I read %(when)s. Pick a later one.")
                if end_date
                else _("That time has passed: I read %(when)s. Pick a later one.")
            )
            % shown
        )
    if when.at - now > MAX_AHEAD:
        raise UsageError(
            (
                _("That end date is more than 2 years ahead: I read %(when)s. Pick a nearer one.")
                if end_date
                else _("That time is more than 2 years ahead: I read %(when)s. Pick a nearer one.")
            )
            % shown
        )


def question(kind: str, order: str, reading: Ambiguous, zone: ZoneInfo, now: datetime) -> Reply:
    """Which date is meant? One button per reading, carrying exactly what it will store."""
    code = kind[0] + ("d" if reading.day_first.date_only else "")
    locale = i18n.babel_locale()
    actions = tuple(
        Action(PICK, (code, order, str(epoch(w.at))), format_when(w.at, zone, now, locale))
        for w in (reading.day_first, reading.month_first)
    )
    text = _(
        "That date reads two ways: day first, %(day_first)s, or month first, "
        "%(month_first)s. Which one?"
    ) % {
        "day_first": format_when(reading.day_first.at, zone, now, locale),
        "month_first": format_when(reading.month_first.at, zone, now, locale),
    }
    if reading.day_first.rest:
        text += " " + _(
            "The buttons do not keep the note: to keep it, type the date as 2026-12-05."
        )
    return Reply(
        text=text,
        actions=actions,
        kind=ReplyKind.INFO,
        personal=True,
        footer=_("Or type it unambiguously: 27 dec, 2026-12-05 or 5.12.2026 (day first)."),
    )


def decode_pick(args: tuple[str, ...], now: datetime) -> tuple[str, str, When]:
    """(command name, order, the reading) from a pressed button, every part range-checked;
    a UsageError for anything forged, stale or out of range."""
    expired = UsageError(_("This button has expired."))
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
