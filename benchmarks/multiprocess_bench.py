"""SQLite beside PostgreSQL, and several bot processes on one PostgreSQL database.

Run: python benchmarks/multiprocess_bench.py [--pending 1000000] [--burst 50000]
         [--only pending|burst|kill] [--backends sqlite,postgres]

PostgreSQL is a throwaway cluster started like the tests do (tests/pg_server.py), or the
server at WHYBOT_TEST_PG_URL. Every measured process is a fresh ``python`` child of this
script running the real WhyBot (store, core, scheduler) with a counting adapter (platform
"bench"; ``deliver`` appends the reminder id to a file and does nothing else, so the figures
are the store's and the scheduler's, not a platform's).

pending  N future reminders (1 h to 90 days ahead, 10,000 users) are bulk-loaded (setup,
         not measured: executemany on SQLite, COPY on PostgreSQL). A child then adds K=20
         reminders due 1-3 s after it calls ``WhyBot.start()``, starts, and waits for
         them: start-up time, resident memory (VmRSS) after start and at the end, and the
         delay past due of the K deliveries.
burst    N reminders already due (100 users) are loaded; then 1 process, and 3 processes
         started together (each waits for the same wall-clock instant before
         ``start()``), deliver them all: time from the common start to the last delivery,
         the rate, and how often each id was delivered (every id once is required).
kill     The 3-process burst again, on PostgreSQL, with WHYBOT_LEASE=10s: once half the
         reminders are sent, one process is killed with SIGKILL. The other two take over
         its claims when their lease runs out. Reported: none lost, and duplicates at most
         the killed process's deliveries in flight (16 for this platform).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import WhyBot  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.model import Reply, UserRef  # noqa: E402
from bot.scheduler import DEFAULT_IN_FLIGHT  # noqa: E402
from bot.storage import store_for  # noqa: E402
from bot.storage.base import TABLES, Kind, NewReminder  # noqa: E402

PLATFORM = "bench"
K_DUE = 20
DAY_MS = 86_400_000
COLUMNS = TABLES["reminders"][1:]  # all but id


def rss_kb(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def now_ms() -> int:
    return int(time.time() * 1000)


def row(uid: str, kind: str, order: str, due: int, created: int, note: str = "") -> tuple:
    # in COLUMNS order: platform .. finished_at
    return (PLATFORM, uid, uid, kind, order, note, "{}", due, "pending", 0, "", created,
            None, None, None, None)  # fmt: skip


def pending_rows(n: int, rng: random.Random) -> list[tuple]:
    base = now_ms()
    kinds = [Kind.REMIND.value] * 6 + [Kind.NUDGE.value] * 2 + [Kind.PROTECTION.value] * 2
    return [
        row(
            str(100_000 + rng.randrange(10_000)),
            rng.choice(kinds),
            f"8{i:011d}",
            base + DAY_MS // 24 + rng.randrange(90 * DAY_MS),
            base - 60_000,
            "check the tracking page" if i % 3 == 0 else "",
        )
        for i in range(n)
    ]


def burst_rows(n: int, rng: random.Random) -> list[tuple]:
    base = now_ms()
    return [
        row(str(200_000 + i % 100), Kind.REMIND.value, f"9{i:011d}", d, d - DAY_MS)
        for i in range(n)
        for d in [base - 1_000 - rng.randrange(600_000)]
    ]


async def load(url: str, rows: list[tuple]) -> None:
    """Create the schema through the store, then bulk-load ``rows`` (setup only)."""
    store: Any = store_for(url)
    await store.open()
    try:
        if url.startswith("sqlite"):
            marks = ", ".join("?" * len(COLUMNS))
            await store.db.executemany(
                f"INSERT INTO reminders ({', '.join(COLUMNS)}) VALUES ({marks})", rows
            )
            await store.db.commit()
            await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            async with store.pool.acquire() as con:
                await con.copy_records_to_table("reminders", records=rows, columns=list(COLUMNS))
                await con.execute("ANALYZE reminders")
    finally:
        await store.close()


# --- children ---------------------------------------------------------------------------


class CountingAdapter:
    platform = PLATFORM

    def __init__(self, log_path: str | None = None) -> None:
        self.fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND) if log_path else -1
        self.deliveries: list[tuple[int, float]] = []
        self.changed = asyncio.Event()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        rid = next((int(a.args[0]) for a in reply.actions if a.name == "snooze"), -1)
        at = time.time()
        self.deliveries.append((rid, at))
        if self.fd >= 0:  # one write per delivery: survives a SIGKILL right after
            os.write(self.fd, f"{rid} {at:.6f}\n".encode())
        self.changed.set()


def make_bot(url: str, adapter: CountingAdapter, lease: str = "2m") -> WhyBot:
    settings = load_settings(
        _env_file=None, DATABASE_URL=url, WHYBOT_LOG_LEVEL="WARNING", WHYBOT_LEASE=lease
    )
    bot = WhyBot(settings)
    bot.add_adapter(adapter)
    return bot


async def child_pending(url: str) -> dict[str, Any]:
    out: dict[str, Any] = {"rss_imports_kb": rss_kb()}
    adapter = CountingAdapter()
    bot = make_bot(url, adapter)
    # the K reminders due 1-3 s after start(), added through a store of their own
    other: Any = store_for(url)
    await other.open()
    base = datetime.now(UTC)
    due: dict[int, float] = {}
    for i in range(K_DUE):
        at = base + timedelta(seconds=1 + 2 * i / (K_DUE - 1))
        r = await other.add(NewReminder(PLATFORM, "1", "1", Kind.REMIND, f"7{i:011d}", at, "k"))
        due[r.id] = at.timestamp()
    await other.close()
    t0 = time.perf_counter()
    await bot.start()
    out["start_s"] = time.perf_counter() - t0
    await asyncio.sleep(0.2)  # the scheduler's first step
    out["rss_started_kb"] = rss_kb()
    try:
        async with asyncio.timeout(60):
            while sum(1 for rid, _ in adapter.deliveries if rid in due) < K_DUE:
                adapter.changed.clear()
                await adapter.changed.wait()
            while bot.scheduler.delivered < K_DUE:  # noqa: ASYNC110 (a counter, no event)
                await asyncio.sleep(0.005)
        out["all_sent"] = True
    except TimeoutError:
        out["all_sent"] = False
    out["rss_end_kb"] = rss_kb()
    out["delays_ms"] = [(at - due[rid]) * 1000 for rid, at in adapter.deliveries if rid in due]
    await bot.stop()
    return out


async def child_burst(url: str, go_at: float, log_path: str, lease: str) -> dict[str, Any]:
    adapter = CountingAdapter(log_path)
    bot = make_bot(url, adapter, lease)
    watcher: Any = store_for(url)
    await watcher.open()
    await asyncio.sleep(max(0.0, go_at - time.time()))
    started = time.time()
    await bot.start()
    # done when no reminder is left pending or claimed (by anyone)
    while True:
        counts = await watcher.status_counts()
        if not counts.get("pending") and not counts.get("claimed"):
            break
        await asyncio.sleep(0.05)
    await watcher.close()
    out = {
        "started": started,
        "delivered": len(adapter.deliveries),
        "last": max((at for _, at in adapter.deliveries), default=started),
        "rss_end_kb": rss_kb(),
    }
    await bot.stop()
    return out


# --- parent -----------------------------------------------------------------------------


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        stdout=subprocess.PIPE,
        text=True,
    )


def result_of(proc: subprocess.Popen[str]) -> dict[str, Any] | None:
    stdout, _ = proc.communicate()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(lines[-1].removeprefix("RESULT ")) if lines else None


def table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print("  " + fmt.format(*head))
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + fmt.format(*r))


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f} MB"


def bench_pending(urls: dict[str, str], n: int, rng: random.Random) -> None:
    print(f"pending: {n:,} future reminders, then {K_DUE} due 1-3 s after start()")
    rows = pending_rows(n, rng)
    result = []
    for name, url in urls.items():
        t = time.perf_counter()
        asyncio.run(load(url, rows))
        print(f"  {name}: bulk load (setup, not measured) {time.perf_counter() - t:.1f} s")
        r = result_of(spawn("pending", url))
        assert r is not None, f"{name}: the child failed"
        d = sorted(r["delays_ms"])
        result.append(
            [
                name,
                f"{r['start_s'] * 1000:.0f} ms",
                mb(r["rss_imports_kb"]),
                mb(r["rss_started_kb"]),
                mb(r["rss_end_kb"]),
                f"{len(d)}/{K_DUE}",
                f"{statistics.median(d):.1f} ms" if d else "-",
                f"{d[-1]:.1f} ms" if d else "-",
            ]
        )
    table(
        [
            "backend",
            "start()",
            "RSS imports",
            "RSS started",
            "RSS end",
            "sent",
            "delay median",
            "delay max",
        ],
        result,
    )


def read_logs(paths: list[Path]) -> Counter[int]:
    seen: Counter[int] = Counter()
    for p in paths:
        if p.exists():
            for line in p.read_text().splitlines():
                seen[int(line.split()[0])] += 1
    return seen


async def status_counts(url: str) -> dict[str, int]:
    store: Any = store_for(url)
    await store.open()
    try:
        return await store.status_counts()
    finally:
        await store.close()


def run_burst(
    url: str, n: int, procs: int, tmp: Path, label: str, kill_at: float | None = None
) -> dict[str, Any]:
    logs = [tmp / f"{label}-{i}.log" for i in range(procs)]
    for p in logs:
        p.unlink(missing_ok=True)
    go_at = time.time() + 8 + 2 * procs  # time for every child's imports
    lease = "10s"
    children = [spawn("burst", url, f"{go_at}", str(p), lease) for p in logs]
    killed = False
    if kill_at is not None:
        while True:  # watch the table; SIGKILL child 0 once this share is sent
            sent = asyncio.run(status_counts(url)).get("sent", 0)
            if sent >= n * kill_at:
                children[0].send_signal(signal.SIGKILL)
                killed_at = time.time()
                killed = True
                break
            time.sleep(0.05)
    results = [result_of(c) for c in children]
    seen = read_logs(logs)
    alive = [r for r in results if r is not None]
    first = min(r["started"] for r in alive)
    last = max(r["last"] for r in alive)
    out = {
        "seconds": last - first,
        "rate": n / (last - first),
        "distinct": len(seen),
        "deliveries": sum(seen.values()),
        "duplicates": sum(c - 1 for c in seen.values()),
        "missing": n - len(seen),
        "per_process": [r["delivered"] if r else "killed" for r in results],
        "status": asyncio.run(status_counts(url)),
        "rss_kb": [r["rss_end_kb"] for r in alive],
    }
    if killed:
        victim = read_logs(logs[:1])
        out["killed_delivered"] = sum(victim.values())
        out["killed_at"] = killed_at - first
    return out


def bench_burst(
    urls: dict[str, str], n: int, rng: random.Random, tmp: Path, kill_only: bool
) -> None:
    rows = burst_rows(n, rng)
    lines = []
    runs: list[tuple[str, int, float | None]] = []
    if not kill_only:
        runs += [(name, procs, None) for name in urls for procs in (1, 3)]
    if "postgres" in urls:
        runs.append(("postgres", 3, 0.5))
    for name, procs, kill in runs:
        url = urls[name] if name == "sqlite" else fresh_pg(name, urls[name])
        if name == "sqlite":
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        asyncio.run(load(url, rows))
        r = run_burst(url, n, procs, tmp, f"{name}-{procs}-{kill}", kill)
        ok = r["missing"] == 0 and r["status"] == {"sent": n}
        label = f"{name} x{procs}" + (" SIGKILL 1 at 50%" if kill else "")
        lines.append(
            [
                label,
                f"{r['seconds']:.1f} s",
                f"{r['rate']:,.0f} /s",
                "/".join(str(x) for x in r["per_process"]),
                str(r["duplicates"]),
                str(r["missing"]),
                "yes" if ok else f"NO {r['status']}",
                "/".join(mb(k) for k in r["rss_kb"]),
            ]
        )
        if kill:
            print(
                f"  {label}: killed {r['killed_at']:.1f} s in, after it had delivered"
                f" {r['killed_delivered']:,}; duplicates {r['duplicates']} (bound: its"
                f" {DEFAULT_IN_FLIGHT} deliveries in flight) ->"
                f" {'within' if r['duplicates'] <= DEFAULT_IN_FLIGHT else 'OVER'} the bound"
            )
    print(f"burst: {n:,} reminders already due; time from the common start to the last delivery")
    table(
        [
            "run",
            "time",
            "rate",
            "delivered per process",
            "duplicates",
            "missing",
            "all sent",
            "RSS end",
        ],
        lines,
    )


_server: Any = None


def fresh_pg(name: str, url: str) -> str:
    """A new empty database on the benchmark's PostgreSQL server."""
    from tests.pg_server import create_database

    return asyncio.run(create_database(_server))


