"""Fixtures: a fake Bot API server on 127.0.0.1, and the real bot (WhyBot, the core and the
Telegram adapter on python-telegram-bot) pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from bot.model import Reply, Request
from bot.storage.sqlite import SQLiteReminderStore
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI, SentMessage

USER = 111
OTHER = 222
GROUP = -1001234567890


class Harness:
    """One running whybot with the Telegram adapter, and ways to talk to it."""

    def __init__(self, fake: FakeBotAPI, db: Path) -> None:
        self.fake = fake
        self.db = db
        self.clock = ManualClock()
        self.bot: WhyBot | None = None
        self.adapter: TelegramAdapter | None = None
        self.requests: list[Request] = []  # what reached the core, in order
        self.reader: SQLiteReminderStore | None = None
        self.env: dict[str, str] = {}
        """More settings (WHYBOT_CARDS_DIR, ...) for the next :meth:`start`."""

    def settings(self) -> Any:
        return load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{self.db}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=self.fake.base_url,
            **self.env,
        )

    async def start(self) -> TelegramAdapter:
        settings = self.settings()
        bot = WhyBot(settings, clock=self.clock)
        # Short retry backoff so fault tests stay fast; everything else is the default.
        adapter = TelegramAdapter(bot.core, settings, retry_delays=(0.05, 0.1))
        bot.add_adapter(adapter)
        handle = bot.core.handle

        async def recording_handle(request: Request) -> Reply:  # observes, changes nothing
            self.requests.append(request)
            return await handle(request)

        bot.core.handle = recording_handle  # type: ignore[method-assign]
        await bot.start()
        self.bot, self.adapter = bot, adapter
        if self.reader is None:
            self.reader = SQLiteReminderStore(str(self.db))
            await self.reader.open()
        return adapter

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
        self.bot = self.adapter = None

    async def close(self) -> None:
        await self.stop()
        if self.reader is not None:
            await self.reader.close()
            self.reader = None

    async def restart(self) -> TelegramAdapter:
        await self.stop()
        return await self.start()

    async def ask(
        self,
        text: str,
        *,
        user_id: int = USER,
        chat_id: int | None = None,
        expect_chat: int | None = None,
        **kw: Any,
    ) -> SentMessage:
        """Send ``text`` as the user and return the bot's first message in reply."""
        mark = self.fake.mark()
        self.fake.send_text(text, user_id=user_id, chat_id=chat_id, **kw)
        target = (
            expect_chat
            if expect_chat is not None
            else (chat_id if chat_id is not None else user_id)
        )
        return await self.fake.wait_message(target, after=mark)

    async def press(
        self,
        message: SentMessage,
        label: str | None = None,
        *,
        data: str | None = None,
        user_id: int = USER,
        expect_chat: int | None = None,
    ) -> SentMessage:
        mark = self.fake.mark()
        self.fake.press(message, label=label, data=data, user_id=user_id)
        return await self.fake.wait_message(
            expect_chat if expect_chat is not None else message.chat_id, after=mark
        )

    @property
    def store(self) -> SQLiteReminderStore:
        """A second connection to the bot's database, for assertions. (Reading through the
        bot's own connection could collide with its commits: a query left open on an
        SQLite connection makes a commit on it fail.)"""
        assert self.reader is not None
        return self.reader


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    assert not server.unknown_methods, (
        f"the adapter called methods the fake does not know: {server.unknown_methods}"
    )
    assert not server.rejected, f"the fake refused requests: {server.rejected}"


@pytest.fixture
async def tg(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[Harness]:
    harness = Harness(fake, tmp_path / "whybot.db")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.close()
