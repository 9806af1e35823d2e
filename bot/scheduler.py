"""The reminder scheduler: one task that waits for the soonest due reminder.

Delivery is at least once: a reminder is claimed before it is sent and marked sent
after, so a crash in between re-sends it after restart (one duplicate at most per
crash), and no row is deleted before delivery. Reminders that fell due while the bot
was down go out at start-up, marked late."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.adapters.base import Adapter, PermanentDeliveryError, TemporaryDeliveryError
from bot.clock import Clock
from bot.model import Reply, UserRef
from bot.storage.base import Reminder, ReminderStore

log = logging.getLogger(__name__)

BATCH = 200
"""How many due reminders are claimed at a time."""
CONCURRENCY = 32
"""How many deliveries run at once (platform libraries pace themselves within that)."""
MAX_ATTEMPTS = 6
"""Temporary failures retried this many times in all before the reminder is failed."""
BACKOFF = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
LATE_AFTER = timedelta(minutes=2)
"""A reminder delivered this long past due says it is late."""
MAX_WAIT = 3600.0
"""Look at the table at least this often (seconds), whatever it says."""

Render = Callable[[Reminder, bool], Awaitable[Reply]]
OnFailure = Callable[[Reminder, str], Awaitable[None]]


class ReminderScheduler:
    def __init__(
        self, store: ReminderStore, clock: Clock, render: Render, on_permanent_failure: OnFailure
    ) -> None:
        self.store = store
        self.clock = clock
        self.render = render
        self.on_permanent_failure = on_permanent_failure
        self.adapters: dict[str, Adapter] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._limit = asyncio.Semaphore(CONCURRENCY)
        self.delivered = 0

    def set_adapters(self, adapters: Mapping[str, Adapter]) -> None:
        self.adapters = dict(adapters)

    def wake(self) -> None:
        """Look again now: a reminder was added, moved or cancelled."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Start the one scheduler task. Calling it again while it runs does nothing, so a
        platform reconnecting can never start a second one."""
        if self.running:
            return
        released = await self.store.release_claimed()
        if released:
            log.warning("re-queued %d reminder(s) claimed before a crash", released)
        self._task = asyncio.create_task(self._run(), name="reminder-scheduler")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler step failed; retrying in 5 s")
                await self.clock.wait(asyncio.Event(), 5.0)

    async def _step(self) -> None:
        self._wake.clear()
        platforms = tuple(self.adapters)
        if not platforms:
            await self.clock.wait(self._wake, None)
            return
        now = self.clock.now()
        batch = await self.store.claim_due(now, BATCH, platforms)
        if batch:
            await asyncio.gather(*(self._deliver(r) for r in batch))
            return
        soonest = await self.store.next_due(platforms)
        if soonest is None:
            await self.clock.wait(self._wake, MAX_WAIT)
            return
        wait = (soonest - self.clock.now()).total_seconds()
        if wait > 0:
            await self.clock.wait(self._wake, min(wait, MAX_WAIT))

    async def _deliver(self, reminder: Reminder) -> None:
        async with self._limit:
            now = self.clock.now()
            late = now - reminder.due_at > LATE_AFTER
            adapter = self.adapters[reminder.platform]
            user = UserRef(reminder.platform, reminder.user_id, reminder.chat_id)
            try:
                reply = await self.render(reminder, late)
                await adapter.deliver(user, reply)
            except PermanentDeliveryError as exc:
                log.warning("reminder %d: permanent delivery failure: %s", reminder.id, exc)
                await self.store.mark_failed(reminder.id, str(exc) or "undeliverable")
                await self.on_permanent_failure(reminder, str(exc))
                return
            except Exception as exc:
                if not isinstance(exc, TemporaryDeliveryError):
                    log.exception("reminder %d: unexpected delivery error", reminder.id)
                await self._retry(reminder, now, exc)
                return
            await self.store.mark_sent(reminder.id, self.clock.now())
            self.delivered += 1

    async def _retry(self, reminder: Reminder, now: datetime, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        attempt = reminder.attempts + 1
        if attempt >= MAX_ATTEMPTS:
            log.warning(
                "reminder %d: giving up after %d attempts (%s)", reminder.id, attempt, error
            )
            await self.store.mark_failed(reminder.id, error)
            await self.on_permanent_failure(reminder, error)
            return
        delay = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
        log.info(
            "reminder %d: attempt %d failed (%s); retry in %s", reminder.id, attempt, error, delay
        )
        await self.store.retry_later(reminder.id, now + delay, error)
