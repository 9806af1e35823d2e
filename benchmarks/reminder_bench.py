"""Reminder scheduler under load: many pending reminders, and a burst of due ones.

Run: python benchmarks/reminder_bench.py [--pending N] [--burst N] [--only pending|burst]
         [--hang-every 100] [--timeout 2] [--in-flight 64]

Everything runs on a real SQLite file in a temporary directory, with the real
SystemClock, through the real WhyBot (store, core, scheduler) and a counting adapter
(platform "bench"; ``deliver`` only records which reminder arrived and when).

pending  N future reminders (spread over 90 days and many users) are written straight
         into the table with ``executemany`` on the store's connection. That is setup
         only, for speed; the bot never adds rows that way. Then a fresh Python process
         inserts K=20 reminders due 1-3 s after the moment it calls ``WhyBot.start()``,
         starts the bot and waits until all K are delivered. It reports the start-up time,
         the resident memory (VmRSS) and the delay past due of the K deliveries. The same
         run on a file with 0 pending reminders gives the memory baseline: the scheduler
         keeps no object per pending reminder, so the difference should stay within
         SQLite's page cache (2 MB by default), not grow with N. Two more runs under
         tracemalloc count the Python heap alone (their timings are not reported).
burst    N reminders that are already due (100 users, due over the last 10 minutes) are
         written the same way; a fresh process starts the bot and times how long it takes
         until every one is delivered and marked sent, then checks the table (all 'sent')
         and that each reminder id was delivered exactly once. It runs twice: once with
         every call answering at once, once where 1 in ``--hang-every`` (100) first calls
         hangs until the delivery timeout (``--timeout``, 2 s here instead of the bot's
         30 s). The second run reports the rate of the other 99% beside the first run's,
         and that every hung reminder was retried (after the first backoff step, 10 s)
         and delivered. Both runs allow ``--in-flight`` (64) deliveries at once: calls
         that hang hold their slot until the timeout, so keeping the rate R needs about
         R x (call time + hang share x timeout) slots. Here, ~1,500/s x 1% x 2 s = 30 for
         the hung calls alone; with the bot's default of 16 the others run at about half
         the rate. (Telegram at 30/s with 1% of calls hanging 30 s needs 9 of its 30.)

Each measurement runs in a child process of this script (``--child``) so that memory and
start-up figures come from a fresh interpreter, not one that just wrote the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import WhyBot  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.model import Reply, UserRef  # noqa: E402
from bot.storage.base import Kind  # noqa: E402
from bot.storage.sqlite import SQLiteReminderStore  # noqa: E402

PLATFORM = "bench"
K_DUE = 20
"""Reminders falling due during the pending run, 1-3 s after start."""
FIRST_DUE = 1.0
LAST_DUE = 3.0
PENDING_USERS = 10_000
BURST_USERS = 100
DAY_MS = 86_400_000

INSERT_SQL = (
    "INSERT INTO reminders (platform, user_id, chat_id, kind, order_no, note, payload,"
    " due_at, status, created_at) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, 'pending', ?)"
)


# --- measuring helpers ------------------------------------------------------------------


def proc_status_kb(field: str) -> int:
    """A ``kB`` figure from /proc/self/status (VmRSS, VmHWM); 0 where there is none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def now_ms() -> int:
    return int(time.time() * 1000)


class CountingAdapter:
    """The "bench" platform: ``deliver`` records (reminder id, wall time) and nothing else.

    The reminder id comes from the reply's snooze button (``snooze:<id>:<choice>``), which
    every /remind reminder carries. With ``hang_every`` n, the first call for every n-th
    id never answers (it is cancelled by the scheduler's timeout)."""

    platform = PLATFORM

    def __init__(self, expect: int, hang_every: int = 0) -> None:
        self.expect = expect
        self.hang_every = hang_every
        self.deliveries: list[tuple[int, float]] = []
        self.calls: Counter[int] = Counter()
        self.all_in = asyncio.Event()
        self.first_at: float | None = None

    def hangs(self, rid: int) -> bool:
        return bool(self.hang_every) and rid % self.hang_every == 0

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        rid = next((int(a.args[0]) for a in reply.actions if a.name == "snooze"), -1)
        self.calls[rid] += 1
        if self.hangs(rid) and self.calls[rid] == 1:
            await asyncio.Event().wait()  # a platform call that never answers
        at = time.time()
        self.deliveries.append((rid, at))
        if self.first_at is None:
            self.first_at = at
        if len(self.deliveries) >= self.expect:
            self.all_in.set()


