"""What ``/metrics`` shows, in Prometheus' format (prometheus-client).

One :class:`Metrics` per :class:`~bot.app.WhyBot`, on a registry of its own (not the
process-wide default), so several bots in one process (the tests) count apart. Counters
are per process; Prometheus sums them across processes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST

DELAY_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600, 6 * 3600, 86400)
"""Seconds from due to sent: milliseconds when all is well, hours after an outage."""


class Metrics:
    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.answers = Counter(
            "whybot_answers",
            "Answer cards shown, by card and language.",
            ["card", "language"],
            registry=registry,
        )
        self.not_sure = Counter(
            "whybot_not_sure_answers",
            "Questions answered with 'not sure' (likely statuses offered), by language.",
            ["language"],
            registry=registry,
        )
        self.reminders_pending = Gauge(
            "whybot_reminders_pending",
            "Reminders waiting to be delivered (all processes; read from the store).",
            registry=registry,
        )
        self.reminders_sent = Counter(
            "whybot_reminders_sent",
            "Reminders delivered by this process, by platform.",
            ["platform"],
            registry=registry,
        )
        self.reminders_late = Counter(
            "whybot_reminders_late",
            "Reminders delivered with the 'sent late' line (due while the bot was down).",
            ["platform"],
            registry=registry,
        )
        self.reminders_failed = Counter(
            "whybot_reminders_failed",
            "Reminders given up on (permanent failure or too many attempts), by platform.",
            ["platform"],
            registry=registry,
        )
        self.delivery_delay = Histogram(
            "whybot_reminder_delivery_delay_seconds",
            "From a reminder's due time to its delivery.",
            ["platform"],
            buckets=DELAY_BUCKETS,
            registry=registry,
        )
        self.platform_errors = Counter(
            "whybot_platform_errors",
            "Errors talking to a platform, by platform and kind.",
            ["platform", "kind"],
            registry=registry,
        )
        self._pending_source: Callable[[], Awaitable[int]] | None = None

    def count_pending_with(self, source: Callable[[], Awaitable[int]]) -> None:
        """Where the pending gauge is read from at each scrape."""
        self._pending_source = source

    def error(self, platform: str, kind: str) -> None:
        self.platform_errors.labels(platform, kind).inc()

    async def render(self) -> bytes:
        """The exposition text; the pending count is read now."""
        if self._pending_source is not None:
            self.reminders_pending.set(await self._pending_source())
        return generate_latest(self.registry)
