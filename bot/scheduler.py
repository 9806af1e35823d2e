"""The reminder scheduler: one loop that claims due reminders and hands each to a delivery
task, within a bound per platform.

Delivery is at least once. A reminder is claimed (with this process as owner and a lease)
before it is sent and marked sent after; only the owner can mark it. If the process dies,
hangs, or cannot mark it, the lease runs out and this or another process claims it again.
So after a crash at most the deliveries that were in flight, ``IN_FLIGHT`` per platform,
are sent twice. Each delivery has a timeout; one that times out is retried like any
temporary failure, so one hung call never holds anyone else's reminder. Reminders that
fell due while the bot was down go out at start-up, marked late. Finished reminders are
deleted after the retention period, in small batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.adapters.base import Adapter, PermanentDeliveryError, TemporaryDeliveryError
from bot.clock import Clock
from bot.metrics import Metrics
from bot.model import Reply, UserRef
from bot.storage.base import Reminder, ReminderStore

log = logging.getLogger(__name__)

DELIVERY_TIMEOUT = 30.0
"""Seconds one delivery (render and send) may take before it counts as a temporary failure."""
IN_FLIGHT: Mapping[str, int] = {"telegram": 30, "discord": 20, "console": 4}
"""Deliveries in flight at once per platform: what its rate limit needs, and no more, since
after a crash these are the ones that may be sent twice. Telegram allows about 30 messages
a second to different users; a Discord DM is two requests against a global 50 a second."""
DEFAULT_IN_FLIGHT = 16
"""The bound for any other platform (test and benchmark adapters)."""
LEASE = timedelta(minutes=2)
"""How long a claim lasts: well over a delivery's timeout, so a live owner never loses one."""
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
MAX_WAIT = timedelta(hours=1)
"""Look at the table at least this often, whatever it says."""
SHARED_POLL = timedelta(seconds=30)
"""How often to look when other processes share the store: a safety net under their
wake-ups (LISTEN/NOTIFY), which a lost connection can miss."""
RETENTION = timedelta(days=90)
"""Finished reminders are kept this long (``WHYBOT_RETENTION``)."""
PRUNE_EVERY = timedelta(hours=1)
PRUNE_BATCH = 500
"""Rows deleted per statement, so pruning never holds the database for long."""
STOP_GRACE = 5.0
"""Seconds :meth:`ReminderScheduler.stop` lets deliveries in flight finish."""

ERROR_PAUSE = timedelta(seconds=5)

Render = Callable[[Reminder, bool], Awaitable[Reply]]
OnFailure = Callable[[Reminder, str], Awaitable[None]]


