"""How long reading a /remind time takes, and how much of it blocks the event loop.

Run: python benchmarks/parse_bench.py [--repeat N]

Over the phrasing table of tests/core/test_timeparse.py (each phrase followed by a note,
in three zones), it reports the median, p95 and worst per-phrase time of ``read_when``
(what /remind awaits) and of the part that runs on the event loop (the regular
expressions; dateparser runs in its own thread). Each phrase's time is the fastest of N
runs, which keeps other processes' noise out. It then times adversarial inputs (the
longest text a command takes, six date words that make dateparser run its three calls),
the first call before dateparser is loaded, and /timezone's zone lookup with and without
the cached zone list.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import timeparse  # noqa: E402
from bot.commands import account  # noqa: E402
from tests.core.test_timeparse import TABLE  # noqa: E402

ZONES = ("Europe/Warsaw", "America/Sao_Paulo", "America/New_York")
NOW = datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
ADVERSARIAL = {
    "1000 characters of x": "x" * 1000,
    "1000 characters of digits and dots": ("1.2." * 250),
    "six date words, no date": "grudnia grudnia grudnia grudnia grudnia grudnia note",
    "six date words, dateparser x3": "27 grudnia 27 grudnia 27 grudnia pay",
    "a duration regex torture": "a" * 59 + "!",
    "many units": "1h " * 30,
}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


async def timed(text: str, zone: ZoneInfo, repeat: int) -> tuple[float, float]:
    """(fastest read_when, fastest of its part on the event loop) over ``repeat`` runs."""
    best_total = best_inline = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        timeparse.read_cheap(text, NOW, zone)  # the rest runs in dateparser's thread
        inline = time.perf_counter() - start
        start = time.perf_counter()
        await timeparse.read_when(text, NOW, zone)
        total = time.perf_counter() - start
        best_total, best_inline = min(best_total, total), min(best_inline, inline)
    return best_total, best_inline


def summary(name: str, values: list[float]) -> None:
    values = sorted(values)
    p95 = values[int(0.95 * (len(values) - 1))]
    print(
        f"{name:34} median {ms(statistics.median(values))}  p95 {ms(p95)}  worst {ms(values[-1])}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    zone = ZoneInfo("Europe/Warsaw")
    start = time.perf_counter()
    await timeparse.read_when("27 grudnia pay", NOW, zone)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    timeparse.warm_up()
    warm = time.perf_counter() - start

    totals: list[tuple[float, str]] = []
    inlines: list[float] = []
    for zone_name in ZONES:
        zone = ZoneInfo(zone_name)
        for text, _ in TABLE:
            total, inline = await timed(f"{text} check the parcel", zone, args.repeat)
            totals.append((total, f"{text} ({zone_name})"))
            inlines.append(inline)
    print(f"phrasing table: {len(TABLE)} phrasings x {len(ZONES)} zones = {len(totals)} reads")
    summary("read_when (what /remind awaits)", [t for t, _ in totals])
    summary("on the event loop", inlines)
    worst = sorted(totals)[-3:]
    print("slowest:", "; ".join(f"{name} {t * 1000:.2f} ms" for t, name in reversed(worst)))
    print(f"first read before dateparser is loaded: {ms(cold)}; warm_up() after: {ms(warm)}")

    print("adversarial inputs (read_when, of which on the event loop):")
    zone = ZoneInfo("Europe/Warsaw")
    for name, text in ADVERSARIAL.items():
        total, inline = await timed(text, zone, args.repeat)
        print(f"  {name:34} {ms(total)}  {ms(inline)}")

    rounds = 50
    start = time.perf_counter()
    for _ in range(rounds):
        {name.lower(): name for name in available_timezones()}.get("europe/warsaw")
    before = (time.perf_counter() - start) / rounds
    account._zone_names()
    start = time.perf_counter()
    for _ in range(rounds):
        account._zone_names().get("europe/warsaw")
    after = (time.perf_counter() - start) / rounds
    print(f"/timezone zone lookup: listing every zone each call {ms(before)}, cached {ms(after)}")


if __name__ == "__main__":
    asyncio.run(main())
