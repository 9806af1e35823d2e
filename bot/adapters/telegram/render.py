"""Reply -> Telegram HTML and inline keyboards. Every piece of text from a reply is
HTML-escaped here; the core sends plain text."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions

from bot import actions
from bot.i18n import _
from bot.model import Action, Reply

log = logging.getLogger(__package__)  # one logger for the whole adapter

MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units after parsing
MAX_BUTTONS = 100  # Telegram refuses larger inline keyboards
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_MENTION = re.compile(r"(?<![\w.@])@(?=\w)")
_TAGS = re.compile(r"<[^>]*>")


def escape(text: str) -> str:
    """HTML-escape ``text`` for parse_mode=HTML and defuse @mentions so nothing pings."""
    return _MENTION.sub("@\u2060", html.escape(text, quote=False))


def html_to_plain(text: str) -> str:
    """The text a client shows for our own (well-formed) HTML: for a plain-text fallback."""
    return html.unescape(_TAGS.sub("", text))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class _Line:
    text: str = ""  # raw, unescaped
    tag: str | None = None  # b / i: the whole line is wrapped

    def render(self) -> str:
        body = escape(self.text)
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag and body else body


def _reply_lines(reply: Reply) -> list[_Line]:
    blocks: list[list[_Line]] = []
    if reply.title.strip():
        blocks.append([_Line(reply.title.strip(), "b")])
    if reply.text.strip():
        blocks.append([_Line(line) for line in reply.text.strip().splitlines()])
    for section in reply.sections:
        block: list[_Line] = []
        if section.heading.strip():
            block.append(_Line(section.heading.strip(), "b"))
        if section.text.strip():
            block.extend(_Line(line) for line in section.text.strip().splitlines())
        for n, item in enumerate(section.items, 1):
            marker = f"{n}." if section.numbered else "•"
            block.append(_Line(f"{marker} {' '.join(item.split())}"))
        if block:
            blocks.append(block)
    if reply.footer.strip():
        blocks.append([_Line(line, "i") for line in reply.footer.strip().splitlines()])
    lines: list[_Line] = []
    for block in blocks:
        if lines:
            lines.append(_Line())
        lines.extend(block)
    return lines


def render_html(reply: Reply, limit: int = MAX_TEXT) -> list[str]:
    """The reply as one or more HTML messages, each within Telegram's length limit."""
    rendered: list[tuple[str, int]] = []
    for line in _reply_lines(reply):
        out = line.render()
        size = _utf16_len(html_to_plain(out))
        if size <= limit:
            rendered.append((out, size))
            continue
        step = max(1, limit // 2)  # escaping and defused mentions may grow a piece
        for start in range(0, len(line.text), step):
            piece = _Line(line.text[start : start + step], line.tag).render()
            rendered.append((piece, _utf16_len(html_to_plain(piece))))
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for out, n in rendered:
        if current and size + 1 + n > limit:
            chunks.append("\n".join(current).strip("\n"))
            current, size = [], 0
        if not current and not out:
            continue  # no blank line at the top of a message
        size += n + (1 if current else 0)
        current.append(out)
    if current:
        chunks.append("\n".join(current).strip("\n"))
    chunks = [c for c in chunks if c.strip()]
    return chunks or [_("Done.")]


def keyboard(reply_actions: Sequence[Action]) -> InlineKeyboardMarkup | None:
    """One button per row; callback data is :func:`bot.actions.encode` (survives restarts)."""
    rows: list[list[InlineKeyboardButton]] = []
    for action in reply_actions[:MAX_BUTTONS]:
        try:
            data = actions.encode(action)
        except ValueError:
            log.error("telegram: action %r cannot be a button; left out", action)
            continue
        label = (action.label or action.name).strip()[:64] or action.name
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


def link_button(label: str, url: str) -> InlineKeyboardMarkup:
    """A keyboard of one URL button."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, url=url)]])
