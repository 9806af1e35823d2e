"""/protection: when buyer protection ends, and reminders 5 and 2 days before."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.commands import when
from bot.commands.catalog import BY_NAME
from bot.commands.context import (
    CommandContext,
    UsageError,
    check_text,
    info,
    parse_order,
    split_args,
)
from bot.commands.reminders import add_reminders, dm_chat, snooze_actions
from bot.i18n import _, ngettext
from bot.model import Action, Reply, ReplyKind, Request
from bot.storage.base import Kind, NewReminder, Protection, Reminder, Replace
from bot.timefmt import format_stored, format_when
from bot.timeparse import Ambiguous, When

WARN_DAYS_BEFORE = (5, 2)


async def protection(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["protection"].usage + "  " + _("e.g. /protection 8123456789012345 27 dec")
    args = split_args(request, ("order", "ends"))
    order = parse_order(args["order"], usage)
    ends_text = check_text(args["ends"], _("Date"), 100)
    if not ends_text:
        raise UsageError(_("When does it end? Usage: %(usage)s") % {"usage": usage})
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    reading = await when.read(request, ends_text, now, zone)
    if isinstance(reading, Ambiguous):
        if reading.day_first.rest:
            raise UsageError(_("I can't read that date. Try 27 dec, 2026-12-20 18:00 or 15d."))
        return when.question("protection", order, reading, zone, now)
    if reading.rest:
        raise UsageError(_("I can't read that date. Try 27 dec, 2026-12-20 18:00 or 15d."))
    return await protect_until(ctx, request, order, reading)


async def protect_until(ctx: CommandContext, request: Request, order: str, ends: When) -> Reply:
    """Store that protection for ``order`` ends exactly at ``ends`` (from /protection or a
    pressed date button), replacing earlier warnings."""
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    when.check_moment(ends, now, zone, end_date=True)
    warn_at = [(d, ends.at - timedelta(days=d)) for d in WARN_DAYS_BEFORE]
    future = [(d, at) for d, at in warn_at if at > now]
    warnings = [
        NewReminder(
            request.platform,
            request.user_id,
            dm_chat(request),
            Kind.PROTECTION,
            order,
            at,
            payload={"days_before": days, "ends_at": ends.at.isoformat()},
        )
        for days, at in future
    ]
    # the old warnings go, the end date and the new warnings come, or nothing changes
    await add_reminders(
        ctx,
        request,
        warnings,
        replace=Replace(order, Kind.PROTECTION),
        protection=Protection(order, ends.at),
    )
    locale = i18n.babel_locale()
    if future:
        plan = [
            ngettext("%(count)s day before (%(when)s)", "%(count)s days before (%(when)s)", d)
            % {"count": d, "when": format_when(at, zone, now, locale)}
            for d, at in future
        ]
        tail = (
            _("I'll remind you %(first)s and %(second)s.") % {"first": plan[0], "second": plan[1]}
            if len(plan) == 2
            else _("I'll remind you %(first)s.") % {"first": plan[0]}
        )
    else:
        tail = _("That is under 2 days away: open a dispute now if the parcel has not come.")
    shown = format_stored(ends.at, zone, now, locale, date_only=ends.date_only)
    return info(
        _("Buyer protection for order %(order)s ends %(when)s.") % {"order": order, "when": shown}
        + " "
        + tail,
        footer=_("/reminders lists them."),
    )


def render_due(reminder: Reminder, zone: ZoneInfo, now: datetime, late_line: str) -> Reply:
    ends = datetime.fromisoformat(str(reminder.payload.get("ends_at")))
    return Reply(
        title=_("Buyer protection ends soon"),
        text=_(
            "Buyer protection for order %(order)s ends %(when)s. If the parcel has not "
            "come, open a dispute before then."
        )
        % {"order": reminder.order_no, "when": format_stored(ends, zone, now, i18n.babel_locale())},
        actions=(
            Action("card", ("open-dispute",), _("How to open a dispute")),
            *snooze_actions(reminder),
        ),
        kind=ReplyKind.REMINDER,
        personal=True,
        footer=late_line,
    )
