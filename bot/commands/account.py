"""/timezone, /forgetme, /help and /start."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.commands.catalog import COMMANDS
from bot.commands.context import (
    CommandContext,
    UsageError,
    error,
    info,
    split_args,
)
from bot.model import Action, Reply, ReplyKind, Request, Section
from bot.timefmt import format_when

ZONE_ALIASES = {"utc": "UTC", "gmt": "UTC", "z": "UTC"}


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone by its lower-case name. Listing them reads the tz database from disk
    (tens of milliseconds), so it is done once per process, not on every /timezone."""
    return {name.lower(): name for name in available_timezones()}


async def timezone(ctx: CommandContext, request: Request) -> Reply:
    raw = split_args(request, ("zone",))["zone"].strip()
    if not raw:
        zone = await ctx.zone(request)
        now = ctx.clock.now()
        return info(
            f"Your time zone is {zone.key}; it is {format_when(now, zone, now)}.",
            footer="Change it: /timezone Europe/Warsaw (any IANA zone name)",
        )
    if len(raw) > 64 or not all(ch.isalnum() or ch in "/_+-" for ch in raw):
        raise UsageError("That is not a time zone name. Example: /timezone America/Sao_Paulo")
    name = ZONE_ALIASES.get(raw.lower()) or _zone_names().get(raw.lower())
    if name is None:
        raise UsageError(
            f"I don't know the zone '{raw}'. Use an IANA name like Europe/Berlin or Asia/Shanghai."
        )
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"I don't know the zone '{raw}'.") from None
    await ctx.store.set_timezone(request.platform, request.user_id, name)
    now = ctx.clock.now()
    return info(f"Time zone set to {name}. It is {format_when(now, zone, now)} there.")


async def forgetme(ctx: CommandContext, request: Request) -> Reply:
    arg = split_args(request, ("confirm",))["confirm"].strip().lower()
    if arg == "confirm":
        return await forget_confirmed(ctx, request)
    if arg:
        return error("Usage: /forgetme, then press Delete (or send /forgetme confirm).")
    return Reply(
        text=(
            "Delete everything I store about you: reminders, nudges, time zone? "
            "This cannot be undone."
        ),
        actions=(
            Action("forget_confirm", (), "Delete my data"),
            Action("forget_keep", (), "Keep it"),
        ),
        kind=ReplyKind.INFO,
        personal=True,
        footer="Or send /forgetme confirm",
    )


async def forget_confirmed(ctx: CommandContext, request: Request) -> Reply:
    removed = await ctx.store.forget_user(request.platform, request.user_id)
    ctx.wake_scheduler()
    if not removed:
        return info("I had nothing stored about you.")
    return info("Done: everything I stored about you is deleted.")


async def help_(ctx: CommandContext, request: Request) -> Reply:
    lines = tuple(f"{c.usage}: {c.summary}" for c in COMMANDS if c.name not in ("start",))
    return Reply(
        title="whybot",
        text=(
            "I explain AliExpress order statuses and remind you before deadlines. "
            "Try /why shipment cancelled."
        ),
        sections=(Section("Commands", items=lines),),
        kind=ReplyKind.INFO,
        personal=False,
        footer="Reminders come by private message. Times use your /timezone (default UTC).",
    )
