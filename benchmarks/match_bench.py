"""Accuracy per slice and speed of the /why matcher, beside a naive baseline.

Run: python benchmarks/match_bench.py [--set tests/data/devset.yaml] [--errors] [--kinds]
         [--repeat N]

The baseline is RapidFuzz WRatio of the query against the card titles, answering the
best title when it scores at least BASELINE_CUTOFF. Both run over the same queries in
one process; speed is the median (and p95) of per-query wall time (with --repeat N, of
each query's fastest of N runs, which keeps other processes' noise out).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """This process's resident memory now (Linux), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_RSS_BEFORE = rss_mb()
_T0 = time.perf_counter()
from knowledge import Matcher, load_cards  # noqa: E402

_IMPORT_S = time.perf_counter() - _T0

BASELINE_CUTOFF = 70.0
SETS = [
    ROOT / "tests/data/devset.yaml",
    ROOT / "tests/data/holdout.yaml",
    ROOT / "tests/data/frozen.yaml",
    ROOT / "tests/data/frozen2.yaml",
]
TRIAGE = "triage"
"""How a set labels a generic question that should be answered with "which status?"."""


def slice_of(entry: dict) -> str:
    if entry["card"] is None:
        return "off-topic"
    return "in-scope en" if entry["lang"] == "en" else "in-scope other"


def evaluate(
    name: str,
    answer: Callable[[str], str | None],
    queries: list[dict],
    show_errors: bool,
    repeat: int = 1,
    kinds: bool = False,
) -> None:
    right: dict[str, int] = {}
    total: dict[str, int] = {}
    kind_right: dict[str, int] = {}
    kind_total: dict[str, int] = {}
    times: list[float] = []
    for entry in queries:
        best = float("inf")
        for _ in range(max(repeat, 1)):
            t0 = time.perf_counter()
            got = answer(entry["q"])
            best = min(best, time.perf_counter() - t0)
        times.append(best)
        kind = f"{entry['kind']}"
        kind_total[kind] = kind_total.get(kind, 0) + 1
        if got == entry["card"]:
            kind_right[kind] = kind_right.get(kind, 0) + 1
        sl = slice_of(entry)
        total[sl] = total.get(sl, 0) + 1
        if got == entry["card"]:
            right[sl] = right.get(sl, 0) + 1
        elif show_errors:
            print(f"   miss [{sl}] {entry['q']!r}: want {entry['card']}, got {got}")
    us = sorted(t * 1e6 for t in times)
    parts = [
        f"{sl} {right.get(sl, 0)}/{n} = {100 * right.get(sl, 0) / n:.1f}%"
        for sl, n in sorted(total.items())
    ]
    print(
        f"  {name:9} "
        + " | ".join(parts)
        + f" | median {statistics.median(us):.1f} us, p95 {us[int(len(us) * 0.95)]:.1f} us/query"
    )
    if kinds:
        print(
            "            by kind: "
            + ", ".join(f"{k} {kind_right.get(k, 0)}/{n}" for k, n in sorted(kind_total.items()))
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", action="append", type=Path, help="query set(s); default dev + holdout")
    ap.add_argument("--errors", action="store_true", help="list every miss of the matcher")
    ap.add_argument("--kinds", action="store_true", help="also show accuracy per kind of query")
    ap.add_argument(
        "--repeat", type=int, default=1, help="time each query N times and keep the fastest"
    )
    args = ap.parse_args()

    t0 = time.perf_counter()
    cards = load_cards()
    matcher = Matcher(cards)
    load_ms = (time.perf_counter() - t0) * 1000
    print(
        f"loaded {len(cards)} cards and built the matcher (lexicon, embeddings) in "
        f"{load_ms:.1f} ms, {load_ms + _IMPORT_S * 1000:.1f} ms with the imports; "
        f"memory {rss_mb():.1f} MB resident "
        f"({rss_mb() - _RSS_BEFORE:+.1f} MB for the knowledge core)"
    )

    titles = {c.id: c.title for c in cards.values()}

    def baseline(q: str) -> str | None:
        found = process.extractOne(q, titles, scorer=fuzz.WRatio, score_cutoff=BASELINE_CUTOFF)
        return found[2] if found else None

    def ours(q: str) -> str | None:
        found = matcher.match(q)
        return TRIAGE if found.triage else found.card

    for path in args.set or SETS:
        queries = yaml.safe_load(path.read_text(encoding="utf-8"))
        for q in queries[:50]:  # warm the typo cache the way a running bot would be
            matcher.match(q["q"])
        print(f"{path.name} ({len(queries)} queries)")
        evaluate("whybot", ours, queries, args.errors, args.repeat, args.kinds)
        evaluate("baseline", baseline, queries, False, args.repeat, args.kinds)


if __name__ == "__main__":
    main()