async def wait_marked_sent(bot: WhyBot, count: int, within: float) -> bool:
    """Wait until the scheduler has marked ``count`` reminders sent (it counts after
    ``mark_sent`` returns)."""
    deadline = time.monotonic() + within
    while bot.scheduler.delivered < count:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.001)
    return True


def settings_for(db: Path) -> Any:
    return load_settings(_env_file=None, DATABASE_URL=f"sqlite:///{db}", WHYBOT_LOG_LEVEL="WARNING")


# --- setup (parent process) -------------------------------------------------------------


async def create_db(db: Path, rows: list[tuple[Any, ...]], users: list[tuple[str, str]]) -> None:
    """Create the schema through the store, then bulk-insert ``rows`` through its
    connection (setup only: ``executemany``, one transaction)."""
    store = SQLiteReminderStore(str(db))
    await store.open()
    try:
        if users:
            await store.db.executemany(
                "INSERT INTO users (platform, user_id, timezone) VALUES (?, ?, ?)",
                [(PLATFORM, uid, zone) for uid, zone in users],
            )
        if rows:
            await store.db.executemany(INSERT_SQL, rows)
        await store.db.commit()
        await store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await store.close()


def pending_rows(n: int, rng: random.Random) -> list[tuple[Any, ...]]:
    base = now_ms()
    kinds = [Kind.REMIND.value] * 6 + [Kind.NUDGE.value] * 2 + [Kind.PROTECTION.value] * 2
    rows = []
    for i in range(n):
        uid = str(100_000 + rng.randrange(PENDING_USERS))
        due = base + DAY_MS // 24 + rng.randrange(90 * DAY_MS)  # 1 h .. 90 days ahead
        note = "check the tracking page" if i % 3 == 0 else ""
        rows.append((PLATFORM, uid, uid, rng.choice(kinds), f"8{i:011d}", note, due, base - 60_000))
    return rows


def burst_rows(n: int, rng: random.Random) -> list[tuple[Any, ...]]:
    base = now_ms()
    rows = []
    for i in range(n):
        uid = str(200_000 + i % BURST_USERS)
        due = base - 1_000 - rng.randrange(600_000)  # due over the last 10 minutes
        rows.append((PLATFORM, uid, uid, Kind.REMIND.value, f"9{i:011d}", "", due, due - DAY_MS))
    return rows


def burst_users() -> list[tuple[str, str]]:
    zones = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo")
    return [(str(200_000 + u), zones[u % len(zones)]) for u in range(0, BURST_USERS, 2)]


# --- measurements (child processes) -----------------------------------------------------


