"""Telegram webhooks: updates per second one process accepts, and two processes behind
the same URL with no update handled twice.

Run: python benchmarks/webhook_bench.py [-n 2000] [--processes 1|2] [--postgres] [--throttle]

The fake Bot API (tests/tg_adapter/fake_bot_api.py) runs in this process and plays
Telegram: after the bot's setWebhook it POSTs every queued update to the webhook, up to
``max_connections`` (100, what the adapter asks for) at once, with the secret header; with
two processes it alternates between their listeners, as a load balancer would. Each bot is
a fresh ``python`` child of this script running the real WhyBot and the real Telegram
adapter in webhook mode (aiohttp listener, python-telegram-bot, the processed-updates
record): one process on SQLite (or PostgreSQL with ``--postgres``), two on one PostgreSQL
database (a throwaway cluster started like the tests do, or WHYBOT_TEST_PG_URL).

N private ``/why <question>`` updates from N users are queued at once; the clock runs from
the first POST to the last 2xx answer (each answer comes after the update was handled,
its reply included). Then every update is POSTed again to every process (a duplicate
delivery, in this process and the other one): each user must still have exactly one
reply. By default PTB's pacing of 30 messages a second (Telegram's broadcast limit) is
lifted so the figure is the adapter's own; ``--throttle`` keeps it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roundtrip_common import QUESTIONS  # noqa: E402

SECRET = "bench-secret"
PATH = "/tg/hook"
FIRST_USER = 10_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- the child
async def child(database: str, base_url: str, port: int, throttle: bool) -> None:
    from telegram.ext import AIORateLimiter

    from bot.adapters.telegram import TelegramAdapter
    from bot.app import WhyBot
    from bot.config import load_settings
    from tests.tg_adapter.fake_bot_api import TOKEN

    settings = load_settings(
        _env_file=None,
        DATABASE_URL=database,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=base_url,
        TELEGRAM_WEBHOOK_URL=f"https://whybot.example.test{PATH}",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
    )
    bot = WhyBot(settings)
    limiter = None if throttle else AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    bot.add_adapter(TelegramAdapter(bot.core, settings, rate_limiter=limiter))
    run = asyncio.create_task(bot.run())
    while not bot.serving and not run.done():  # noqa: ASYNC110 (a flag, no event to await)
        await asyncio.sleep(0.01)
    print("ready", flush=True)
    await run


# --------------------------------------------------------------------------- the driver
async def drive(n: int, processes: int, throttle: bool, postgres: bool) -> None:
    from tests.tg_adapter.fake_bot_api import FakeBotAPI

    fake = FakeBotAPI()
    await fake.start()
    pg = None
    tmp = tempfile.TemporaryDirectory()
    if processes == 1 and not postgres:
        database = f"sqlite:///{tmp.name}/bench.db"
    else:
        from tests.pg_server import create_database, start_server

        pg = await asyncio.to_thread(start_server)
        database = await create_database(pg)
    ports = [free_port() for _ in range(processes)]
    fake.webhook_backends = [f"http://127.0.0.1:{p}" for p in ports]
    children = []
    try:
        for port in ports:
            args = [__file__, "--child", database, fake.base_url, str(port)]
            if throttle:
                args.append("--throttle")
            proc = await asyncio.create_subprocess_exec(
                sys.executable, *args, stdout=asyncio.subprocess.PIPE, cwd=ROOT
            )
            children.append(proc)
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            assert line.strip() == b"ready", line
        await fake.wait_for(lambda: fake.webhook is not None, within=30)
        users = [FIRST_USER + i for i in range(n)]
        # a warm-up update per process (first connections, first match)
        for i in range(processes):
            warm = fake.send_text("/why warm up", user_id=FIRST_USER - 1 - i)
            await fake.wait_handled(warm, within=60)
        before = len(fake.webhook_posts)
        started = time.perf_counter()
        ids = [
            fake.send_text(f"/why {QUESTIONS[i % len(QUESTIONS)]}", user_id=u)
            for i, u in enumerate(users)
        ]
        await fake.wait_for(lambda: all(i in fake.webhook_done for i in ids), within=600)
        elapsed = time.perf_counter() - started
        posts = fake.webhook_posts[before:]
        per_backend = {
            b: sum(1 for p in posts if p.target.startswith(b)) for b in fake.webhook_backends
        }
        retried = sum(1 for p in posts if p.status != 200)
        # every update delivered again, to every process
        again = [
            fake.post_update(fake.served(i), secret=SECRET, target=f"{b}{PATH}")
            for i in ids
            for b in fake.webhook_backends
        ]
        statuses = await asyncio.gather(*again)
        replies = {u: len(fake.sent_to(u)) for u in users}
        twice = sum(1 for c in replies.values() if c > 1)
        missing = sum(1 for c in replies.values() if c == 0)
        store = "PostgreSQL" if pg is not None else "SQLite"
        pacing = "PTB pacing 30 msg/s" if throttle else "no pacing"
        print(f"webhook, {processes} process(es) on {store}, {n} updates, {pacing}:")
        print(f"  accepted and handled in {elapsed:.2f} s: {n / elapsed:.0f} updates/s")
        print(f"  POSTs per process: {list(per_backend.values())}, non-200 answers: {retried}")
        print(
            f"  redelivered {len(again)} times (each update to every process): "
            f"{sum(1 for s in statuses if s == 200)} answered 200"
        )
        print(f"  users with a reply: {n - missing}/{n}, with more than one: {twice}")
        assert not fake.rejected and not fake.unknown_methods, (fake.rejected, fake.unknown_methods)
    finally:
        for proc in children:
            if proc.returncode is None:
                proc.terminate()
        for proc in children:
            await proc.wait()
        await fake.close()
        if pg is not None:
            pg.stop()
        tmp.cleanup()


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        database, base_url, port = sys.argv[2:5]
        logging.basicConfig(level=logging.WARNING)
        asyncio.run(child(database, base_url, int(port), "--throttle" in sys.argv))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="updates (default 2000)")
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument("--postgres", action="store_true", help="one process on PostgreSQL too")
    parser.add_argument("--throttle", action="store_true", help="keep PTB's 30 msg/s pacing")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(drive(args.n, args.processes, args.throttle, args.postgres))


if __name__ == "__main__":
    main()
