"""Fixtures: a fake Discord on 127.0.0.1 and the real WhyBot + DiscordAdapter against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from tests.discord_adapter.fake_discord import (
    Call,
    FakeDiscord,
    autocomplete,
    button,
    slash,
)


class Harness:
    """One running whybot with the Discord adapter, and ways to talk to it."""

    def __init__(self, fake: FakeDiscord, db: Path) -> None:
        self.fake = fake
        self.db = db
        self.clock = ManualClock()
        self.bot: WhyBot | None = None
        self.adapter: DiscordAdapter | None = None

    async def start(self, *, wait_gateway: bool = True, **env: str) -> DiscordAdapter:
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{self.db}",
            DISCORD_BOT_TOKEN="fake-token",
            DISCORD_API_BASE_URL=self.fake.api_base,
            **env,
        )
        identified = len(self.fake.identifies)
        bot = WhyBot(settings, clock=self.clock)
        adapter = DiscordAdapter(bot.core, settings)
        bot.add_adapter(adapter)
        await bot.start()
        self.bot, self.adapter = bot, adapter
        if wait_gateway:
            await self.fake.wait_ready_sent(identified + 1)
        return adapter

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
        self.bot = self.adapter = None

    async def restart(self) -> DiscordAdapter:
        await self.stop()
        return await self.start()

    async def send(self, payload: dict[str, Any]) -> Call:
        """Dispatch an interaction and return the client's callback for it."""
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return await self.fake.callback_for(int(payload["id"]))

    async def ask(self, name: str, options: dict[str, str] | None = None, **kw: Any) -> Call:
        return await self.send(slash(name, options, **kw))

    async def press(self, custom_id: str, **kw: Any) -> Call:
        return await self.send(button(custom_id, **kw))

    async def complete(self, current: str, **kw: Any) -> list[dict[str, str]]:
        call = await self.send(autocomplete("why", "question", current, **kw))
        assert call.json["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
        return call.json["data"]["choices"]


def text_of(message: dict[str, Any]) -> str:
    """Everything a user reads in a message: content and every embed part."""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title", ""), embed.get("description", "")]
        for f in embed.get("fields", []):
            parts += [f["name"], f["value"]]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(p for p in parts if p)


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components") or [] for c in row["components"]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(fake, tmp_path / "whybot.db")
    yield h
    await h.stop()


@pytest.fixture
async def running(harness: Harness) -> Harness:
    await harness.start()
    return harness


async def settle(predicate: Any, within: float = 5.0) -> Any:
    """Poll ``predicate`` (sync or async) until truthy; return its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = predicate()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)
