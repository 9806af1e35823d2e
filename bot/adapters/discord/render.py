"""Reply -> Discord message: plain content or an embed, and buttons. Every piece of text
from a reply is made inert here (no markdown, no mention pings)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

import discord

from bot import actions
from bot.model import Action, Reply, ReplyKind, Section

log = logging.getLogger(__package__)  # one logger for the whole adapter

NO_MENTIONS = discord.AllowedMentions.none()

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000
MAX_BUTTONS = 25  # 5 rows of 5
MAX_LABEL = 80

_COLORS = {
    ReplyKind.CARD: discord.Color.blurple(),
    ReplyKind.INFO: discord.Color.dark_grey(),
    ReplyKind.ERROR: discord.Color.red(),
    ReplyKind.REMINDER: discord.Color.gold(),
}

# escape_mentions only defuses well-formed (17-20 digit) ids; defuse any <@digits> too.
_SHORT_MENTION = re.compile(r"<@([!&]?)(?=\d)")


def escape(text: str) -> str:
    """User-visible text made inert: no markdown, no mention can ping or render."""
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    return _SHORT_MENTION.sub("<@\\1\u200b", text)


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section_body(section: Section) -> str:
    lines = [escape(section.text)] if section.text else []
    for n, item in enumerate(section.items, 1):
        lines.append(f"{n}. {escape(item)}" if section.numbered else f"• {escape(item)}")
    return "\n".join(lines)


def render_embed(reply: Reply) -> discord.Embed:
    """The reply as an embed: title, text as description, one field per section."""
    embed = discord.Embed(color=_COLORS.get(reply.kind, discord.Color.dark_grey()))
    if reply.title:
        embed.title = clip(escape(reply.title), MAX_TITLE)
    description = escape(reply.text) if reply.text else ""
    bodies = [(escape(s.heading), _section_body(s)) for s in reply.sections]
    fits = len(bodies) <= MAX_FIELDS and all(
        len(name) <= MAX_FIELD_NAME and len(body) <= MAX_FIELD_VALUE for name, body in bodies
    )
    if fits:
        for name, body in bodies:
            embed.add_field(name=name or "\u200b", value=body or "\u200b", inline=False)
    else:  # too many or too long for fields: everything goes into the description
        parts = [description] if description else []
        parts += [f"**{name}**\n{body}" if name else body for name, body in bodies]
        description = "\n\n".join(parts)
    if description:
        embed.description = clip(description, MAX_DESCRIPTION)
    if reply.footer:
        embed.set_footer(text=clip(escape(reply.footer), MAX_FOOTER))
    while len(embed) > MAX_EMBED_TOTAL and embed.fields:
        embed.remove_field(-1)
    if len(embed) > MAX_EMBED_TOTAL and embed.description:
        over = len(embed) - MAX_EMBED_TOTAL
        embed.description = clip(embed.description, len(embed.description) - over)
    return embed


def build_view(reply_actions: Sequence[Action]) -> discord.ui.View | None:
    """Buttons for the reply's actions, five to a row, at most 25."""
    if not reply_actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in reply_actions:
        if len(view.children) >= MAX_BUTTONS:
            log.warning(
                "Reply has %d actions; Discord shows only %d buttons",
                len(reply_actions),
                MAX_BUTTONS,
            )
            break
        try:
            custom_id = actions.encode(action)
        except ValueError:
            log.exception("Dropping a button whose action cannot be encoded: %r", action)
            continue
        label = clip(action.label or action.name.replace("_", " "), MAX_LABEL)
        view.add_item(
            discord.ui.Button(label=label, custom_id=custom_id, style=discord.ButtonStyle.secondary)
        )
    # A finished view is sent as plain components and never registered in discord.py's
    # in-memory view store: presses are served by custom id (see on_interaction), which
    # also works after a restart, and nothing accumulates in memory per message.
    view.stop()
    return view if view.children else None


def render(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``send`` / ``send_message``: content or embed, and view."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    plain = not (reply.title or reply.sections or reply.footer)
    text = escape(reply.text)
    if plain and text and len(text) <= MAX_CONTENT:
        kwargs["content"] = text
    else:
        kwargs["embed"] = render_embed(reply)
    view = build_view(reply.actions)
    if view is not None:
        kwargs["view"] = view
    return kwargs
