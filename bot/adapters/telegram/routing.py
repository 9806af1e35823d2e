"""Where a reply goes: the chat it was asked in, or the asker's private chat (personal
replies asked in a group), with a deep link when the bot may not write there yet."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable

from telegram import CallbackQuery, Chat, User
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.adapters.telegram.render import escape, link_button
from bot.adapters.telegram.transport import Transport
from bot.i18n import _
from bot.model import Reply

log = logging.getLogger(__package__)  # one logger for the whole adapter


async def answer_query(
    query: CallbackQuery, text: str | None = None, url: str | None = None
) -> None:
    """Stop the button's spinner. A query answered too late (Telegram allows about 15
    seconds) is refused with 400; the press is still acted on."""
    try:
        await query.answer(text, url=url)
    except BadRequest as exc:
        log.warning("telegram: could not answer callback query %s: %s", query.id, exc)


class Router:
    """Sends replies where they belong. ``username`` is the bot's, known once started."""

    def __init__(self, transport: Transport, username: Callable[[], str]) -> None:
        self.transport = transport
        self._username = username

    async def route(
        self, reply: Reply, chat: Chat, user: User, *, reply_to: int | None, name: str
    ) -> None:
        """Send ``reply`` where it belongs: the chat it was asked in, or (personal replies
        asked in a group) the user's private chat with a short note in the group."""
        send = self.transport.send
        if chat.type == ChatType.PRIVATE or not reply.personal:
            await send(chat.id, reply, reply_to=reply_to)
            return
        try:
            await send(user.id, reply)
        except Forbidden:
            await self.send_deep_link(chat.id, name, reply_to)
            return
        note = Reply(
            text=_("%(name)s, I've answered you in our private chat.") % {"name": user.first_name}
        )
        link = link_button(_("Open the private chat"), f"https://t.me/{self._username()}")
        await send(chat.id, note, reply_to=reply_to, markup=link)

    async def to_private_chat(
        self, query: CallbackQuery, user: User, reply: Reply, name: str, toast: str | None
    ) -> None:
        """A button's answer to the presser's private chat, the spinner stopped with
        ``toast``; when the bot may not write there, the spinner's answer opens the private
        chat through its start link instead."""
        try:
            await self.transport.send(user.id, reply)
        except Forbidden:
            await answer_query(
                query, _("Open a private chat with me first"), url=self.deep_link(name)
            )
            return
        await answer_query(query, toast)

    def deep_link(self, payload: str) -> str:
        payload = re.sub(r"[^A-Za-z0-9_-]", "", payload)[:64] or "start"
        return f"https://t.me/{self._username()}?start={payload}"

    async def send_deep_link(self, chat_id: int, name: str, reply_to: int | None) -> None:
        url = self.deep_link(name)
        text = _(
            "I can't message you privately yet. %(link_start)sOpen a private chat with "
            "me%(link_end)s, press Start, then send /%(command)s there."
        ) % {
            "link_start": f'<a href="{html.escape(url)}">',
            "link_end": "</a>",
            "command": escape(name),
        }
        markup = link_button(_("Open a private chat"), url)
        await self.transport.send_text(chat_id, text, markup=markup, reply_to=reply_to)
