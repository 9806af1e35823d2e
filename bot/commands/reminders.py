"""/remind, /reminders, /cancel and the snooze button."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.commands.catalog import BY_NAME
from bot.commands.context import (
    MAX_ARGS,
    MAX_NOTE,
    MAX_PENDING,
    CommandContext,
    UsageError,
    check_text,
    error,
    format_span,
    format_time,
    info,
    parse_order,
    split_args,
)
from bot.model import Action, Reply, ReplyKind, Request, Section
from bot.storage.base import Kind, NewReminder, Reminder
from bot.timeparse import MAX_AHEAD, parse_when

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
    when = parse_when(when_text, now, zone)
    if when is None:
        raise UsageError(
            "I can't read that time. Try 30m, 3h, 2d, 1d12h, in 3 days, tomorrow 9:00 or "
            "2026-12-05 14:00."
        )
    if request.options and when.rest:
        raise UsageError("I can't read that time. Put the note in the note option.")
    note = check_text(note_text or when.rest, "note", MAX_NOTE)
    if when.at <= now:
        raise UsageError(f"That time has passed ({format_time(when.at, zone)}). Pick a later one.")
    if when.at - now > MAX_AHEAD:
        raise UsageError("That is more than 2 years ahead. Pick a nearer time.")
    await ensure_room(ctx, request)
    saved = await ctx.store.add(
        NewReminder(
            request.platform,
            request.user_id,
            dm_chat(request),
            Kind.REMIND,
            order,
            when.at,
            note,
        )
    )
    ctx.wake_scheduler()
    what = f": {note}" if note else ""
    return info(
        f"OK, I'll remind you about order {order} on {format_time(when.at, zone)} "
        f"(in {format_span(when.at - now)}){what}.",
        footer=f"Reminder {saved.id}. /reminders lists them, /cancel {saved.id} removes it.",
    )


def describe(reminder: Reminder, zone: ZoneInfo) -> str:
    label = KIND_LABEL[reminder.kind]
    note = f" ({reminder.note})" if reminder.note else ""
    return (
        f"{reminder.id}: order {reminder.order_no}, {label}{note}, "
        f"{format_time(reminder.due_at, zone)}"
    )


async def list_reminders(ctx: CommandContext, request: Request) -> Reply:
    pending = await ctx.store.list_pending(request.platform, request.user_id)
    zone = await ctx.zone(request)
    if not pending:
        return info("You have no pending reminders. Add one: /remind <order> <when> [note]")
    return info(
        f"You have {len(pending)} pending reminder(s):",
        sections=(Section("", items=tuple(describe(r, zone) for r in pending)),),
        footer="Cancel one: /cancel <id>",
    )


async def cancel(ctx: CommandContext, request: Request) -> Reply:
    usage = BY_NAME["cancel"].usage
    raw = split_args(request, ("id",))["id"].strip().lstrip("#")
    if not raw:
        raise UsageError(f"Which one? Usage: {usage} (ids are in /reminders)")
    if not (raw.isascii() and raw.isdecimal()) or len(raw) > 12:
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
