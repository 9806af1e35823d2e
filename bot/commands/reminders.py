"""/remind, /reminders, /cancel, /reschedule and the snooze buttons."""

from __future__ import annotations

from dataclasses import replace as with_fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.commands import when
from bot.commands.catalog import BY_NAME
from bot.commands.context import (
    MAX_ARGS,
    MAX_NOTE,
    MAX_PENDING,
    CommandContext,
    UsageError,
    check_text,
    error,
    info,
    parse_order,
    split_args,
)
from bot.i18n import N_, _, ngettext
from bot.model import Action, Reply, ReplyKind, Request, Section
from bot.storage.base import (
    AddResult,
    Kind,
    NewReminder,
    Protection,
    Reminder,
    Replace,
    TooManyPending,
)
from bot.timefmt import format_stored, format_when
from bot.timeparse import Ambiguous, When

SNOOZE_CHOICES: dict[str, tuple[timedelta, str]] = {
    "1h": (timedelta(hours=1), N_("Snooze 1 hour")),
    "1d": (timedelta(days=1), N_("Snooze 1 day")),
    "3d": (timedelta(days=3), N_("Snooze 3 days")),
}
"""The snooze buttons under every delivered reminder: action ``snooze:<id>:<choice>``."""
OLD_SNOOZE = "1d"
"""What a button from before the choices (``snooze:<id>``) means."""
MAX_ID_DIGITS = 12
"""Reminder ids are at most this long, far inside SQLite's 64-bit integers."""
KIND_LABEL = {
    Kind.REMIND: N_("reminder"),
    Kind.NUDGE: N_("seller nudge"),
    Kind.PROTECTION: N_("protection"),
}


