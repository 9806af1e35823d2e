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

    async def wait(self, event: asyncio.Event, until: datetime | None) -> None:
        """Wait until ``event`` is set or this clock reaches ``until`` (for ever if None).

        The end is an instant, not a number of seconds, so time that passes between
        deciding to wait and waiting is not added to the wait."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def wait(self, event: asyncio.Event, until: datetime | None) -> None:
        seconds = None if until is None else (until - self.now()).total_seconds()
        if seconds is not None and seconds <= 0:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)


class ManualClock:
    """A clock that only moves when told to: ``advance()`` moves time and wakes waiters.

    It does not wait for the woken tasks to finish: a test awaits what it expects (for the
    scheduler, ``ReminderScheduler.idle()``), not a number of loop ticks."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        self._tick = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    async def advance(self, delta: timedelta) -> None:
        self._now += delta
        tick, self._tick = self._tick, asyncio.Event()
        tick.set()
        await asyncio.sleep(0)

    async def wait(self, event: asyncio.Event, until: datetime | None) -> None:
        while not event.is_set() and (until is None or self._now < until):
            waiters = {
                asyncio.ensure_future(event.wait()),
                asyncio.ensure_future(self._tick.wait()),
            }
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
