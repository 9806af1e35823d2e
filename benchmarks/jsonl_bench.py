"""``python -m knowledge match --jsonl`` over a batch: microseconds per query, start-up
excluded, and the start-up (cards, lexicon, embeddings) on its own.

Run: python benchmarks/jsonl_bench.py [--queries 20000]

The batch is drawn (with a fixed seed) from the dev, holdout and tuning sets, so typo
corrections repeat as they would in a running bot. Each figure is the fastest of 3 runs.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SETS = ("devset.yaml", "holdout.yaml", "tuneset.yaml")


def run(stdin_path: Path) -> float:
    with stdin_path.open("rb") as stdin:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "knowledge", "match", "--jsonl"],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=20_000)
    args = ap.parse_args()
    pool = [
        e["q"] for name in SETS for e in yaml.safe_load((ROOT / "tests/data" / name).read_text())
    ]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        batch = Path(tmp) / "batch.txt"
        batch.write_text("\n".join(rng.choice(pool) for _ in range(args.queries)) + "\n")
        empty = Path(tmp) / "empty.txt"
        empty.write_text("")
        startup = min(run(empty) for _ in range(3))
        total = min(run(batch) for _ in range(3))
    per_query = (total - startup) / args.queries * 1e6
    print(f"start-up (process, imports, cards, lexicon, embeddings): {startup * 1000:.0f} ms")
    print(f"{args.queries} queries: {total:.2f} s in all, {per_query:.1f} us per query")


if __name__ == "__main__":
    main()