async def child_pending(db: Path, use_tracemalloc: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"rss_imports_kb": proc_status_kb("VmRSS")}
    if use_tracemalloc:
        tracemalloc.start()
    adapter = CountingAdapter(K_DUE)
    t0 = time.perf_counter()
    bot = WhyBot(settings_for(db))
    bot.add_adapter(adapter)
    out["construct_s"] = time.perf_counter() - t0
    out["rss_constructed_kb"] = proc_status_kb("VmRSS")

    # setup: the K reminders that fall due 1-3 s after start() is called (stdlib sqlite3,
    # closed again before the bot opens the file)
    base = now_ms()
    due = [
        base + int(1000 * (FIRST_DUE + (LAST_DUE - FIRST_DUE) * i / max(K_DUE - 1, 1)))
        for i in range(K_DUE)
    ]
    con = sqlite3.connect(db)
    with con:
        ids = []
        for i, d in enumerate(due):
            cur = con.execute(
                INSERT_SQL,
                (PLATFORM, "1", "1", Kind.REMIND.value, f"7{i:011d}", "bench", d, base),
            )
            ids.append(cur.lastrowid)
    con.close()
    due_by_id = dict(zip(ids, due, strict=True))

    t1 = time.perf_counter()
    await bot.start()
    out["start_s"] = time.perf_counter() - t1
    out["start_done_after_first_due"] = time.time() * 1000 > min(due)
    await asyncio.sleep(0.2)  # let the scheduler's first step (claim, next_due, wait) run
    out["rss_started_kb"] = proc_status_kb("VmRSS")
    if use_tracemalloc:
        out["traced_started_b"] = tracemalloc.get_traced_memory()[0]
    try:
        await asyncio.wait_for(adapter.all_in.wait(), timeout=LAST_DUE + 30)
        ok = await wait_marked_sent(bot, K_DUE, 30)
    except TimeoutError:
        ok = False
    out["rss_end_kb"] = proc_status_kb("VmRSS")
    out["hwm_kb"] = proc_status_kb("VmHWM")
    if use_tracemalloc:
        current, peak = tracemalloc.get_traced_memory()
        out["traced_end_b"], out["traced_peak_b"] = current, peak
    out["all_sent"] = ok
    out["delays_ms"] = [at * 1000 - due_by_id.get(rid, 0) for rid, at in adapter.deliveries]
    out["unknown_ids"] = sum(1 for rid, _ in adapter.deliveries if rid not in due_by_id)
    out["status"] = await bot.store.status_counts()
    await bot.stop()
    return out


async def child_burst(
    db: Path, expect: int, hang_every: int, call_timeout: float, in_flight: int
) -> dict[str, Any]:
    con = sqlite3.connect(db)
    want_ids = {r[0] for r in con.execute("SELECT id FROM reminders WHERE status = 'pending'")}
    con.close()
    adapter = CountingAdapter(expect, hang_every)
    bot = WhyBot(settings_for(db))
    bot.scheduler.delivery_timeout = call_timeout
    if in_flight:
        bot.scheduler.in_flight_bound[PLATFORM] = in_flight
    out_bound = bot.scheduler.bound(PLATFORM)
    bot.add_adapter(adapter)
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    w0 = time.time()
    await bot.start()
    t1 = time.perf_counter()
    out["start_s"] = t1 - t0
    timeout = max(120.0, expect / 50)
    try:
        await asyncio.wait_for(adapter.all_in.wait(), timeout=timeout)
        t2 = time.perf_counter()
        ok = await wait_marked_sent(bot, expect, timeout)
    except TimeoutError:
        t2 = time.perf_counter()
        ok = False
    t3 = time.perf_counter()
    out["all_delivered_s"] = t2 - t1
    out["all_sent_s"] = t3 - t1
    out["first_delivery_s"] = (adapter.first_at - w0) if adapter.first_at else None
    out["marked_sent"] = bot.scheduler.delivered
    out["ok"] = ok
    out["rss_end_kb"] = proc_status_kb("VmRSS")
    out["hwm_kb"] = proc_status_kb("VmHWM")
    seen = Counter(rid for rid, _ in adapter.deliveries)
    out["delivered"] = len(adapter.deliveries)
    out["distinct"] = len(seen)
    out["duplicates"] = sum(c - 1 for c in seen.values() if c > 1)
    out["missing"] = len(want_ids - set(seen))
    out["unexpected"] = len(set(seen) - want_ids)
    out["status"] = await bot.store.status_counts()
    out["in_flight"] = out_bound
    hung = {rid for rid in want_ids if adapter.hangs(rid)}
    others = [at - w0 for rid, at in adapter.deliveries if rid not in hung]
    out["hung"] = len(hung)
    out["others"] = len(others)
    out["others_done_s"] = max(others) - (t1 - t0) if others else None
    hung_at = [at - w0 - (t1 - t0) for rid, at in adapter.deliveries if rid in hung]
    out["hung_delivered"] = len(hung_at)
    out["hung_done_s"] = max(hung_at) if hung_at else None
    out["hung_calls"] = sorted(Counter(adapter.calls[rid] for rid in hung).items())
    await bot.stop()
    return out


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"child {args} failed (exit {proc.returncode}):\n{proc.stdout}")
    return json.loads(lines[-1].removeprefix("RESULT "))


