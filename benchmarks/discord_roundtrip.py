"""Round-trip time of /why through the real Discord adapter and a fake Discord.

Run: python benchmarks/discord_roundtrip.py [-n 200]

Starts the fake Discord (REST + gateway on 127.0.0.1) and the real WhyBot with the
Discord adapter on a temporary SQLite file, then sends N /why interactions one after
another. Each round trip is from the fake sending INTERACTION_CREATE on the gateway to
it receiving the interaction callback over REST: gateway parse, discord.py's command
tree, the core's matcher, rendering, and the HTTP callback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roundtrip_common import QUESTIONS, percentile  # noqa: E402

from bot.adapters.discord import DiscordAdapter  # noqa: E402
from bot.app import WhyBot  # noqa: E402
from bot.clock import ManualClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from tests.discord_adapter.fake_discord import FakeDiscord, slash  # noqa: E402


async def run(n: int) -> list[float]:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            _env_file=None,
            DATABASE_URL=f"sqlite:///{tmp}/bench.db",
            DISCORD_BOT_TOKEN="bench-token",
            DISCORD_API_BASE_URL=fake.api_base,
        )
        bot = WhyBot(settings, clock=ManualClock())
        bot.add_adapter(DiscordAdapter(bot.core, settings))
        await bot.start()
        try:
            await fake.wait_ready_sent()
            for i in range(5):  # warm-up, not measured
                payload = slash("why", {"question": QUESTIONS[i % len(QUESTIONS)]})
                await fake.dispatch("INTERACTION_CREATE", payload)
                await fake.callback_for(int(payload["id"]))
            times = []
            for i in range(n):
                payload = slash(
                    "why", {"question": QUESTIONS[i % len(QUESTIONS)]}, user_id=1000 + i % 50
                )
                sent = await fake.dispatch("INTERACTION_CREATE", payload)
                callback = await fake.callback_for(int(payload["id"]))
                assert callback.json["type"] == 4
                times.append((callback.at - sent) * 1000)
            return times
        finally:
            await bot.stop()
            await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="interactions to send (default 200)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("discord").setLevel(logging.ERROR)  # voice-support warnings
    times = asyncio.run(run(args.n))
    print(f"/why round trips: n={len(times)}")
    print(f"  median {statistics.median(times):.2f} ms")
    print(f"  p95    {percentile(times, 95):.2f} ms")
    print(f"  max    {max(times):.2f} ms  mean {statistics.fmean(times):.2f} ms")


if __name__ == "__main__":
    main()