def process_id() -> str:
    """Who claims: ``host:pid:random``, unique per process start."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class ReminderScheduler:
    def __init__(
        self,
        store: ReminderStore,
        clock: Clock,
        render: Render,
        on_permanent_failure: OnFailure,
        *,
        retention: timedelta = RETENTION,
        delivery_timeout: float = DELIVERY_TIMEOUT,
        in_flight: Mapping[str, int] | None = None,
        lease: timedelta = LEASE,
        max_wait: timedelta | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.render = render
        self.on_permanent_failure = on_permanent_failure
        self.retention = retention
        # a claim must outlive any delivery under it, so a short lease shortens the timeout
        self.delivery_timeout = min(delivery_timeout, lease.total_seconds() / 2)
        self.in_flight_bound = dict(IN_FLIGHT if in_flight is None else in_flight)
        self.lease = lease
        if max_wait is None:
            max_wait = SHARED_POLL if getattr(store, "shared", False) else MAX_WAIT
        self.max_wait = max_wait
        self.owner = process_id()
        self.adapters: dict[str, Adapter] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._in_flight: Counter[str] = Counter()
        self._next_prune: datetime | None = None
        # the observable idle point: the loop waits, nothing in flight, until this time
        self._idle_until: datetime | None = None
        self._changed = asyncio.Event()
        self.delivered = 0
        self.steps = 0
        self.metrics = metrics

    def set_adapters(self, adapters: Mapping[str, Adapter]) -> None:
        self.adapters = dict(adapters)

    def bound(self, platform: str) -> int:
        return self.in_flight_bound.get(platform, DEFAULT_IN_FLIGHT)

    def wake(self) -> None:
        """Look again now: a reminder was added, moved or cancelled."""
        self._wake.set()

    def wake_for(self, platform: str) -> None:
        """Another process changed reminders of ``platform`` ('' for any): look again now
        if this process serves it."""
        if not platform or platform in self.adapters:
            self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def in_flight(self) -> int:
        return sum(self._in_flight.values())

    def is_idle(self) -> bool:
        """Nothing is due or in flight, and the loop is waiting for a time still ahead."""
        return (
            self._idle_until is not None
            and not self._wake.is_set()
            and not self._deliveries
            and self.clock.now() < self._idle_until
        )

    async def idle(self) -> None:
        """Return once the scheduler is idle: it has delivered (or retried) everything due
        at the clock's current time and waits for something later."""
        while not (self.is_idle() or not self.running):
            await self._changed.wait()
        task = self._task
        if task is not None and task.done() and not task.cancelled():
            task.result()  # a crashed loop raises here instead of hanging a test

    def _notify(self) -> None:
        """Tell :meth:`idle` waiters to look again."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def start(self) -> None:
        """Start the one scheduler task. Calling it again while it runs does nothing, so a
        platform reconnecting can never start a second one."""
        if self.running:
            return
        await self.store.subscribe(self.wake_for)
        self._task = asyncio.create_task(self._run(), name="reminder-scheduler")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self._notify()
        if self._deliveries:
            await asyncio.wait(self._deliveries, timeout=STOP_GRACE)
        for task in list(self._deliveries):
            task.cancel()
        if self._deliveries:
            await asyncio.wait(self._deliveries)
        # what was cancelled goes back to pending now rather than when its lease runs out
        try:
            released = await self.store.release_claims(self.owner)
        except Exception as exc:  # the store may be gone; the leases run out then
            log.warning("could not release this process's claims at shutdown: %s", exc)
            return
        if released:
            log.info("released %d reminder(s) still being delivered at shutdown", released)

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler step failed; retrying in 5 s")
                await self.clock.wait(asyncio.Event(), self.clock.now() + ERROR_PAUSE)

    async def _step(self) -> None:
        self._wake.clear()
        self._idle_until = None
        self.steps += 1
        now = self.clock.now()
        if self._next_prune is None or now >= self._next_prune:
            await self._prune(now)
            self._next_prune = now + PRUNE_EVERY
        claimed = 0
        open_platforms = []
        for platform in self.adapters:
            free = self.bound(platform) - self._in_flight[platform]
            if free <= 0:
                continue
            open_platforms.append(platform)
            batch = await self.store.claim_due(now, free, (platform,), self.owner, self.lease)
            for reminder in batch:
                self._start_delivery(reminder)
            claimed += len(batch)
        if claimed:
            return  # look again at once: more may be due than there was room for
        until: datetime | None = min(self._next_prune, now + self.max_wait)
        if open_platforms:
            soonest = await self.store.next_due(open_platforms)
            if soonest is not None:
                until = min(until, soonest)
        elif self._deliveries:
            until = None  # every platform is full: a delivery finishing wakes the loop
        if until is not None and until <= self.clock.now():
            return
        if not self._deliveries and until is not None:
            self._idle_until = until
            self._notify()
        await self.clock.wait(self._wake, until)

    def _start_delivery(self, reminder: Reminder) -> None:
        self._in_flight[reminder.platform] += 1
        task = asyncio.create_task(self._deliver(reminder), name=f"deliver-{reminder.id}")
        self._deliveries.add(task)
        task.add_done_callback(lambda t: self._delivery_done(t, reminder.platform))

    def _delivery_done(self, task: asyncio.Task[None], platform: str) -> None:
        self._deliveries.discard(task)
        self._in_flight[platform] -= 1
        if not task.cancelled() and task.exception() is not None:
            # the claim stays until its lease runs out; then it is delivered again
            log.error(
                "delivery task failed; the reminder is re-sent when its claim runs out",
                exc_info=task.exception(),
            )
        self._wake.set()
        self._notify()

    async def _deliver(self, reminder: Reminder) -> None:
        now = self.clock.now()
        late = now - reminder.due_at > LATE_AFTER
        adapter = self.adapters[reminder.platform]
        user = UserRef(reminder.platform, reminder.user_id, reminder.chat_id)
        try:
            async with asyncio.timeout(self.delivery_timeout):
                reply = await self.render(reminder, late)
                await adapter.deliver(user, reply)
        except PermanentDeliveryError as exc:
            log.warning("reminder %d: permanent delivery failure: %s", reminder.id, exc)
            self._count_error(reminder, "delivery_permanent")
            await self._fail(reminder, str(exc) or "undeliverable")
            return
        except TimeoutError:
            log.warning("reminder %d: delivery took over %g s", reminder.id, self.delivery_timeout)
            self._count_error(reminder, "delivery_timeout")
            error = TimeoutError(f"no answer in {self.delivery_timeout:g} s")
            await self._retry(reminder, error)
            return
        except Exception as exc:
            if not isinstance(exc, TemporaryDeliveryError):
                log.exception("reminder %d: unexpected delivery error", reminder.id)
            self._count_error(reminder, "delivery_temporary")
            await self._retry(reminder, exc)
            return
        sent_at = self.clock.now()
        if await self.store.mark_sent(reminder.id, self.owner, sent_at):
            self.delivered += 1
            if self.metrics is not None:
                m, platform = self.metrics, reminder.platform
                m.reminders_sent.labels(platform).inc()
                if late:
                    m.reminders_late.labels(platform).inc()
                delay = (sent_at - reminder.due_at).total_seconds()
                m.delivery_delay.labels(platform).observe(max(0.0, delay))
        else:
            log.warning(
                "reminder %d: delivered, but no longer claimed by this process"
                " (cancelled, moved or its claim ran out meanwhile)",
                reminder.id,
            )

    def _count_error(self, reminder: Reminder, kind: str) -> None:
        if self.metrics is not None:
            self.metrics.error(reminder.platform, kind)

    async def _fail(self, reminder: Reminder, error: str) -> None:
        if await self.store.mark_failed(reminder.id, self.owner, self.clock.now(), error):
            if self.metrics is not None:
                self.metrics.reminders_failed.labels(reminder.platform).inc()
            await self.on_permanent_failure(reminder, error)

    async def _retry(self, reminder: Reminder, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        attempt = reminder.attempts + 1
        if attempt >= MAX_ATTEMPTS:
            log.warning(
                "reminder %d: giving up after %d attempts (%s)", reminder.id, attempt, error
            )
            await self._fail(reminder, error)
            return
        delay = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
        log.info(
            "reminder %d: attempt %d failed (%s); retry in %s", reminder.id, attempt, error, delay
        )
        # backoff counts from the failure: a timed-out delivery waits its step after it
        await self.store.retry_later(reminder.id, self.owner, self.clock.now() + delay, error)

    async def _prune(self, now: datetime) -> None:
        before = now - self.retention
        total = 0
        while True:
            removed = await self.store.prune_finished(before, PRUNE_BATCH)
            total += removed
            if removed < PRUNE_BATCH:
                break
            await asyncio.sleep(0)  # let commands and deliveries in between batches
        if total:
            log.info("pruned %d finished reminder(s) older than %s", total, self.retention)
        # the records of handled platform updates, once they expired
        while True:
            if await self.store.prune_seen(now, PRUNE_BATCH) < PRUNE_BATCH:
                break
            await asyncio.sleep(0)
