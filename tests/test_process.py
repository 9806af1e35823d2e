"""`python -m bot` as a real process with both tokens set: Telegram and Discord served by
one event loop over one core, against the fake servers on 127.0.0.1; SIGTERM exits 0."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.core.conftest import bot_env
from tests.discord_adapter.fake_discord import FakeDiscord, slash
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI

USER = 4242


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeBotAPI, FakeDiscord]]:
    telegram, discord = FakeBotAPI(), FakeDiscord()
    await telegram.start()
    await discord.start()
    try:
        yield telegram, discord
    finally:
        await telegram.close()
        await discord.stop()


async def test_one_process_serves_both_platforms_and_stops_on_sigterm(
    fakes: tuple[FakeBotAPI, FakeDiscord], tmp_path: Path
) -> None:
    telegram, discord = fakes
    env = bot_env(
        tmp_path / "both.db",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=telegram.base_url,
        DISCORD_BOT_TOKEN="fake-token",
        DISCORD_API_BASE_URL=discord.api_base,
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await discord.wait_ready_sent(within=30)
        await telegram.wait_for(lambda: telegram.calls_of("getUpdates"), within=30)

        telegram.send_text("/why shipment cancelled", user_id=USER)
        answer = await telegram.wait_message(USER, contains="Shipment cancelled", within=10)
        assert answer.buttons

        interaction = slash("why", {"question": "cancelado pelo vendedor"})
        await discord.dispatch("INTERACTION_CREATE", interaction)
        call = await discord.callback_for(int(interaction["id"]), within=10)
        embed = call.message["embeds"][0]
        assert "seller" in embed["title"].lower()
        assert call.message["allowed_mentions"] == {"parse": []}

        # a reminder set on Telegram is the same user's only; Discord's user sees none
        telegram.send_text("/remind 8123456789012345 3d check tracking", user_id=USER)
        await telegram.wait_message(USER, contains="OK, I'll remind you", within=10)
        listing = slash("reminders", {}, user_id=USER)
        await discord.dispatch("INTERACTION_CREATE", listing)
        call = await discord.callback_for(int(listing["id"]), within=10)
        assert "no pending reminders" in call.message["content"]
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _stdout, stderr = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    assert b"Traceback" not in stderr
