"""Round-trip time of /why through the real Telegram adapter and a fake Bot API server.

Run: python benchmarks/telegram_roundtrip.py [-n 200] [--no-throttle]

Starts the fake Bot API (tests/tg_adapter/fake_bot_api.py, on 127.0.0.1) and the real
WhyBot with the Telegram adapter (python-telegram-bot, long polling) on a temporary SQLite
file, then sends N ``/why ...`` updates one after another, each after the previous answer
arrived. A round trip is from the update being queued on the fake (a waiting getUpdates
returns it) to the fake receiving the sendMessage: PTB's polling and dispatch, the core's
matcher, HTML rendering, the rate limiter, the HTTP call, and the validation of the HTML.

By default the adapter's production rate limiter runs (PTB's AIORateLimiter: at most 30
messages a second overall, as Telegram asks), so a long run of back-to-back answers is
paced by it. ``--no-throttle`` keeps 429 handling but lifts the pacing, to show the
adapter's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roundtrip_common import QUESTIONS, percentile  # noqa: E402
from telegram.ext import AIORateLimiter  # noqa: E402

from bot.adapters.telegram import TelegramAdapter  # noqa: E402
from bot.app import WhyBot  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI  # noqa: E402

USER = 4242


async def run(n: int, throttle: bool) -> tuple[list[float], float]:
    fake = FakeBotAPI()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_BASE_URL=fake.base_url,
        )
        bot = WhyBot(settings, clock=ManualClock())
        limiter = (
            None
            if throttle
            else AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)
        )
        bot.add_adapter(TelegramAdapter(bot.core, settings, rate_limiter=limiter))
        await bot.start()
        times: list[float] = []
        try:
            # one warm-up round trip (first HTTP connections, first match)
            fake.send_text("/why warm up", user_id=USER)
            await fake.wait_message(USER, within=10)
            started = time.perf_counter()
            for i in range(n):
                mark = fake.mark()
                update_id = fake.send_text(f"/why {QUESTIONS[i % len(QUESTIONS)]}", user_id=USER)
                await fake.wait_message(USER, after=mark, within=10)
                sent_at = fake.message_received_at[mark]
                times.append((sent_at - fake.update_queued_at[update_id]) * 1000)
            elapsed = time.perf_counter() - started
        finally:
            await bot.stop()
            await fake.close()
        assert not fake.rejected and not fake.unknown_methods, (fake.rejected, fake.unknown_methods)
    return times, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="round trips (default 200)")
    parser.add_argument(
        "--no-throttle",
        action="store_true",
        help="lift the 30 messages/s pacing (429s are still retried)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    times, elapsed = asyncio.run(run(args.n, throttle=not args.no_throttle))
    mode = "no pacing" if args.no_throttle else "production rate limiter (30 msg/s)"
    print(f"telegram /why round trip, {len(times)} sequential updates, {mode}:")
    print(f"  median {statistics.median(times):7.2f} ms")
    print(f"  p95    {percentile(times, 95):7.2f} ms")
    print(f"  max    {max(times):7.2f} ms")
    print(f"  total  {elapsed:7.2f} s ({len(times) / elapsed:.1f} answers/s)")


if __name__ == "__main__":
    main()
