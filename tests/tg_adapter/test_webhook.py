"""Telegram webhooks against the fake Bot API: the secret is checked on every request,
updates are handled concurrently, and an update delivered twice (to one process or to two
behind the same URL) is handled once."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from bot.model import Reply, Request
from tests.tg_adapter.conftest import USER, Harness
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI

SECRET = "s3cret-Token_for-tests"
PATH = "/tg/hook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WebhookHarness(Harness):
    """The Telegram harness with TELEGRAM_WEBHOOK_* set: the fake posts to the bot."""

    def __init__(self, fake: FakeBotAPI, db: Path, database_url: str | None = None) -> None:
        super().__init__(fake, db)
        self.port = free_port()
        self.database_url = database_url or f"sqlite:///{db}"

    def settings(self) -> Any:
        return load_settings(
            _env_file=None,
            DATABASE_URL=self.database_url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=self.fake.base_url,
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{self.port}{PATH}",
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{self.port}",
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"


@pytest.fixture
async def hook(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[WebhookHarness]:
    harness = WebhookHarness(fake, tmp_path / "whybot.db")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.close()


def a_message(fake: FakeBotAPI, text: str, user_id: int) -> dict[str, Any]:
    """An update as Telegram would post it (queued on the fake, then taken back out, so
    the test decides who receives it)."""
    update_id = fake.send_text(text, user_id=user_id)
    update = next(u for u in fake._pending if u["update_id"] == update_id)
    fake._pending.remove(update)
    return update


async def test_updates_arrive_by_webhook_and_polling_is_off(hook: WebhookHarness) -> None:
    fake = hook.fake
    (call,) = fake.calls_of("setWebhook")
    assert call.params["url"] == hook.url
    assert call.params["secret_token"] == SECRET
    assert set(call.params["allowed_updates"]) == {"message", "callback_query", "inline_query"}
    reply = await hook.ask("/why shipment cancelled")
    assert "cancel" in reply.text.lower()
    assert not fake.calls_of("getUpdates")
    await fake.wait_for(lambda: fake.webhook_done)  # answered 200 once handled
    assert [p.status for p in fake.webhook_posts] == [200]


@pytest.mark.parametrize("secret", [None, "wrong", SECRET + "x", ""])
async def test_a_wrong_or_missing_secret_gets_403_and_nothing_runs(
    hook: WebhookHarness, secret: str | None
) -> None:
    fake = hook.fake
    fake.webhook = None  # the fake posts nothing by itself: the test does
    update = a_message(fake, "/help", USER)
    mark = fake.mark()
    assert await fake.post_update(update, secret=secret, target=hook.url) == 403
    assert hook.requests == []
    assert await hook.store.get_meta(f"telegram:update:{update['update_id']}") is None
    # the update was not recorded as handled: with the right secret it is served
    assert await fake.post_update(update, secret=SECRET, target=hook.url) == 200
    assert [r.command for r in hook.requests] == ["help"]
    assert fake.sent_to(USER, after=mark)


async def test_an_update_delivered_twice_is_handled_once(hook: WebhookHarness) -> None:
    fake = hook.fake
    fake.webhook = None
    update = a_message(fake, "/help", USER)
    mark = fake.mark()
    statuses = await asyncio.gather(
        *(fake.post_update(update, secret=SECRET, target=hook.url) for _ in range(3))
    )
    assert statuses == [200, 200, 200]
    assert [r.command for r in hook.requests] == ["help"]
    assert len(fake.sent_to(USER, after=mark)) == 1
    # and again later, as Telegram does when it did not see an answer
    assert await fake.post_update(update, secret=SECRET, target=hook.url) == 200
    assert len(hook.requests) == 1


async def test_updates_are_handled_concurrently(hook: WebhookHarness) -> None:
    fake = hook.fake
    slow, quick = 4001, 4002
    fake.held_chats.add(slow)  # the answer to the first user hangs
    fake.send_text("/help", user_id=slow)
    await fake.wait_for(lambda: fake.holding == 1)
    reply = await hook.ask("/help", user_id=quick)  # served while the first one hangs
    assert reply.chat_id == quick
    fake.release_held()
    await fake.wait_message(slow)


class Process:
    """A bot standing for one process: its own listener behind the shared URL."""

    def __init__(self, fake: FakeBotAPI, database_url: str, url: str, port: int) -> None:
        self.fake, self.url, self.port = fake, url, port
        self.settings = load_settings(
            _env_file=None,
            DATABASE_URL=database_url,
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=fake.base_url,
            TELEGRAM_WEBHOOK_URL=url,
            TELEGRAM_WEBHOOK_SECRET=SECRET,
            TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        )
        self.bot = WhyBot(self.settings, clock=ManualClock())
        self.handled: list[Request] = []
        handle = self.bot.core.handle

        async def recording(request: Request) -> Reply:
            self.handled.append(request)
            return await handle(request)

        self.bot.core.handle = recording  # type: ignore[method-assign]
        self.bot.add_adapter(TelegramAdapter(self.bot.core, self.settings))


async def test_two_processes_behind_one_url_handle_each_update_once(
    fake: FakeBotAPI, pg_url: str
) -> None:
    ports = [free_port(), free_port()]
    url = f"https://whybot.example.test{PATH}"  # the balancer's public URL
    fake.webhook_backends = [f"http://127.0.0.1:{p}" for p in ports]
    processes = [Process(fake, pg_url, url, p) for p in ports]
    try:
        for p in processes:
            await p.bot.start()
        users = list(range(6000, 6020))
        ids = [fake.send_text("/help", user_id=u) for u in users]
        for update_id in ids:
            await fake.wait_handled(update_id)
        # both processes took a share (the fake alternates), and then every update is
        # delivered again to the other process: still one answer per user
        assert all(p.handled for p in processes)
        for update_id in ids:
            for port in ports:
                target = f"http://127.0.0.1:{port}{PATH}"
                assert (
                    await fake.post_update(fake.served(update_id), secret=SECRET, target=target)
                    == 200
                )
        handled = sorted(int(r.user_id) for p in processes for r in p.handled)
        assert handled == users
        for user in users:
            assert len(fake.sent_to(user)) == 1
    finally:
        for p in processes:
            await p.bot.stop()
