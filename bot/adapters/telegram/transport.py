"""Talking to the Bot API: sending with retries, the getUpdates guard, and log hygiene.

Faults: 429 is waited out and retried by PTB's :class:`AIORateLimiter`; network errors and
5xx are retried with a short backoff; 403 (blocked, never started) is permanent; a group
that became a supergroup is followed; HTML the server refuses is resent as plain text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.adapters.telegram.render import NO_PREVIEW, html_to_plain, keyboard, render_html
from bot.model import Reply, UserRef

log = logging.getLogger(__package__)  # one logger for the whole adapter


class Transport:
    """Sends messages through the running application's bot (``bot()`` raises
    :class:`TemporaryDeliveryError` while there is none)."""

    def __init__(self, bot: Callable[[], Bot], retry_delays: Sequence[float]) -> None:
        self._get_bot = bot
        self._retry_delays = tuple(retry_delays)

    def bot(self) -> Bot:
        return self._get_bot()

    async def send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        reply_to: int | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """The reply in as many messages as it takes; buttons under the last one."""
        chunks = render_html(reply)
        markup = markup or keyboard(reply.actions)
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await self.send_text(
                chat_id,
                chunk,
                markup=markup if last else None,
                reply_to=reply_to if i == 0 else None,
            )

    async def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> Message:
        """sendMessage with HTML; network errors and 5xx are retried with a backoff, a 429
        is retried by the rate limiter, everything else raises."""
        bot = self.bot()
        parse_mode: str | None = ParseMode.HTML
        delays = list(self._retry_delays)
        while True:
            try:
                return await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                    reply_parameters=(
                        ReplyParameters(reply_to, allow_sending_without_reply=True)
                        if reply_to is not None
                        else None
                    ),
                )
            except ChatMigrated as exc:  # a group became a supergroup
                chat_id = int(exc.new_chat_id)
            except BadRequest as exc:
                if parse_mode is None or "parse entities" not in exc.message.lower():
                    raise
                log.error("telegram: HTML refused (%s); sending plain text: %r", exc, text)
                text, parse_mode = html_to_plain(text), None
            except (Forbidden, RetryAfter, InvalidToken):
                raise
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                if not delays:
                    raise
                delay = delays.pop(0)
                log.warning(
                    "telegram: sending to %s failed (%s); retrying in %.2fs", chat_id, exc, delay
                )
                await asyncio.sleep(delay)

    async def reachable(self, user_id: int) -> bool:
        """Whether the bot may write to the user's private chat (they started it, did not
        block it): a typing indicator there costs nothing and fails with 403 otherwise."""
        bot = self.bot()
        try:
            await bot.send_chat_action(user_id, ChatAction.TYPING)
        except Forbidden:
            return False
        except TelegramError as exc:
            log.warning("telegram: could not check the private chat of %s: %s", user_id, exc)
        return True

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        """A reminder or nudge to the user's private chat, failures sorted into temporary
        and permanent ones. On Telegram the private chat's id is the user's id, so
        ``user.dm_chat_id`` (which may name the group a reminder was set in) is not needed."""
        try:
            chat_id = int(user.user_id)
        except ValueError:
            raise PermanentDeliveryError(f"not a Telegram user id: {user.user_id!r}") from None
        try:
            await self.send(chat_id, reply)
        except Forbidden as exc:
            raise PermanentDeliveryError(f"telegram user {user.user_id}: {exc.message}") from exc
        except BadRequest as exc:  # chat not found, user deactivated: retrying will not help
            raise PermanentDeliveryError(f"telegram user {user.user_id}: {exc.message}") from exc
        except TelegramError as exc:  # network, 5xx after retries, 429 after retries
            raise TemporaryDeliveryError(f"telegram user {user.user_id}: {exc}") from exc


# --------------------------------------------------------------------------- polling guard
class UpdatesRequest(HTTPXRequest):
    """getUpdates transport that replaces an update PTB cannot parse by an empty one.

    PTB parses a whole getUpdates batch at once; one malformed update would make every poll
    fail and the same batch come back forever. An empty ``Update(update_id)`` keeps the
    offset moving (so it is confirmed) and matches none of our handlers.
    """

    on_answer: Callable[[int], None] | None = None
    """Told the HTTP status of every getUpdates answer (the adapter's polling watch)."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if self.on_answer is not None:
            self.on_answer(code)
        return code, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        data = HTTPXRequest.parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list) and data.get("ok"):
            data["result"] = [sanitize_update(item) for item in result]
            data["result"] = [item for item in data["result"] if item is not None]
        return data


def sanitize_update(item: Any) -> dict[str, Any] | None:
    """``item`` if PTB can parse it; an empty update of the same id if not; None when it
    has no update id at all."""
    if not isinstance(item, dict) or not isinstance(item.get("update_id"), int):
        log.error("telegram: dropping an update without an update_id: %.500r", item)
        return None
    try:
        Update.de_json(item, None)
    except Exception:
        log.exception("telegram: skipping malformed update %s: %.500r", item["update_id"], item)
        return {"update_id": item["update_id"]}
    return item


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    PTB logs a traceback when polling aborts; the adapter reports that in one line."""
    httpx_log = logging.getLogger("httpx")
    if httpx_log.level == logging.NOTSET:
        httpx_log.setLevel(logging.WARNING)
    ptb_log = logging.getLogger("telegram.ext")
    if not any(isinstance(f, _NoAbortTraceback) for f in ptb_log.filters):
        ptb_log.addFilter(_NoAbortTraceback())


class _NoAbortTraceback(logging.Filter):
    """Keeps PTB's "Aborting retry loop" line and drops its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Aborting" in record.getMessage():
            record.exc_info = None
            record.exc_text = None
        return True
