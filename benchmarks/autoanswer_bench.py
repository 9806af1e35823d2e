"""Auto-answer under a flood, and a live card reload, on the real core and SQLite.

1,000 plain messages (four phrasings of three cards, most of them confident) arrive at once
in one auto-answer channel, offered to the bounded queue as an adapter offers them; the
replies are recorded instead of sent. Prints how many were answered (at most one per
card), dropped and considered, how long the queue took to drain, and the event loop's
worst stall meanwhile (the matcher runs in a worker thread). Then the cost of a card
reload (validation and matcher build, off the loop) and of the swap."""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import WhyBot
from bot.autoanswer import AutoAnswerQueue, IncomingMessage
from bot.cards_live import build
from bot.clock import ManualClock
from bot.config import load_settings
from bot.model import Reply
from bot.storage.base import CommunitySettings
from knowledge.loader import CARDS_DIR

TEXTS = [
    "my order says shipment cancelled why",
    "why does it say shipment cancelled",
    "where is my parcel, tracking not updating for 10 days",
    "buyer protection expired what do I do",
    "hello everyone, anyone ordered the blue one?",
]


async def flood(queue_size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            WHYBOT_AUTO_QUEUE=str(queue_size),
        )
        bot = WhyBot(settings, clock=ManualClock())
        await bot.store.open()
        await bot.store.set_community("discord", "g", CommunitySettings(channels=frozenset({"c"})))
        sent: list[Reply] = []

        async def send(message: IncomingMessage, reply: Reply) -> None:
            sent.append(reply)

        queue = AutoAnswerQueue(bot.core.auto_answer, send, settings.auto_queue)
        queue.start()
        stalls: list[float] = []
        stop = asyncio.Event()

        async def watch_loop() -> None:
            while not stop.is_set():
                t = time.perf_counter()
                await asyncio.sleep(0.005)
                stalls.append(time.perf_counter() - t - 0.005)

        watcher = asyncio.create_task(watch_loop())
        start = time.perf_counter()
        for i in range(1000):
            queue.offer(
                IncomingMessage(
                    "discord", "g", "c", str(10_000 + i), str(i), f"{TEXTS[i % len(TEXTS)]} {i}"
                )
            )
            if i % 50 == 0:
                await asyncio.sleep(0)  # messages arrive over a few loop turns, not one
        await queue.idle()
        took = time.perf_counter() - start
        stop.set()
        await watcher
        await queue.stop()
        await bot.store.close()
        print(
            f"queue {queue_size:>4}: {len(sent)} replies ({len({r.card_id for r in sent})} cards),"
            f" {queue.dropped} dropped, {queue.considered} considered, drained in"
            f" {took * 1e3:.0f} ms; worst loop stall {max(stalls) * 1e3:.1f} ms,"
            f" median {statistics.median(stalls) * 1e3:.2f} ms"
        )


def reload_cost() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cards = Path(tmp) / "cards"
        shutil.copytree(CARDS_DIR, cards)
        samples = []
        for _ in range(3):
            t = time.perf_counter()
            build(cards)
            samples.append(time.perf_counter() - t)
        print(
            f"card reload (validate + matcher + detector, in a thread): "
            f"median {statistics.median(samples) * 1e3:.0f} ms"
        )


def main() -> None:
    for size in (100, 1000):
        asyncio.run(flood(size))
    reload_cost()


if __name__ == "__main__":
    main()
