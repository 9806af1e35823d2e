"""/remind, /reminders, /cancel and the snooze button."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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
    format_time,
    info,
    parse_order,
    split_args,
)
from bot.model import Action, Reply, ReplyKind, Request, Section
from bot.storage.base import Kind, NewReminder, Reminder
from bot.timefmt import format_stored, format_when
from bot.timeparse import Ambiguous, When

SNOOZE = timedelta(days=1)
KIND_LABEL = {Kind.REMIND: "reminder", Kind.NUDGE: "seller nudge", Kind.PROTECTION: "protection"}


async def ensure_room(ctx: CommandContext, request: Request, adding: int = 1) -> None:
    pending = await ctx.store.count_pending(request.platform, request.user_id)
    if pending + adding > MAX_PENDING:
        raise UsageError(
            f"You have {pending} pending reminders (at most {MAX_PENDING}). "
            "Cancel some with /cancel <id> first."
        )


def dm_chat(request: Request) -> str | None:
    return request.chat_id if request.is_private else None


async def remind(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["remind"].usage + "  e.g. /remind 8123456789012345 3d check tracking"
    args = split_args(request, ("order", "rest"))
    order = parse_order(args["order"], usage)
    if request.options:
        when_text = str(request.options.get("when", "")).strip()
        note_text = str(request.options.get("note", "") or "").strip()
    else:
        when_text, note_text = args["rest"], ""
    if not when_text:
        raise UsageError(f"When? Usage: {usage}")
    check_text(when_text, "time", MAX_ARGS)
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    reading = await when.read(request, when_text, now, zone)
    if request.options and reading_rest(reading):
        raise UsageError("I can't read that time. Put the note in the note option.")
    note = check_text(note_text or reading_rest(reading), "note", MAX_NOTE)
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
    await ensure_room(ctx, request)
    saved = await ctx.store.add(
        NewReminder(
            request.platform,
            request.user_id,
            dm_chat(request),
            Kind.REMIND,
            order,
            at.at,
            note,
        )
    )
    ctx.wake_scheduler()
    what = f": {note}" if note else ""
    return info(
        f"OK, I'll remind you about order {order} on "
        f"{format_stored(at.at, zone, now, date_only=at.date_only)}{what}.",
        footer=f"Reminder {saved.id}. /reminders lists them, /cancel {saved.id} removes it.",
    )


def describe(reminder: Reminder, zone: ZoneInfo, now: datetime | None = None) -> str:
    label = KIND_LABEL[reminder.kind]
    note = f" ({reminder.note})" if reminder.note else ""
    shown = format_stored(reminder.due_at, zone, now) if now else format_when(reminder.due_at, zone)
    return f"{reminder.id}: order {reminder.order_no}, {label}{note}, {shown}"


async def list_reminders(ctx: CommandContext, request: Request) -> Reply:
    pending = await ctx.store.list_pending(request.platform, request.user_id)
    zone = await ctx.zone(request)
    now = ctx.clock.now()
    if not pending:
        return info("You have no pending reminders. Add one: /remind <order> <when> [note]")
    return info(
        f"You have {len(pending)} pending reminder(s):",
        sections=(Section("", items=tuple(describe(r, zone, now) for r in pending)),),
        footer="Cancel one: /cancel <id>",
    )


async def cancel(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["cancel"].usage
    raw = split_args(request, ("id",))["id"].strip().lstrip("#")
    if not raw:
        raise UsageError(f"Which one? Usage: {usage} (ids are in /reminders)")
    if not raw.isdecimal() or len(raw) > 12:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise UsageError(f"'{shown}' is not a reminder id. See /reminders for yours.")
    if not await ctx.store.cancel(request.platform, request.user_id, int(raw)):
        return error(f"You have no pending reminder {int(raw)}. See /reminders for yours.")
    ctx.wake_scheduler()
    return info(f"Reminder {int(raw)} cancelled.")


async def snooze(ctx: CommandContext, request: Request, reminder_id: str) -> Reply:
    if not reminder_id.isdecimal():
        return error("This button has expired.")
    at = ctx.clock.now() + SNOOZE
    moved = await ctx.store.snooze(request.platform, request.user_id, int(reminder_id), at)
    if moved is None:
        return error("That reminder is no longer yours to snooze (cancelled or deleted).")
    ctx.wake_scheduler()
    zone = await ctx.zone(request)
    return info(f"Snoozed: I'll remind you again on {format_time(at, zone)}.")


async def render_due(reminder: Reminder, zone: ZoneInfo, late_line: str) -> Reply:
    text = f"Reminder about order {reminder.order_no}"
    text += f": {reminder.note}" if reminder.note else "."
    return Reply(
        title="Order reminder",
        text=text,
        kind=ReplyKind.REMINDER,
        personal=True,
        actions=(Action("snooze", (str(reminder.id),), "Snooze 1 day"),),
        footer=late_line,
    )