def parse_id(raw: str) -> int | None:
    """A reminder id from a button or a command: ASCII digits, at most 12, not 0."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_ID_DIGITS:
        return None
    value = int(raw)
    return value or None


def snooze_actions(reminder: Reminder) -> tuple[Action, ...]:
    return tuple(
        Action("snooze", (str(reminder.id), choice), _(label))
        for choice, (_span, label) in SNOOZE_CHOICES.items()
    )


async def add_reminders(
    ctx: CommandContext,
    request: Request,
    reminders: list[NewReminder],
    *,
    replace: Replace | None = None,
    protection: Protection | None = None,
) -> AddResult:
    """Add a command's reminders, replacing and recording what it says, all at once and
    within the cap on pending reminders; past the cap nothing changes. Each remembers the
    language it was asked in (``payload["lang"]``) for when it is delivered."""
    lang = i18n.current()
    reminders = [with_fields(r, payload={**r.payload, "lang": lang}) for r in reminders]
    try:
        result = await ctx.store.add_many(
            request.platform,
            request.user_id,
            reminders,
            cap=MAX_PENDING,
            replace=replace,
            protection=protection,
        )
    except TooManyPending as exc:
        raise UsageError(
            ngettext(
                "You have %(count)s pending reminder (at most %(cap)s). "
                "Cancel some with /cancel <id> first.",
                "You have %(count)s pending reminders (at most %(cap)s). "
                "Cancel some with /cancel <id> first.",
                exc.pending,
            )
            % {"count": exc.pending, "cap": exc.cap}
        ) from None
    ctx.wake_scheduler()
    return result


def dm_chat(request: Request) -> str | None:
    return request.chat_id if request.is_private else None


async def remind(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["remind"].usage + "  " + _("e.g. /remind 8123456789012345 3d check tracking")
    args = split_args(request, ("order", "rest"))
    order = parse_order(args["order"], usage)
    if request.options:
        when_text = str(request.options.get("when", "")).strip()
        note_text = str(request.options.get("note", "") or "").strip()
    else:
        when_text, note_text = args["rest"], ""
    if not when_text:
        raise UsageError(_("When? Usage: %(usage)s") % {"usage": usage})
    check_text(when_text, _("Time"), MAX_ARGS)
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    reading = await when.read(request, when_text, now, zone)
    if request.options and reading_rest(reading):
        raise UsageError(_("I can't read that time. Put the note in the note option."))
    note = check_text(note_text or reading_rest(reading), _("Note"), MAX_NOTE)
    if isinstance(reading, Ambiguous):
        return when.question("remind", order, reading, zone, now)
    return await remind_at(ctx, request, order, reading, note)


def reading_rest(reading: Ambiguous | When) -> str:
    return reading.day_first.rest if isinstance(reading, Ambiguous) else reading.rest


async def remind_at(
    ctx: CommandContext, request: Request, order: str, at: When, note: str
) -> Reply:
    """Store a reminder at exactly ``at`` (from /remind or a pressed date button)."""
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    when.check_moment(at, now, zone)
    new = NewReminder(
        request.platform, request.user_id, dm_chat(request), Kind.REMIND, order, at.at, note
    )
    (saved,) = (await add_reminders(ctx, request, [new])).added
    shown = format_stored(at.at, zone, now, i18n.babel_locale(), date_only=at.date_only)
    if note:
        text = _("OK, I'll remind you about order %(order)s on %(when)s: %(note)s.") % {
            "order": order,
            "when": shown,
            "note": note,
        }
    else:
        text = _("OK, I'll remind you about order %(order)s on %(when)s.") % {
            "order": order,
            "when": shown,
        }
    return info(
        text,
        footer=_("Reminder %(id)s. /reminders lists them, /cancel %(id)s removes it.")
        % {"id": saved.id},
    )


def describe(reminder: Reminder, zone: ZoneInfo, now: datetime | None = None) -> str:
    label = _(KIND_LABEL[reminder.kind])
    if reminder.note:
        label = f"{label} ({reminder.note})"
    locale = i18n.babel_locale()
    shown = (
        format_stored(reminder.due_at, zone, now, locale)
        if now
        else format_when(reminder.due_at, zone, locale=locale)
    )
    return _("%(id)s: order %(order)s, %(kind)s, %(when)s") % {
        "id": reminder.id,
        "order": reminder.order_no,
        "kind": label,
        "when": shown,
    }


async def list_reminders(ctx: CommandContext, request: Request) -> Reply:
    pending = await ctx.store.list_pending(request.platform, request.user_id)
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    if not pending:
        return info(
            _("You have no pending reminders. Add one: %(usage)s")
            % {"usage": BY_NAME["remind"].usage}
        )
    return info(
        ngettext(
            "You have %(count)s pending reminder:",
            "You have %(count)s pending reminders:",
            len(pending),
        )
        % {"count": len(pending)},
        sections=(Section("", items=tuple(describe(r, zone, now) for r in pending)),),
        footer=_("Cancel one: /cancel <id>"),
    )


def read_id(raw: str, usage: str) -> int:
    raw = raw.strip().lstrip("#")
    if not raw:
        raise UsageError(
            _("Which one? Usage: %(usage)s (ids are in /reminders)") % {"usage": usage}
        )
    reminder_id = parse_id(raw)
    if reminder_id is None:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise UsageError(
            _("'%(text)s' is not a reminder id. See /reminders for yours.") % {"text": shown}
        )
    return reminder_id


async def cancel(ctx: CommandContext, request: Request) -> Reply:
    reminder_id = read_id(split_args(request, ("id",))["id"], BY_NAME["cancel"].usage)
    if not await ctx.store.cancel(request.platform, request.user_id, reminder_id):
        return error(
            _("You have no pending reminder %(id)s. See /reminders for yours.")
            % {"id": reminder_id}
        )
    ctx.wake_scheduler()
    return info(_("Reminder %(id)s cancelled.") % {"id": reminder_id})


async def reschedule(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["reschedule"].usage + "  " + _("e.g. /reschedule 12 tomorrow 9:00")
    args = split_args(request, ("id", "when"))
    reminder_id = read_id(args["id"], usage)
    when_text = check_text(args["when"], _("Time"), MAX_ARGS)
    if not when_text:
        raise UsageError(_("To when? Usage: %(usage)s") % {"usage": usage})
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    reading = await when.read(request, when_text, now, zone)
    if isinstance(reading, Ambiguous):
        raise UsageError(
            _(
                "That date reads two ways (day or month first). "
                "Write it as 27 dec, 2026-12-05 or 5.12.2026 (day first)."
            )
        )
    if reading.rest:
        raise UsageError(
            _("I can't read that time. Try %(examples)s.") % {"examples": _(when.EXAMPLES)}
        )
    when.check_moment(reading, now, zone)
    moved = await ctx.store.move(request.platform, request.user_id, reminder_id, reading.at)
    if moved is None:
        return error(
            _("You have no pending or sent reminder %(id)s. See /reminders for yours.")
            % {"id": reminder_id}
        )
    ctx.wake_scheduler()
    shown = format_stored(reading.at, zone, now, i18n.babel_locale(), date_only=reading.date_only)
    return info(
        _("Reminder %(id)s (order %(order)s) moved to %(when)s.")
        % {"id": reminder_id, "order": moved.order_no, "when": shown}
    )


async def snooze(
    ctx: CommandContext, request: Request, raw_id: str, choice: str = OLD_SNOOZE
) -> Reply:
    reminder_id = parse_id(raw_id)
    if reminder_id is None or choice not in SNOOZE_CHOICES:
        return error(_("This button has expired."))
    at = ctx.clock.now() + SNOOZE_CHOICES[choice][0]
    moved = await ctx.store.move(request.platform, request.user_id, reminder_id, at)
    if moved is None:
        return error(_("That reminder is no longer yours to snooze (cancelled or deleted)."))
    ctx.wake_scheduler()
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    return info(
        _("Snoozed: I'll remind you again on %(when)s.")
        % {"when": format_stored(at, zone, now, i18n.babel_locale())}
    )


async def render_due(reminder: Reminder, zone: ZoneInfo, late_line: str) -> Reply:
    if reminder.note:
        text = _("Reminder about order %(order)s: %(note)s") % {
            "order": reminder.order_no,
            "note": reminder.note,
        }
    else:
        text = _("Reminder about order %(order)s.") % {"order": reminder.order_no}
    return Reply(
        title=_("Order reminder"),
        text=text,
        kind=ReplyKind.REMINDER,
        personal=True,
        actions=snooze_actions(reminder),
        footer=late_line,
    )
