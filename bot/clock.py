"""Where the scheduler gets the time from: the real clock, or a manual one for tests."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def wait(self, event: asyncio.Event, seconds: float | None) -> None:
        """Wait until ``event`` is set or ``seconds`` of this clock's time have passed."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, event: asyncio.Event, seconds: float | None) -> None:
        if seconds is not None and seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)


class ManualClock:
    """A clock that only moves when told to: ``advance()`` moves time and wakes waiters."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        self._tick = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    async def advance(self, delta: timedelta) -> None:
        self._now += delta
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()
        for _ in range(5):  # let woken tasks run until they block again
            await asyncio.sleep(0)

    async def wait(self, event: asyncio.Event, seconds: float | None) -> None:
        deadline = None if seconds is None else self._now + timedelta(seconds=seconds)
        while not event.is_set() and (deadline is None or self._now < deadline):
            waiters = {
                asyncio.ensure_future(event.wait()),
                asyncio.ensure_future(self._tick.wait()),
            }
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
