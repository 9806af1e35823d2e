"""Who moderates a Telegram group (its administrators, by getChatMember, remembered for a
minute), whether the bot can see the group's ordinary messages (privacy mode off, or the
bot an administrator), and the auto-answer of plain group messages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from telegram import Bot, Message, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.autoanswer import IncomingMessage
from bot.i18n import N_
from bot.model import Platform

log = logging.getLogger(__package__)  # one logger for the whole adapter

ADMIN_TTL = 60.0
"""Seconds an answer of getChatMember is trusted (a demoted admin loses rights within it)."""
ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
CANNOT_SEE = N_(
    "I can't see ordinary messages in this group, so auto-answer cannot work yet: turn off "
    "my privacy mode (BotFather, /setprivacy, then add me to the group again) or make me "
    "an administrator."
)


class Moderators:
    """getChatMember answers, cached per (chat, user) for :data:`ADMIN_TTL` seconds."""

    def __init__(self, bot: Callable[[], Bot], ttl: float = ADMIN_TTL) -> None:
        self._bot = bot
        self.ttl = ttl
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        now = time.monotonic()
        cached = self._cache.get((chat_id, user_id))
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        try:
            member = await self._bot().get_chat_member(chat_id, user_id)
        except TelegramError as exc:  # unknown: refuse, and ask again next time
            log.warning("telegram: getChatMember %s/%s failed: %s", chat_id, user_id, exc)
            return False
        admin = member.status in ADMINS
        if len(self._cache) > 10_000:
            self._cache.clear()  # a bound, not an LRU: the cache only saves requests
        self._cache[(chat_id, user_id)] = (now, admin)
        return admin

    async def bot_sees_messages(self, chat_id: int) -> bool:
        """Privacy mode off (getMe's can_read_all_group_messages) or the bot an admin."""
        bot = self._bot()
        try:
            if (await bot.get_me()).can_read_all_group_messages:
                return True
        except TelegramError as exc:
            log.warning("telegram: getMe failed: %s", exc)
        return await self.is_admin(chat_id, bot.id)


def incoming(message: Message, user: User, bot_id: int) -> IncomingMessage:
    """A plain group message as the auto-answer sees it."""
    replied = message.reply_to_message
    thread = ""
    if replied is not None and not replied.forum_topic_created:
        thread = str(replied.message_id)
    elif message.is_topic_message and message.message_thread_id:
        thread = f"topic{message.message_thread_id}"
    return IncomingMessage(
        platform=Platform.TELEGRAM.value,
        community_id=str(message.chat.id),
        channel_id=str(message.chat.id),
        message_id=str(message.message_id),
        user_id=str(user.id),
        text=message.text or "",
        thread_id=thread,
        from_bot=user.is_bot or message.via_bot is not None,
        from_self=user.id == bot_id,
        replies_to_bot=bool(
            replied is not None and replied.from_user and replied.from_user.id == bot_id
        ),
        language=user.language_code,
    )
