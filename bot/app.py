"""One asyncio process: the store, the core, the scheduler and every configured adapter."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bot.adapters.base import Adapter
from bot.cards_live import CardsWatcher, build
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.core import Core
from bot.http import HealthServer
from bot.metrics import Metrics
from bot.scheduler import ReminderScheduler
from bot.storage import store_for
from bot.storage.base import ReminderStore
from bot.timeparse import warm_up
from knowledge import CardError, LexiconError, Matcher, default_matcher

log = logging.getLogger(__name__)


class AdapterFailed(RuntimeError):
    """An adapter stopped on its own while the bot was serving (the Discord gateway task
    ended, Telegram polling gave up). The process should exit non-zero so a supervisor
    restarts it, rather than run on without that platform."""

    def __init__(self, platform: str, reason: str) -> None:
        super().__init__(f"the {platform.capitalize()} adapter stopped: {reason}")
        self.platform = platform
        self.reason = reason


class WhyBot:
    """Owns the shared pieces. Adapters are added before :meth:`start`."""

    def __init__(
        self, settings: Settings, clock: Clock | None = None, matcher: Matcher | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        # SQLite (one process) or PostgreSQL (several processes share it), by DATABASE_URL
        self.store: ReminderStore = store_for(settings.database_url)
        if matcher is None and settings.cards_dir is not None:
            try:  # the operator's cards (WHYBOT_CARDS_DIR), checked as at a reload
                matcher = build(settings.cards_dir)[0]
            except (CardError, LexiconError) as exc:
                raise ConfigError(f"WHYBOT_CARDS_DIR: {exc}") from None
        self.metrics = Metrics()
        self.metrics.count_pending_with(self.store.count_all_pending)
        self.core = Core(
            self.store, self.clock, settings, matcher or default_matcher(), metrics=self.metrics
        )
        self.cards: CardsWatcher | None = None
        if settings.cards_dir is not None:
            self.cards = CardsWatcher(
                settings.cards_dir, self.core.replace_knowledge, settings.cards_poll
            )
        self.scheduler = ReminderScheduler(
            self.store,
            self.clock,
            self.core.render_reminder,
            self.core.delivery_failed,
            retention=settings.retention,
            lease=settings.lease,
            metrics=self.metrics,
        )
        self.core.set_wake(self.scheduler.wake)
        self.adapters: dict[str, Adapter] = {}
        self._stop: asyncio.Event | None = None
        self._started: list[Adapter] = []
        self.serving = False
        """True once :meth:`start` has finished: a failure after that is not a start-up one."""
        self.http: HealthServer | None = None
        """``/healthz`` and ``/metrics``, when WHYBOT_HTTP_PORT is set."""

    def add_adapter(self, adapter: Adapter) -> None:
        if adapter.platform in self.adapters:
            raise ValueError(f"two adapters for {adapter.platform}")
        self.adapters[adapter.platform] = adapter

    async def start(self) -> None:
        await self.store.open()
        if self.settings.http_port is not None:
            # up before the adapters: /healthz answers 503 while they connect
            self.http = HealthServer(
                self.metrics, lambda: self.store.get_meta("health"), lambda: self.adapters
            )
            await self.http.start(self.settings.http_host, self.settings.http_port)
        await asyncio.to_thread(warm_up)  # dateparser's first load takes a moment
        for adapter in self.adapters.values():
            await adapter.start()
            self._started.append(adapter)
        # The scheduler starts once per process, after the adapters can deliver, and never
        # from a platform's "ready" event (those fire again on every reconnect).
        self.scheduler.set_adapters(self.adapters)
        await self.scheduler.start()
        if self.cards is not None:
            self.cards.start()

    async def stop(self) -> None:
        if self.cards is not None:
            await self.cards.stop()
        await self.scheduler.stop()
        for adapter in reversed(self._started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        self._started.clear()
        if self.http is not None:
            await self.http.stop()
            self.http = None
        await self.store.close()

    def request_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run(self) -> None:
        """Start, serve until SIGTERM/SIGINT or until an adapter finishes (the console at
        end of input), then stop cleanly.

        An adapter may expose ``finished`` (an :class:`asyncio.Event`) and ``failure`` (a
        reason, set before ``finished`` when it died on its own); then this stops
        everything and raises :class:`AdapterFailed`."""
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            # not possible outside the main thread, or on Windows
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        if self.cards is not None:  # SIGHUP: reload the cards now
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGHUP, self.cards.reload_now)
        try:
            await self.start()
            self.serving = True
            # the console's stderr is the user's terminal: keep it quiet there
            quiet = set(self.adapters) <= {"console"}
            log.log(
                logging.DEBUG if quiet else logging.INFO, "serving: %s", ", ".join(self.adapters)
            )
            waits = [asyncio.ensure_future(self._stop.wait())]
            for adapter in self.adapters.values():
                finished = getattr(adapter, "finished", None)
                if isinstance(finished, asyncio.Event):
                    waits.append(asyncio.ensure_future(finished.wait()))
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for w in waits:
                w.cancel()
            for adapter in self.adapters.values():
                failure = getattr(adapter, "failure", None)
                if failure:
                    raise AdapterFailed(adapter.platform, str(failure))
        finally:
            await self.stop()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
