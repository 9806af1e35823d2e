"""What every command gets, and the argument checks they share."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import _, ngettext
from bot.model import Reply, ReplyKind, Request
from bot.storage.base import ReminderStore
from knowledge import Matcher

ORDER_RE = re.compile(r"[0-9]{6,30}")
MAX_NOTE = 200
MAX_PENDING = 50
MAX_ARGS = 1000
"""Longer argument text is refused outright."""


class UsageError(Exception):
    """Bad input: the message is shown to the user as is, in one line."""


@dataclass
class CommandContext:
    store: ReminderStore
    clock: Clock
    settings: Settings
    matcher: Matcher
    wake_scheduler: Callable[[], None]

    async def zone(self, request: Request) -> ZoneInfo:
        return await self.zone_of(request.platform, request.user_id)

    async def zone_of(self, platform: str, user_id: str) -> ZoneInfo:
        """The user's time zone (UTC until they set one)."""
        return zone_named((await self.store.get_prefs(platform, user_id)).timezone)


def zone_named(name: str) -> ZoneInfo:
    """The zone a stored preference names, UTC when it names none this machine knows."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def error(text: str) -> Reply:
    return Reply(text=text, kind=ReplyKind.ERROR, personal=True)


def info(text: str, **kwargs: object) -> Reply:
    kwargs.setdefault("personal", True)
    return Reply(text=text, kind=ReplyKind.INFO, **kwargs)  # type: ignore[arg-type]


def split_args(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    """Named arguments: from typed options (Discord) when given, else from the text.

    From text, every name but the last takes one word and the last takes the rest."""
    if request.options:
        return {n: str(request.options.get(n, "") or "").strip() for n in names}
    words = request.args.split()
    out: dict[str, str] = {}
    for i, name in enumerate(names):
        if i == len(names) - 1:
            out[name] = " ".join(words[i:])
        else:
            out[name] = words[i] if i < len(words) else ""
    return out


def check_text(text: str, what: str, limit: int) -> str:
    """Refuse control characters and oversize text; return it trimmed. ``what`` names the
    field for the user, translated (``_("Note")``)."""
    if len(text) > limit:
        raise UsageError(
            ngettext(
                "%(what)s: too long, %(count)s character (at most %(limit)s).",
                "%(what)s: too long, %(count)s characters (at most %(limit)s).",
                len(text),
            )
            % {"what": what, "count": len(text), "limit": limit}
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise UsageError(
            _("%(what)s: control characters are not allowed; please type plain text.")
            % {"what": what}
        )
    return text.strip()


def ascii_digits(text: str) -> str:
    """Decimal digits of any script (Arabic-Indic, Devanagari, full-width) as ASCII
    digits; every other character is kept as it is."""
    return "".join(
        str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch for ch in text
    )


def parse_order(raw: str, usage: str) -> str:
    """An order number as ASCII digits. Digits typed in another script are read as the
    same digits (``०१२३४५६७`` is ``01234567``); anything else is refused."""
    if not raw:
        raise UsageError(_("Which order? Usage: %(usage)s") % {"usage": usage})
    cleaned = ascii_digits(raw.strip().lstrip("#"))
    if ORDER_RE.fullmatch(cleaned) is None:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise UsageError(
            _("'%(text)s' is not an AliExpress order number (6 to 30 digits). Usage: %(usage)s")
            % {"text": shown, "usage": usage}
        )
    return cleaned


def format_time(when: datetime, zone: ZoneInfo) -> str:
    """``Sat 5 Dec 14:00 UTC``: short, in the user's zone."""
    local = when.astimezone(zone)
    name = "UTC" if zone.key == "UTC" else (local.tzname() or zone.key)
    return f"{local:%a} {local.day} {local:%b %H:%M} {name}"


def format_span(delta: timedelta) -> str:
    """``3d 4h``, ``45m``, ``20s``: the two largest units."""
    seconds = max(0, int(delta.total_seconds()))
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts) or "0s"
