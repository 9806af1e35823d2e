"""WHYBOT_HTTP_PORT: /healthz (200 only when the store answers and every adapter is
connected; 503 with a short JSON reason otherwise) and /metrics (prometheus-client),
scraped over HTTP from a bot running the real adapters against the fakes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from tests.core.conftest import idle
from tests.discord_adapter.conftest import settle
from tests.discord_adapter.fake_discord import FakeDiscord
from tests.tg_adapter.conftest import USER, Harness
from tests.tg_adapter.conftest import (
    fake as fake,
)  # the fixture, with its checks on what the adapter sent
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI

ORDER = "8123456789012345"


class HttpHarness(Harness):
    def settings(self) -> Any:
        return load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{self.db}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=self.fake.base_url,
            WHYBOT_HTTP_PORT="0",
            WHYBOT_HTTP_HOST="127.0.0.1",
        )

    async def get(self, path: str) -> tuple[int, str]:
        assert self.bot is not None and self.bot.http is not None
        url = f"http://127.0.0.1:{self.bot.http.port}{path}"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status, await response.text()

    async def metric(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels``."""
        _status, text = await self.get("/metrics")
        total = 0.0
        for line in text.splitlines():
            m = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
            if not m or m.group(1) != name:
                continue
            found = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(found.get(k) == v for k, v in labels.items()):
                total += float(m.group(3))
        return total


@pytest.fixture
async def web(fake: FakeBotAPI, tmp_path: Path) -> AsyncIterator[HttpHarness]:
    harness = HttpHarness(fake, tmp_path / "whybot.db")
    await harness.start()
    try:
        yield harness
    finally:
        await harness.close()


async def test_healthz_is_200_while_serving_and_503_with_a_reason_when_not(
    web: HttpHarness,
) -> None:
    status, body = await web.get("/healthz")
    assert (status, body) == (200, '{"status": "ok"}')
    assert web.adapter is not None
    await web.adapter.stop()  # Telegram no longer polled
    status, body = await web.get("/healthz")
    assert status == 503
    assert '"telegram: not connected"' in body
    assert web.bot is not None
    await web.bot.store.close()  # the database gone
    status, body = await web.get("/healthz")
    assert status == 503 and '"store: ' in body


async def test_metrics_count_answers_per_card_and_language(web: HttpHarness) -> None:
    status, text = await web.get("/metrics")
    assert status == 200 and "# TYPE whybot_answers_total counter" in text
    assert await web.metric("whybot_answers_total") == 0
    await web.ask("/why shipment cancelled")
    await web.ask("/why Pedido cancelado por el vendedor, ¿por qué?")
    await web.ask("/why qwertyuiop zxcvbnm")
    assert await web.metric("whybot_answers_total") == 2
    assert await web.metric("whybot_answers_total", language="en") == 1
    assert await web.metric("whybot_answers_total", language="es") == 1
    assert await web.metric("whybot_not_sure_answers_total", language="en") == 1
    _status, text = await web.get("/metrics")
    cards = re.findall(r'whybot_answers_total\{card="([^"]+)"', text)
    assert len(cards) == 2 and all(cards)


async def test_metrics_follow_reminders_from_pending_to_sent_and_failed(
    web: HttpHarness,
) -> None:
    assert web.bot is not None
    await web.ask(f"/remind {ORDER} 1h")
    assert await web.metric("whybot_reminders_pending") == 1
    await web.clock.advance(timedelta(hours=1, seconds=30))
    await web.fake.wait_message(USER, contains=ORDER, after=0)
    await idle(web.bot)
    assert await web.metric("whybot_reminders_pending") == 0
    assert await web.metric("whybot_reminders_sent_total", platform="telegram") == 1
    assert await web.metric("whybot_reminder_delivery_delay_seconds_count") == 1
    assert await web.metric("whybot_reminder_delivery_delay_seconds_sum") == pytest.approx(30)
    assert await web.metric("whybot_reminders_late_total") == 0

    await web.ask(f"/remind {ORDER} 1h")
    web.fake.block(USER)
    await web.clock.advance(timedelta(hours=2))
    await idle(web.bot)
    assert await web.metric("whybot_reminders_failed_total", platform="telegram") == 1
    kinds = {"platform": "telegram", "kind": "delivery_permanent"}
    assert await web.metric("whybot_platform_errors_total", **kinds) == 1


async def test_healthz_follows_the_discord_gateway(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path / 'd.db'}",
        DISCORD_BOT_TOKEN="fake-token",
        DISCORD_API_BASE_URL=fake_discord.api_base,
        WHYBOT_HTTP_PORT="0",
        WHYBOT_HTTP_HOST="127.0.0.1",
    )
    bot = WhyBot(settings, clock=ManualClock())
    adapter = DiscordAdapter(bot.core, settings, give_up_after=60)
    bot.add_adapter(adapter)
    await bot.start()

    async def healthz() -> int:
        assert bot.http is not None
        url = f"http://127.0.0.1:{bot.http.port}/healthz"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status

    try:
        await fake_discord.wait_ready_sent()
        await settle(lambda: adapter.connected)
        assert await healthz() == 200
        fake_discord.refuse_gateway = True
        await fake_discord.drop_gateway(4000, "Unknown error")  # resumable: retried
        await settle(lambda: not adapter.connected)
        assert await healthz() == 503
        assert bot.metrics.platform_errors.labels("discord", "gateway_disconnect")._value.get() >= 1
        fake_discord.refuse_gateway = False
        await settle(lambda: adapter.connected, within=30)
        assert await healthz() == 200
    finally:
        await bot.stop()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()