# --- reports ----------------------------------------------------------------------------


def mb(kb: int) -> str:
    return f"{kb / 1024:.1f} MB"


def table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    print("  " + line.format(*head))
    print("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        print("  " + line.format(*r))


async def query_plans(db: Path) -> list[list[str]]:
    """EXPLAIN QUERY PLAN and the median time of the scheduler's queries on ``db``."""
    store = SQLiteReminderStore(str(db))
    await store.open()
    checks = [
        (
            "next_due",
            "SELECT min(at) FROM (SELECT min(due_at) AS at FROM reminders"
            " WHERE status = 'pending' AND platform IN (?)"
            " UNION ALL SELECT min(lease_until) FROM reminders"
            " WHERE status = 'claimed' AND platform IN (?))",
            (PLATFORM, PLATFORM),
        ),
        (
            "claim_due (select)",
            "SELECT id FROM (SELECT * FROM (SELECT id, due_at FROM reminders"
            " WHERE status = 'pending' AND platform IN (?) AND due_at <= ?"
            " ORDER BY due_at LIMIT ?) UNION ALL SELECT * FROM (SELECT id, due_at"
            " FROM reminders WHERE status = 'claimed' AND platform IN (?)"
            " AND lease_until <= ? ORDER BY lease_until LIMIT ?)) ORDER BY due_at LIMIT ?",
            (PLATFORM, now_ms(), 16, PLATFORM, now_ms(), 16, 16),
        ),
        (
            "prune_finished (select)",
            "SELECT id FROM reminders WHERE status IN ('sent', 'failed', 'cancelled')"
            " AND finished_at < ? LIMIT ?",
            (now_ms() - 90 * DAY_MS, 500),
        ),
    ]
    rows = []
    try:
        for name, sql, params in checks:
            async with store.db.execute("EXPLAIN QUERY PLAN " + sql, params) as cur:
                plan = "; ".join(str(r[-1]) for r in await cur.fetchall())
            times = []
            for _ in range(7):
                t = time.perf_counter()
                async with store.db.execute(sql, params) as cur:
                    await cur.fetchall()
                await store.db.commit()
                times.append(time.perf_counter() - t)
            rows.append([name, f"{statistics.median(times) * 1000:.2f} ms", plan])
    finally:
        await store.close()
    return rows


def bench_pending(tmp: Path, n: int, rng: random.Random) -> None:
    print(f"pending: {n:,} future reminders + {K_DUE} due {FIRST_DUE:g}-{LAST_DUE:g} s after start")
    big, empty = tmp / "pending.db", tmp / "empty.db"
    t = time.perf_counter()
    asyncio.run(create_db(big, pending_rows(n, rng), []))
    asyncio.run(create_db(empty, [], []))
    size = big.stat().st_size
    print(
        f"  setup (bulk executemany through store.db, not measured): "
        f"{time.perf_counter() - t:.1f} s, file {size / 1e6:.1f} MB ({size / max(n, 1):.0f} B/row)"
    )
    runs = {label: run_child("pending", str(db)) for label, db in (("0", empty), (f"{n:,}", big))}
    traced = {
        label: run_child("pending", str(db), "--tracemalloc")
        for label, db in (("0", empty), (f"{n:,}", big))
    }

    head = ["pending rows", "construct", "start()", "RSS imports", "RSS built", "RSS started",
            "RSS end", "VmHWM", "py heap started", "py heap peak"]  # fmt: skip
    rows = []
    for label, r in runs.items():
        tr = traced[label]
        rows.append(
            [
                label,
                f"{r['construct_s'] * 1000:.0f} ms",
                f"{r['start_s'] * 1000:.0f} ms",
                mb(r["rss_imports_kb"]),
                mb(r["rss_constructed_kb"]),
                mb(r["rss_started_kb"]),
                mb(r["rss_end_kb"]),
                mb(r["hwm_kb"]),
                f"{tr['traced_started_b'] / 1e6:.2f} MB",
                f"{tr['traced_peak_b'] / 1e6:.2f} MB",
            ]
        )
    table(head, rows)
    r0, rn = runs["0"], runs[f"{n:,}"]
    d_rss = rn["rss_started_kb"] - r0["rss_started_kb"]
    d_end = rn["rss_end_kb"] - r0["rss_end_kb"]
    d_heap = traced[f"{n:,}"]["traced_started_b"] - traced["0"]["traced_started_b"]
    print(
        f"  memory for {n:,} pending: RSS after start {d_rss / 1024:+.1f} MB, at end "
        f"{d_end / 1024:+.1f} MB ({d_end * 1024 / max(n, 1):+.1f} B per reminder; rows on "
        f"disk {size / max(n, 1):.0f} B each); Python heap {d_heap / 1e6:+.2f} MB "
        f"({d_heap / max(n, 1):+.2f} B per reminder)"
    )
    print("  delay past due of the K reminders (delivered_at - due_at):")
    head = ["pending rows", "delivered", "min", "median", "p90", "max", "table after"]
    rows = []
    for label, r in runs.items():
        d = sorted(r["delays_ms"])
        rows.append(
            [
                label,
                f"{len(d)}/{K_DUE}" + ("" if r["all_sent"] else " (NOT all sent)"),
                f"{d[0]:.1f} ms" if d else "-",
                f"{statistics.median(d):.1f} ms" if d else "-",
                f"{d[int(len(d) * 0.9)]:.1f} ms" if d else "-",
                f"{d[-1]:.1f} ms" if d else "-",
                ", ".join(f"{k} {v:,}" for k, v in sorted(r["status"].items())),
            ]
        )
    table(head, rows)
    late_start = [lbl for lbl, r in runs.items() if r["start_done_after_first_due"]]
    for label, r in runs.items():
        d = r["delays_ms"]
        within = r["all_sent"] and len(d) == K_DUE and max(d) < 1000
        typical = bool(d) and statistics.median(d) < 100
        print(
            f"  target with {label} pending: all within 1 s {'MET' if within else 'MISSED'},"
            f" typically < 100 ms {'MET' if typical else 'MISSED'}"
        )
    if late_start:
        print(f"  note: start() outlasted the first due instant for {late_start}")
    print(f"  scheduler queries on the {n:,}-row file (K sent, rest pending):")
    table(["query", "median", "plan"], asyncio.run(query_plans(big)))


def bench_burst(
    tmp: Path, n: int, rng: random.Random, hang_every: int, timeout: float, in_flight: int
) -> None:
    print(f"burst: {n:,} reminders already due, {BURST_USERS} users")
    rows = burst_rows(n, rng)
    db, hang_db = tmp / "burst.db", tmp / "burst-hang.db"
    t = time.perf_counter()
    asyncio.run(create_db(db, rows, burst_users()))
    asyncio.run(create_db(hang_db, rows, burst_users()))
    took = time.perf_counter() - t
    print(f"  setup (bulk executemany through store.db, not measured): {took:.1f} s")
    r = run_child("burst", str(db), str(n), "0", str(timeout), str(in_flight))
    report_burst(n, r)
    if not hang_every:
        return
    print(
        f"burst with hangs: 1 in {hang_every} first calls hangs until the {timeout:g} s"
        f" timeout, {r['in_flight']} deliveries in flight at most"
    )
    h = run_child("burst", str(hang_db), str(n), str(hang_every), str(timeout), str(in_flight))
    report_burst(n, h)
    base_rate = n / r["all_sent_s"] if r["all_sent_s"] else 0.0
    other_rate = h["others"] / h["others_done_s"] if h["others_done_s"] else 0.0
    print(
        f"  the other {h['others']:,}: all delivered {h['others_done_s']:.2f} s after start()"
        f" -> {other_rate:,.0f} /s (without hangs: {base_rate:,.0f} /s,"
        f" {other_rate / base_rate:.0%} of it)"
    )
    calls = ", ".join(f"{k} call(s): {v}" for k, v in h["hung_calls"])
    done = h["hung_done_s"]
    print(
        f"  hung {h['hung']}: delivered {h['hung_delivered']} on retry (calls per reminder:"
        f" {calls}); the last {done:.2f} s after start()"
        if done is not None
        else f"  hung {h['hung']}: NONE delivered"
    )


def report_burst(n: int, r: dict[str, Any]) -> None:
    rate = n / r["all_sent_s"] if r["all_sent_s"] else 0.0
    head = ["reminders", "start()", "1st delivery", "all delivered", "all marked sent",
            "rate", "RSS end", "VmHWM"]  # fmt: skip
    table(
        head,
        [
            [
                f"{n:,}",
                f"{r['start_s'] * 1000:.0f} ms",
                f"{r['first_delivery_s'] * 1000:.0f} ms" if r["first_delivery_s"] else "-",
                f"{r['all_delivered_s']:.2f} s",
                f"{r['all_sent_s']:.2f} s",
                f"{rate:,.0f} /s",
                mb(r["rss_end_kb"]),
                mb(r["hwm_kb"]),
            ]
        ],
    )
    status = r["status"]
    all_sent = status.get("sent", 0) == n and sum(status.values()) == n
    print(
        f"  table after: {', '.join(f'{k} {v:,}' for k, v in sorted(status.items()))} -> "
        f"{'all sent' if all_sent else 'NOT all sent'}"
    )
    once = r["duplicates"] == r["missing"] == r["unexpected"] == 0 and r["delivered"] == n
    print(
        f"  deliveries {r['delivered']:,}, distinct ids {r['distinct']:,}, duplicates "
        f"{r['duplicates']}, missing {r['missing']}, unexpected {r['unexpected']} -> "
        + ("each id delivered once" if once else "PROBLEM")
    )
    print("  (times from start() returning; 1st delivery from start() being called)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pending", type=int, default=100_000, help="pending reminders (100000)")
    ap.add_argument("--burst", type=int, default=10_000, help="due reminders in the burst (10000)")
    ap.add_argument("--only", choices=("pending", "burst"), help="run one benchmark only")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hang-every", type=int, default=100, help="1 in N calls hangs (0: none)")
    ap.add_argument("--timeout", type=float, default=2.0, help="delivery timeout, s (2)")
    ap.add_argument("--in-flight", type=int, default=64, help="deliveries in flight (64)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        what, db, *rest = args.child
        if what == "pending":
            result = asyncio.run(child_pending(Path(db), args.tracemalloc))
        else:
            count, hang_every, timeout, in_flight = rest
            result = asyncio.run(
                child_burst(Path(db), int(count), int(hang_every), float(timeout), int(in_flight))
            )
        print("RESULT " + json.dumps(result))
        return

    rng = random.Random(args.seed)
    print(
        f"reminder benchmark: Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version},"
        f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    with tempfile.TemporaryDirectory(prefix="whybot-reminder-bench-") as tmp:
        if args.only in (None, "pending"):
            bench_pending(Path(tmp), args.pending, rng)
        if args.only in (None, "burst"):
            bench_burst(Path(tmp), args.burst, rng, args.hang_every, args.timeout, args.in_flight)


if __name__ == "__main__":
    main()
