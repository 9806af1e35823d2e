"""/timezone, /language, /forgetme, /help and /start."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import i18n
from bot.commands.catalog import COMMANDS
from bot.commands.context import (
    CommandContext,
    UsageError,
    error,
    info,
    split_args,
)
from bot.i18n import _
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
            _("Your time zone is %(zone)s; it is %(now)s.")
            % {"zone": zone.key, "now": format_when(now, zone, now, i18n.babel_locale())},
            footer=_("Change it: /timezone Europe/Warsaw (any IANA zone name)"),
        )
    if len(raw) > 64 or not all(ch.isalnum() or ch in "/_+-" for ch in raw):
        raise UsageError(_("That is not a time zone name. Example: /timezone America/Sao_Paulo"))
    name = ZONE_ALIASES.get(raw.lower()) or _zone_names().get(raw.lower())
    if name is None:
        raise UsageError(
            _(
                "I don't know the zone '%(zone)s'. Use an IANA name like Europe/Berlin "
                "or Asia/Shanghai."
            )
            % {"zone": raw}
        )
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(_("I don't know the zone '%(zone)s'.") % {"zone": raw}) from None
    await ctx.store.set_timezone(request.platform, request.user_id, name)
    now = ctx.clock.now()
    return info(
        _("Time zone set to %(zone)s. It is %(now)s there.")
        % {"zone": name, "now": format_when(now, zone, now, i18n.babel_locale())}
    )


def _language_list() -> str:
    return ", ".join(f"{code} ({name})" for code, name in i18n.NAMES.items())


async def language(ctx: CommandContext, request: Request) -> Reply:
    """/language shows the language and the choices; /language <code or name> sets it,
    /language auto clears the choice."""
    raw = split_args(request, ("language",))["language"].strip()
    prefs = await ctx.store.get_prefs(request.platform, request.user_id)
    if not raw:
        current = i18n.current()
        if prefs.language:
            text = _("I answer you in %(language)s (your choice).")
        else:
            text = _("I answer you in %(language)s (from your app or question).")
        return info(
            text % {"language": i18n.NAMES[current]},
            sections=(Section(_("Languages"), text=_language_list()),),
            footer=_("Change it: /language de (or a name, e.g. deutsch); /language auto"),
        )
    choice = i18n.parse_choice(raw) if len(raw) <= 40 else None
    if choice is None:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise UsageError(
            _("I don't know the language '%(text)s'. Try one of: %(codes)s, auto.")
            % {"text": shown, "codes": ", ".join(i18n.NAMES)}
        )
    await ctx.store.set_language(request.platform, request.user_id, choice)
    if not choice:
        lang = i18n.resolve("", None, request.language)
        with i18n.using(lang):
            return info(_("OK: I'll answer in the language of your app or your question."))
    with i18n.using(choice):
        return info(_("OK: I'll answer you in %(language)s.") % {"language": i18n.NAMES[choice]})


async def forgetme(ctx: CommandContext, request: Request) -> Reply:
    arg = split_args(request, ("confirm",))["confirm"].strip().lower()
    if arg == "confirm":
        return await forget_confirmed(ctx, request)
    if arg:
        return error(_("Usage: /forgetme, then press Delete (or send /forgetme confirm)."))
    return Reply(
        text=_(
            "Delete everything I store about you: reminders, nudges, time zone, language? "
            "This cannot be undone."
        ),
        actions=(
            Action("forget_confirm", (), _("Delete my data")),
            Action("forget_keep", (), _("Keep it")),
        ),
        kind=ReplyKind.INFO,
        personal=True,
        footer=_("Or send /forgetme confirm"),
    )


async def forget_confirmed(ctx: CommandContext, request: Request) -> Reply:
    removed = await ctx.store.forget_user(request.platform, request.user_id)
    ctx.wake_scheduler()
    if not removed:
        return info(_("I had nothing stored about you."))
    return info(_("Done: everything I stored about you is deleted."))


async def help_(ctx: CommandContext, request: Request) -> Reply:
    lines = tuple(f"{c.usage}: {c.shown_summary}" for c in COMMANDS if c.name not in ("start",))
    return Reply(
        title="whybot",
        text=_(
            "I explain AliExpress order statuses and remind you before deadlines. "
            "Try /why shipment cancelled."
        ),
        sections=(Section(_("Commands"), items=lines),),
        kind=ReplyKind.INFO,
        personal=False,
        footer=_(
            "Reminders come by private message. Times use your /timezone (default UTC), "
            "replies your /language."
        ),
    )
