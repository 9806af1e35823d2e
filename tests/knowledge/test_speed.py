"""Loose guards against gross slow-downs; benchmarks/match_bench.py has the real figures
(targets: median <= 100 us per query, load <= 300 ms). The bounds here are several times
looser so that a busy test machine does not make them flaky."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml

from knowledge import Matcher, load_cards

DEVSET = Path(__file__).resolve().parents[1] / "data" / "devset.yaml"


def test_load_and_match_speed() -> None:
    t0 = time.perf_counter()
    matcher = Matcher(load_cards())
    load_ms = (time.perf_counter() - t0) * 1000
    assert load_ms < 1500, f"loading took {load_ms:.0f} ms"

    queries = [e["q"] for e in yaml.safe_load(DEVSET.read_text(encoding="utf-8"))]
    times = []
    for q in queries:
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            matcher.match(q)
            best = min(best, time.perf_counter() - t0)
        times.append(best * 1e6)
    median = statistics.median(times)
    assert median < 500, f"median {median:.0f} us per query"
