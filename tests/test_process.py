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
        assert "vendedor" in embed["title"].lower()  # a Portuguese question: a Portuguese card
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


async def _start(tmp_path: Path, **env: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=bot_env(tmp_path / "outage.db", **env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _serving(proc: asyncio.subprocess.Process) -> list[str]:
    """Read stderr until the bot says it serves (start-up is over); the lines so far."""
    assert proc.stderr is not None
    lines: list[str] = []
    async with asyncio.timeout(60):
        while not any("bot.app: serving: " in line for line in lines):
            raw = await proc.stderr.readline()
            assert raw, f"the bot ended before serving: {lines[-20:]}"
            lines.append(raw.decode().rstrip("\n"))
    return lines


async def _exit(proc: asyncio.subprocess.Process, before: list[str]) -> tuple[int, list[str]]:
    """The exit code and stderr lines of a process expected to end on its own."""
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("the bot kept running without its platform") from None
    assert proc.returncode is not None
    return proc.returncode, before + stderr.decode().splitlines()


def _assert_one_clear_line(code: int, lines: list[str], platform: str) -> None:
    assert code not in (0, None), lines[-20:]
    final = [line for line in lines if line.startswith("whybot:")]
    assert len(final) == 1, lines[-20:]
    assert final[0].startswith(f"whybot: the {platform} adapter stopped: ")
    assert final[0].endswith("; exiting so the supervisor restarts it")
    assert lines[-1] == final[0]
    assert not any("could not start" in line for line in lines)
    assert not any("Traceback" in line for line in lines), lines[-40:]


async def test_discord_gateway_dying_at_runtime_exits_non_zero(
    fakes: tuple[FakeBotAPI, FakeDiscord], tmp_path: Path
) -> None:
    _, discord = fakes
    proc = await _start(
        tmp_path, DISCORD_BOT_TOKEN="fake-token", DISCORD_API_BASE_URL=discord.api_base
    )
    try:
        before = await _serving(proc)
        await discord.wait_ready_sent(within=30)
        await discord.drop_gateway(4004, "Authentication failed.")
        code, lines = await _exit(proc, before)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    _assert_one_clear_line(code, lines, "Discord")
    assert "4004" in lines[-1]


async def test_telegram_polling_refused_at_runtime_exits_non_zero(
    fakes: tuple[FakeBotAPI, FakeDiscord], tmp_path: Path
) -> None:
    telegram, _ = fakes
    proc = await _start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=telegram.base_url)
    try:
        before = await _serving(proc)
        telegram.fail_method("getUpdates", 401, times=None, description="Unauthorized")
        code, lines = await _exit(proc, before)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    _assert_one_clear_line(code, lines, "Telegram")
    assert TOKEN not in "\n".join(lines)
