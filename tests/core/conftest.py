"""Fixtures for core tests: a real WhyBot on a real SQLite file, a manual clock, and a
recording adapter standing in for a chat platform (the model is errbot's test backend)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.commands.catalog import parse_command
from bot.config import Settings, load_settings
from bot.model import Action, Reply, Request, UserRef

PLATFORM = "fake"


@dataclass
class RecordingAdapter:
    """Records what the scheduler delivers; can be told to fail, or to hang for some users
    (until ``release`` is set) like a platform call that never answers."""

    platform: str = PLATFORM
    sent: list[tuple[UserRef, Reply]] = field(default_factory=list)
    fail_with: list[Exception] = field(default_factory=list)
    hang_for: set[str] = field(default_factory=set)
    """User ids whose next delivery hangs (once each)."""
    hanging: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    started: int = 0

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        pass

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        if user.user_id in self.hang_for:
            self.hang_for.discard(user.user_id)
            self.hanging += 1
            try:
                await self.release.wait()
            finally:
                self.hanging -= 1
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append((user, reply))


async def until(cond: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait (real time, at most ``seconds``) for a condition on background work that has
    no awaitable of its own, such as a delivery hanging on purpose."""
    try:
        async with asyncio.timeout(seconds):
            while not cond():  # noqa: ASYNC110 (polls state the test cannot await)
                await asyncio.sleep(0.005)
    except TimeoutError:
        raise AssertionError("condition not met in time") from None


async def idle(bot: WhyBot, seconds: float = 5.0) -> None:
    """Wait until the scheduler has done everything due at the clock's current time."""
    try:
        async with asyncio.timeout(seconds):
            await bot.scheduler.idle()
    except TimeoutError:
        raise AssertionError("the scheduler did not become idle") from None


class Harness:
    def __init__(self, bot: WhyBot, adapter: RecordingAdapter, clock: ManualClock) -> None:
        self.bot = bot
        self.adapter = adapter
        self.clock = clock

    async def ask(
        self, line: str, user: str = "u1", private: bool = True, language: str | None = None
    ) -> Reply:
        parsed = parse_command(line)
        assert parsed is not None, line
        chat = user if private else "group-1"
        return await self.bot.core.handle(
            Request(
                PLATFORM, user, chat, private, command=parsed[0], args=parsed[1], language=language
            )
        )

    async def press(self, action: Action, user: str = "u1") -> Reply:
        return await self.bot.core.handle(Request(PLATFORM, user, user, True, action=action))

    async def advance(self, **kw: float) -> None:
        """Move the clock, then wait until the scheduler has caught up with it: every
        reminder due by then delivered (or retried), none due later touched."""
        await self.clock.advance(timedelta(**kw))
        await idle(self.bot)

    async def idle(self) -> None:
        await idle(self.bot)

    async def statuses(self) -> list[str]:
        return [r[6] for r in await self.rows()]

    async def rows(self) -> list[tuple]:
        async with self.bot.store.db.execute(
            "SELECT id, platform, user_id, kind, order_no, note, status FROM reminders ORDER BY id"
        ) as cur:
            return list(await cur.fetchall())


def bot_env(database: Path, **env: str) -> dict[str, str]:
    """The environment for ``python -m bot`` as a child process: this one without any
    whybot or platform settings of the machine, plus the database and ``env``.

    No PYTHONPATH is added: the child runs the installed package, the same one the tests
    import (CI installs it non-editably, so a file missing from the package fails)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DISCORD_", "WHYBOT_", "DATABASE_URL", "LC_"))
        and k != "LANGUAGE"
    }
    # the console speaks the terminal's language: English unless a test says otherwise
    environ.update({"DATABASE_URL": f"sqlite:///{database}", "LANG": "C.UTF-8", **env})
    return environ


def make_settings(db: Path, **env: str) -> Settings:
    return load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{db}", **env)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "whybot.db"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def harness(db_path: Path, clock: ManualClock) -> AsyncIterator[Harness]:
    bot = WhyBot(make_settings(db_path), clock=clock)
    adapter = RecordingAdapter()
    bot.add_adapter(adapter)
    await bot.start()
    try:
        yield Harness(bot, adapter, clock)
    finally:
        await bot.stop()


__all__ = ["PermanentDeliveryError", "TemporaryDeliveryError"]
