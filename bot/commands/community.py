"""/settings and /stats: what the moderators of a Discord server or a Telegram group may
see and change for their own community, and nothing of any other."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import i18n
from bot.commands.catalog import BY_NAME
from bot.commands.context import CommandContext, UsageError, check_text, info, split_args
from bot.i18n import N_, _
from bot.model import Reply, ReplyKind, Request, Section
from bot.storage.base import CommunitySettings, StatEvent

log = logging.getLogger(__name__)

STATS_DAYS = 30
STATS_CARDS = 10
SETTINGS = ("language", "timezone", "answers", "autoanswer")
NOT_IN_COMMUNITY = N_("Settings and statistics work in a server or group, not in a private chat.")
MODERATORS_ONLY = N_(
    "Only moderators can do that here (Discord: Manage Server; Telegram: group administrators)."
)


def require_moderator(request: Request) -> None:
    """Refuse (one line, nothing changed) outside a community or for a non-moderator."""
    if not request.community_id or request.is_private:
        raise UsageError(_(NOT_IN_COMMUNITY))
    if not request.is_moderator:
        raise UsageError(_(MODERATORS_ONLY))


def _shown(settings: CommunitySettings, channel: str) -> Reply:
    none = _("not set")
    answers = _("compact") if settings.compact else _("full")
    here = _("on") if channel in settings.channels else _("off")
    lines = [
        _("Language: %(value)s") % {"value": settings.language or none},
        _("Default time zone: %(value)s") % {"value": settings.timezone or none},
        _("Public answers: %(value)s") % {"value": answers},
        _("Auto-answer here: %(value)s (channels: %(count)s)")
        % {"value": here, "count": len(settings.channels)},
    ]
    return info(
        "\n".join(lines),
        title=_("Community settings"),
        footer=_(
            "Change: /settings language de, timezone Europe/Warsaw, "
            "answers compact or full, autoanswer on or off"
        ),
    )


def _parse(name: str, raw: str, settings: CommunitySettings, channel: str) -> CommunitySettings:
    value = raw.strip()
    word = value.lower()
    if name == "language":
        lang = i18n.parse_choice(value) if value and len(value) <= 40 else None
        if lang is None:
            raise UsageError(
                _("'%(text)s' is not a language I speak (%(languages)s, or auto).")
                % {"text": value[:40], "languages": ", ".join(i18n.LANGUAGES)}
            )
        return replace(settings, language=lang)
    if name == "timezone":
        if word in ("none", "auto", "-"):
            return replace(settings, timezone="")
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(
                _("'%(text)s' is not a time zone; try Europe/Warsaw, or none.")
                % {"text": value[:40]}
            ) from None
        return replace(settings, timezone=value)
    if name == "answers":
        if word not in ("compact", "full"):
            raise UsageError(_("Public answers are compact or full."))
        return replace(settings, compact=word == "compact")
    if word not in ("on", "off"):
        raise UsageError(_("Auto-answer is on or off."))
    channels = set(settings.channels)
    if word == "on":
        channels.add(channel)
    else:
        channels.discard(channel)
    return replace(settings, channels=frozenset(channels))


async def settings_command(ctx: CommandContext, request: Request) -> Reply:
    """/settings shows the community's settings; /settings NAME VALUE changes one."""
    require_moderator(request)
    args = split_args(request, ("setting", "value"))
    name = args["setting"].strip().lower()
    raw = check_text(args["value"], _("Value"), 100)
    current = await ctx.store.get_community(request.platform, request.community_id)
    if not name:
        return _shown(current, request.chat_id)
    if name not in SETTINGS:
        raise UsageError(
            _("Unknown setting '%(text)s'. Usage: %(usage)s")
            % {"text": name[:40], "usage": BY_NAME["settings"].usage}
        )
    changed = _parse(name, raw, current, request.chat_id)
    await ctx.store.set_community(request.platform, request.community_id, changed)
    shown = raw.strip() or "-"
    # Every change is logged: who, where, what (ids only, no names).
    log.info(
        "settings: %s community %s: %s = %r by user %s (channel %s)",
        request.platform,
        request.community_id,
        name,
        shown,
        request.user_id,
        request.chat_id,
    )
    return info(_("Saved: %(setting)s is now %(value)s.") % {"setting": name, "value": shown})


async def turn_off_here(ctx: CommandContext, request: Request) -> Reply:
    """The "Stop here" button: a moderator turns auto-answer off in this channel."""
    require_moderator(request)
    current = await ctx.store.get_community(request.platform, request.community_id)
    changed = _parse("autoanswer", "off", current, request.chat_id)
    await ctx.store.set_community(request.platform, request.community_id, changed)
    log.info(
        "settings: %s community %s: autoanswer = 'off' by user %s (channel %s, Stop here)",
        request.platform,
        request.community_id,
        request.user_id,
        request.chat_id,
    )
    return info(_("Auto-answer is off in this channel now."))


async def stats_command(ctx: CommandContext, request: Request) -> Reply:
    """/stats: answers per card in this community over the last 30 days."""
    require_moderator(request)
    since = (ctx.clock.now() - timedelta(days=STATS_DAYS)).date().isoformat()
    rows = await ctx.store.stats(request.platform, request.community_id, since)
    per_card: dict[str, dict[StatEvent, int]] = defaultdict(lambda: defaultdict(int))
    per_language: dict[str, int] = defaultdict(int)
    for row in rows:
        per_card[row.card_id][row.event] += row.count
        if row.event in (StatEvent.ANSWER, StatEvent.AUTO):
            per_language[row.language] += row.count
    unanswered = await ctx.store.list_unanswered(request.platform, request.community_id, 1000)

    def answered(counts: dict[StatEvent, int]) -> int:
        return counts[StatEvent.ANSWER] + counts[StatEvent.AUTO]

    ranked = sorted(per_card.items(), key=lambda kv: (-answered(kv[1]), kv[0]))
    items = tuple(
        _(
            "%(card)s: %(answers)s answers (%(auto)s on their own), %(helpful)s helpful, "
            "%(unhelpful)s not helpful"
        )
        % {
            "card": card_id,
            "answers": answered(counts),
            "auto": counts[StatEvent.AUTO],
            "helpful": counts[StatEvent.HELPFUL],
            "unhelpful": counts[StatEvent.NOT_HELPFUL],
        }
        for card_id, counts in ranked[:STATS_CARDS]
    )
    languages = ", ".join(f"{lang} {n}" for lang, n in sorted(per_language.items()))
    sections = [Section(_("Cards"), items=items)] if items else []
    return Reply(
        title=_("Answers in the last %(days)s days") % {"days": STATS_DAYS},
        text=_("No answers yet.") if not items else languages,
        sections=tuple(sections),
        footer=_("Questions I could not answer: %(count)s") % {"count": len(unanswered)},
        kind=ReplyKind.INFO,
        personal=True,
    )
