"""/protection: when buyer protection ends, and reminders 5 and 2 days before."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.commands.catalog import BY_NAME
from bot.commands.context import (
    CommandContext,
    UsageError,
    check_text,
    format_span,
    format_time,
    info,
    parse_order,
    split_args,
)
from bot.commands.reminders import add_reminders, dm_chat, snooze_actions
from bot.model import Action, Reply, ReplyKind, Request
from bot.storage.base import Kind, NewReminder, Protection, Reminder, Replace
from bot.timeparse import MAX_AHEAD, parse_when

WARN_DAYS_BEFORE = (5, 2)


async def protection(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["protection"].usage + "  e.g. /protection 8123456789012345 2026-12-20"
    args = split_args(request, ("order", "ends"))
    order = parse_order(args["order"], usage)
    ends_text = check_text(args["ends"], "date", 100)
    if not ends_text:
        raise UsageError(f"When does it end? Usage: {usage}")
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    when = parse_when(ends_text, now, zone)
    if when is None or when.rest:
        raise UsageError("I can't read that date. Try 2026-12-20, 2026-12-20 18:00 or 15d.")
    ends = when.at
    if ends <= now:
        raise UsageError(f"That is already past ({format_time(ends, zone)}).")
    if ends - now > MAX_AHEAD:
        raise UsageError("That is more than 2 years ahead. Check the date on the order page.")
    warn_at = [(d, ends - timedelta(days=d)) for d in WARN_DAYS_BEFORE]
    future = [(d, at) for d, at in warn_at if at > now]
    warnings = [
        NewReminder(
            request.platform,
            request.user_id,
            dm_chat(request),
            Kind.PROTECTION,
            order,
            at,
            payload={"days_before": days, "ends_at": ends.isoformat()},
        )
        for days, at in future
    ]
    # the old warnings go, the end date and the new warnings come, or nothing changes
    await add_reminders(
        ctx,
        request,
        warnings,
        replace=Replace(order, Kind.PROTECTION),
        protection=Protection(order, ends),
    )
    if future:
        plan = " and ".join(f"{d} days before" for d, _ in future)
        tail = f"I'll remind you {plan}."
    else:
        tail = "That is under 2 days away: open a dispute now if the parcel has not come."
    return info(
        f"Buyer protection for order {order} ends {format_time(ends, zone)} "
        f"(in {format_span(ends - now)}). {tail}",
        footer="/reminders lists them.",
    )


def render_due(reminder: Reminder, zone: ZoneInfo, now: datetime, late_line: str) -> Reply:
    ends = datetime.fromisoformat(str(reminder.payload.get("ends_at")))
    return Reply(
        title="Buyer protection ends soon",
        text=(
            f"Buyer protection for order {reminder.order_no} ends {format_time(ends, zone)} "
            f"(in {format_span(ends - now)}). If the parcel has not come, open a dispute "
            "before then."
        ),
        actions=(
            Action("card", ("open-dispute",), "How to open a dispute"),
            *snooze_actions(reminder),
        ),
        kind=ReplyKind.REMINDER,
        personal=True,
        footer=late_line,
    )
