"""Cards reloaded while the bot runs: ``WHYBOT_CARDS_DIR`` names the operator's copy of
the cards; a changed file (polled by modification time, or on SIGHUP) is validated as
``python -m knowledge check`` does, built into a new matcher off the event loop, and
swapped in. A broken edit keeps the old cards and logs one line naming file and field."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from knowledge import CardError, Lexicon, LexiconError, Matcher, load_cards
from knowledge.detect import LanguageDetector, lexicon_stopwords
from knowledge.loader import I18N_DIR, missing_translations

log = logging.getLogger(__name__)

Snapshot = dict[str, tuple[int, int]]


def snapshot(directory: Path) -> Snapshot:
    """(mtime in ns, size) of every card and translation file."""
    found: Snapshot = {}
    for path in [*directory.glob("*.yaml"), *(directory / I18N_DIR).glob("*.yaml")]:
        with contextlib.suppress(OSError):  # removed meanwhile: the next poll sees it
            stat = path.stat()
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


def build(directory: Path) -> tuple[Matcher, LanguageDetector]:
    """Load and check the cards as ``python -m knowledge check`` does (raises
    :class:`CardError` or :class:`LexiconError` with a one-line message)."""
    cards = load_cards(directory)
    missing = missing_translations(cards)
    if missing:
        raise CardError(f"{I18N_DIR}/: no card texts in {', '.join(missing)}")
    matcher = Matcher(cards, Lexicon.load())
    detector = LanguageDetector.build(matcher.cards.values(), lexicon_stopwords())
    return matcher, detector


class CardsWatcher:
    """Polls ``directory`` every ``interval`` seconds; :meth:`reload_now` (SIGHUP) checks
    at once. ``swap`` receives each good build."""

    def __init__(
        self,
        directory: Path,
        swap: Callable[[Matcher, LanguageDetector], None],
        interval: float = 5.0,
    ) -> None:
        self.directory = directory
        self._swap = swap
        self.interval = interval
        self._seen = snapshot(directory)
        self._task: asyncio.Task[None] | None = None
        self._poke = asyncio.Event()
        self._lock = asyncio.Lock()
        self.reloads = 0
        """Good reloads swapped in so far."""
        self.failures = 0
        self.checked = asyncio.Condition()
        """Notified after every check (for tests: an observable idle point)."""
        self.last_error = ""

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="cards-watcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def reload_now(self) -> None:
        """Check at once, even if no modification time changed (SIGHUP)."""
        self._seen = {}
        self._poke.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), self.interval)
            self._poke.clear()
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("cards: checking %s failed", self.directory)

    async def check(self) -> bool:
        """Reload if any file changed; True when new cards were swapped in."""
        async with self._lock:
            now = await asyncio.to_thread(snapshot, self.directory)
            if now == self._seen:
                await self._notify()
                return False
            self._seen = now
            try:
                matcher, detector = await asyncio.to_thread(build, self.directory)
            except (CardError, LexiconError) as exc:
                self.failures += 1
                self.last_error = str(exc)
                log.error("cards: not reloaded, keeping the old cards: %s", exc)
                await self._notify()
                return False
            self._swap(matcher, detector)
            self.reloads += 1
            self.last_error = ""
            log.info("cards: reloaded %d cards from %s", len(matcher.cards), self.directory)
            await self._notify()
            return True

    async def _notify(self) -> None:
        async with self.checked:
            self.checked.notify_all()
