"""The Discord gateway lost for good: the adapter gives up and the app stops with it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import AdapterFailed, WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from tests.discord_adapter.conftest import settle
from tests.discord_adapter.fake_discord import FakeDiscord


def _bot(fake: FakeDiscord, tmp_path: Path, give_up_after: float) -> tuple[WhyBot, DiscordAdapter]:
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path / 'outage.db'}",
        DISCORD_BOT_TOKEN="fake-token",
        DISCORD_API_BASE_URL=fake.api_base,
    )
    bot = WhyBot(settings, clock=ManualClock())
    adapter = DiscordAdapter(bot.core, settings, give_up_after=give_up_after)
    bot.add_adapter(adapter)
    return bot, adapter


async def test_gateway_that_stays_unreachable_stops_the_bot(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    bot, adapter = _bot(fake, tmp_path, give_up_after=1.0)
    run = asyncio.create_task(bot.run())
    await fake.wait_ready_sent(within=30)
    await settle(lambda: bot.serving or run.done(), within=30)
    fake.refuse_gateway = True
    await fake.drop_gateway(4000, "Unknown error")  # resumable: discord.py keeps retrying
    with pytest.raises(AdapterFailed) as caught:
        await asyncio.wait_for(run, 30)
    assert caught.value.platform == "discord"
    assert "disconnected for 1s" in caught.value.reason
    assert adapter.failure == caught.value.reason


async def test_a_reconnect_within_the_limit_is_not_a_failure(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    bot, adapter = _bot(fake, tmp_path, give_up_after=60.0)
    run = asyncio.create_task(bot.run())
    try:
        await fake.wait_ready_sent(within=30)
        await settle(lambda: bot.serving or run.done(), within=30)
        await fake.drop_gateway(4000, "Unknown error")
        await settle(lambda: fake.resumes or len(fake.identifies) > 1, within=30)
        await settle(lambda: adapter._give_up is None, within=30)  # back up: timer cancelled
        assert not run.done() and adapter.failure is None
    finally:
        bot.request_stop()
        await asyncio.wait_for(run, 30)