def main() -> None:
    global _server
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pending", type=int, default=1_000_000)
    ap.add_argument("--burst", type=int, default=50_000)
    ap.add_argument("--only", choices=("pending", "burst", "kill"))
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        what, url, *rest = args.child
        if what == "pending":
            result = asyncio.run(child_pending(url))
        else:
            go_at, log_path, lease = rest
            result = asyncio.run(child_burst(url, float(go_at), log_path, lease))
        print("RESULT " + json.dumps(result), flush=True)
        return

    from tests.pg_server import create_database, start_server

    backends = args.backends.split(",")
    rng = random.Random(args.seed)
    print(f"multiprocess benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs,"
          f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="whybot-mp-bench-") as tmp:
        urls: dict[str, str] = {}
        if "sqlite" in backends:
            urls["sqlite"] = f"sqlite:///{tmp}/bench.db"
        if "postgres" in backends:
            _server = start_server()
            urls["postgres"] = asyncio.run(create_database(_server))
        try:
            if args.only in (None, "pending"):
                bench_pending(urls, args.pending, rng)
            if args.only in (None, "burst", "kill"):
                if "sqlite" in urls:
                    urls["sqlite"] = f"sqlite:///{tmp}/burst.db"
                bench_burst(urls, args.burst, rng, Path(tmp), args.only == "kill")
        finally:
            if _server is not None:
                _server.stop()


if __name__ == "__main__":
    main()
