"""/contacted, /replied and the nudge to open a dispute when the seller stays silent."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.commands.catalog import BY_NAME
from bot.commands.context import (
    CommandContext,
    UsageError,
    error,
    info,
    parse_order,
    split_args,
)
from bot.commands.reminders import add_reminders, dm_chat, snooze_actions
from bot.i18n import _
from bot.model import Action, Reply, ReplyKind, Request, Section
from bot.storage.base import Kind, NewReminder, Reminder, Replace
from bot.timefmt import format_relative, format_stored
from bot.timeparse import parse_duration
from knowledge import Matcher

MAX_WINDOW = timedelta(days=30)
MIN_WINDOW = timedelta(minutes=1)
DISPUTE_CARD = "open-dispute"


async def contacted(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["contacted"].usage + "  " + _("e.g. /contacted 8123456789012345 48h")
    args = split_args(request, ("order", "window"))
    order = parse_order(args["order"], usage)
    window = ctx.settings.seller_window
    if args["window"]:
        parsed = parse_duration(args["window"])
        if parsed is None:
            shown = args["window"][:30]
            raise UsageError(
                _("'%(text)s' is not a duration like 48h, 2d or 1d12h. Usage: %(usage)s")
                % {"text": shown, "usage": usage}
            )
        if not MIN_WINDOW <= parsed <= MAX_WINDOW:
            raise UsageError(_("The window must be between 1 minute and 30 days."))
        window = parsed
    now = ctx.clock.now()
    nudge = NewReminder(
        request.platform,
        request.user_id,
        dm_chat(request),
        Kind.NUDGE,
        order,
        now + window,
        payload={"contacted_at": now.isoformat()},
    )
    added = await add_reminders(ctx, request, [nudge], replace=Replace(order, Kind.NUDGE))
    replaced = added.replaced
    zone = await ctx.zone(request)
    deadline = format_stored(now + window, zone, now, i18n.babel_locale())
    if replaced:
        text = _(
            "Noted (restarted the clock). If the seller hasn't answered by %(when)s, "
            "I'll tell you to open a dispute."
        )
    else:
        text = _(
            "Noted. If the seller hasn't answered by %(when)s, I'll tell you to open a dispute."
        )
    return info(
        text % {"when": deadline},
        footer=_("Seller answered? /replied %(order)s") % {"order": order},
    )


async def replied(ctx: CommandContext, request: Request, order: str | None = None) -> Reply:
    usage = BY_NAME["replied"].usage
    if order is None:
        order = parse_order(split_args(request, ("order",))["order"], usage)
    cancelled = await ctx.store.cancel_for_order(
        request.platform, request.user_id, order, Kind.NUDGE
    )
    if not cancelled:
        return error(_("No seller nudge is pending for order %(order)s.") % {"order": order})
    ctx.wake_scheduler()
    return info(_("Good news. I won't nudge you about order %(order)s.") % {"order": order})


async def disputed(ctx: CommandContext, request: Request, order: str) -> Reply:
    await ctx.store.cancel_for_order(request.platform, request.user_id, order, Kind.NUDGE)
    ctx.wake_scheduler()
    return info(
        _(
            "Dispute opened for order %(order)s. The seller usually has about 5 days to "
            "respond; answer any offer within 2 days, or escalate to AliExpress if you "
            "can't agree."
        )
        % {"order": order},
        footer=_("Want a check-in? /remind %(order)s 5d check the dispute") % {"order": order},
    )


def render_nudge(
    reminder: Reminder,
    zone: ZoneInfo,
    matcher: Matcher,
    now: datetime,
    protection_ends: datetime | None,
    late_line: str,
) -> Reply:
    contacted_at = datetime.fromisoformat(
        str(reminder.payload.get("contacted_at", reminder.created_at.isoformat()))
    )
    locale = i18n.babel_locale()
    sections: list[Section] = []
    card = matcher.cards.get(DISPUTE_CARD)
    if card is not None:
        steps = card.text(i18n.current()).steps
        sections.append(Section(_("How to open a dispute"), items=steps, numbered=True))
    if protection_ends is not None:
        when = format_stored(protection_ends, zone, now, locale)
        text = (
            _("Buyer protection ends %(when)s. Open the dispute before then.")
            if protection_ends > now
            else _(
                "Buyer protection ended %(when)s; check the order page for what is still possible."
            )
        ) % {"when": when}
        sections.append(Section(_("Deadline"), text=text))
    return Reply(
        title=_("Time to open a dispute"),
        text=_(
            "You contacted the seller about order %(order)s %(ago)s and got no answer. "
            "Open a dispute now, before buyer protection runs out."
        )
        % {"order": reminder.order_no, "ago": format_relative(contacted_at, now, locale)},
        sections=tuple(sections),
        actions=(
            Action("replied", (reminder.order_no,), _("Seller replied")),
            *snooze_actions(reminder),
            Action("disputed", (reminder.order_no,), _("Dispute opened")),
        ),
        kind=ReplyKind.REMINDER,
        personal=True,
        footer=late_line,
    )
