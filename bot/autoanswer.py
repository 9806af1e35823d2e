"""Opt-in auto-answer: a plain message in a channel where a moderator turned it on gets a
compact card when one matches with high confidence, and nothing otherwise.

Adapters turn a platform message into an :class:`IncomingMessage` and offer it to an
:class:`AutoAnswerQueue`: cheap checks first (bots, our own messages, mentions of
@everyone or a role, length), then a bounded queue that drops what does not fit, so a
flood leaves no backlog. One worker asks the core (:meth:`bot.core.Core.auto_answer`)
and hands each reply to the adapter's ``send``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.model import Reply

log = logging.getLogger(__name__)

MIN_TEXT = 8
MAX_TEXT = 500
"""Shorter messages say too little to answer unasked; longer ones are conversations."""
_MASS_MENTION = re.compile(r"@(everyone|here)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A plain message seen in a community channel (not a command, not an edit)."""

    platform: str
    community_id: str
    channel_id: str
    message_id: str
    user_id: str
    text: str
    thread_id: str = ""
    """The conversation it belongs to: the message it replies to, or its own id."""
    from_bot: bool = False
    from_self: bool = False
    mentions_many: bool = False
    """It mentions @everyone, @here or a role (the platform's own flags)."""
    replies_to_bot: bool = False
    """It answers one of the bot's own messages: that conversation was answered."""
    language: str | None = None


def worth_considering(message: IncomingMessage) -> bool:
    """The checks that need no store and no matcher."""
    if message.from_bot or message.from_self or message.mentions_many or message.replies_to_bot:
        return False
    if not message.community_id or not message.channel_id:
        return False
    text = message.text.strip()
    if not MIN_TEXT <= len(text) <= MAX_TEXT:
        return False
    return _MASS_MENTION.search(text) is None


Answerer = Callable[[IncomingMessage], Awaitable[Reply | None]]
Sender = Callable[[IncomingMessage, Reply], Awaitable[None]]


class AutoAnswerQueue:
    """A bounded queue and one worker. ``offer`` never waits: a full queue drops the
    message (counted in :attr:`dropped`)."""

    def __init__(self, answer: Answerer, send: Sender, size: int = 100) -> None:
        self._answer = answer
        self._send = send
        self._queue: asyncio.Queue[IncomingMessage] = asyncio.Queue(maxsize=size)
        self._worker: asyncio.Task[None] | None = None
        self.dropped = 0
        self.answered = 0
        self.considered = 0

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="auto-answer")

    async def stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    def offer(self, message: IncomingMessage) -> bool:
        """Queue ``message`` if it is worth considering and there is room."""
        if not worth_considering(message):
            return False
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                log.warning("auto-answer: queue full, %d messages dropped so far", self.dropped)
            return False
        return True

    async def idle(self) -> None:
        """Wait until every queued message was handled (for tests and shutdown)."""
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                self.considered += 1
                reply = await self._answer(message)
                if reply is not None:
                    await self._send(message, reply)
                    self.answered += 1
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("auto-answer: handling a message in %s failed", message.channel_id)
            finally:
                self._queue.task_done()
