"""Several real ``python -m bot`` processes on one PostgreSQL database, each serving
Telegram against the fake Bot API: reminders due at once are delivered exactly once, a
process killed with SIGKILL leaves its claimed reminders to another after the lease, an
update served to several processes is handled once, and two processes behind one webhook
URL (the fake alternating, as a load balancer) answer each update once and serve
/healthz and /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.storage.base import Kind, NewReminder
from bot.storage.postgres import PostgresReminderStore
from tests.core.conftest import bot_env
from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI
from tests.tg_adapter.test_delivery import eventually

TOKEN_RE = re.compile(r"tok-(\d{4})-end")
FIRST_USER = 5000


class BotProcess:
    """One ``python -m bot`` child; its stderr is read line by line as it comes."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.proc: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.serving = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if "serving: telegram" in line:
                self.serving.set()

    async def wait_serving(self, within: float = 60) -> None:
        try:
            async with asyncio.timeout(within):
                await self.serving.wait()
        except TimeoutError:
            raise AssertionError(f"{self.name} did not start: {self.lines[-10:]}") from None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.proc.wait(), 30)
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await self._reader
        return self.proc.returncode


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    try:
        yield server
    finally:
        server.release_held()
        await server.close()


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    try:
        yield started
    finally:
        for p in started:
            await p.stop()


def env_for(fake: FakeBotAPI, pg_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return bot_env(
        tmp_path / "unused.db",
        DATABASE_URL=pg_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=fake.base_url,
        WHYBOT_LOG_LEVEL="INFO",
        **extra,
    )


async def add_due(pg_url: str, count: int) -> None:
    """``count`` reminders, one per user, due now, added as another process would."""
    store = PostgresReminderStore(pg_url)
    await store.open()
    try:
        now = datetime.now(UTC)
        for i in range(count):
            user = str(FIRST_USER + i)
            await store.add(
                NewReminder(
                    "telegram",
                    user,
                    user,
                    Kind.REMIND,
                    "8123456789012345",
                    now - timedelta(seconds=1),
                    f"tok-{i:04d}-end",
                )
            )
    finally:
        await store.close()


async def status_counts(pg_url: str) -> dict[str, int]:
    store = PostgresReminderStore(pg_url)
    await store.open()
    try:
        return await store.status_counts()
    finally:
        await store.close()


async def all_sent(pg_url: str, count: int) -> bool:
    return await status_counts(pg_url) == {"sent": count}


def delivered(fake: FakeBotAPI) -> Counter[int]:
    return Counter(int(m.group(1)) for msg in fake.messages if (m := TOKEN_RE.search(msg.text)))


async def test_three_processes_deliver_each_reminder_once_and_handle_each_update_once(
    fake: FakeBotAPI, pg_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    count = 150
    fake.started_users.update(FIRST_USER + i for i in range(count))
    env = env_for(fake, pg_url, tmp_path)
    for name in ("a", "b", "c"):
        processes.append(BotProcess(name))
        await processes[-1].start(env, tmp_path)
    for p in processes:
        await p.wait_serving()

    # updates: all three long-poll the same fake, so each update is served to several
    users = [FIRST_USER + i for i in range(10)]
    for user in users:
        fake.send_text("/help", user_id=user)
    await fake.wait_for(lambda: all(fake.sent_to(u) for u in users), within=30)

    # reminders added by yet another process: NOTIFY wakes the three at once (with an
    # empty table they would otherwise sleep their 30 s poll, longer than this wait)
    await add_due(pg_url, count)
    await fake.wait_for(lambda: len(delivered(fake)) == count, within=25)
    await eventually(lambda: all_sent(pg_url, count), within=10)
    assert set(delivered(fake).values()) == {1}, "a reminder was delivered twice"
    # every update was answered once, though several processes were served it
    assert [len(fake.sent_to(u)) - delivered_to(fake, u) for u in users] == [1] * len(users)
    skipped = sum("was already handled; skipped" in line for p in processes for line in p.lines)
    assert skipped >= 1, "no update reached two processes: the test proves nothing"
    for p in processes:
        assert await p.stop() == 0, p.lines[-10:]


def delivered_to(fake: FakeBotAPI, user: int) -> int:
    return sum(1 for m in fake.sent_to(user) if TOKEN_RE.search(m.text))


async def test_a_killed_process_leaves_its_claims_to_another_after_the_lease(
    fake: FakeBotAPI, pg_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    count = 12
    fake.started_users.update(FIRST_USER + i for i in range(count))
    fake.held_chats.update(FIRST_USER + i for i in range(count))
    env = env_for(fake, pg_url, tmp_path, WHYBOT_LEASE="10s")
    doomed = BotProcess("doomed")
    processes.append(doomed)
    await doomed.start(env, tmp_path)
    await doomed.wait_serving()
    await add_due(pg_url, count)
    # it claimed them all and its sends hang: then it dies, its claims still held
    await fake.wait_for(lambda: fake.holding == count, within=20)
    doomed.kill()
    assert await doomed.stop() == -signal.SIGKILL
    assert await status_counts(pg_url) == {"claimed": count}
    fake.held_chats.clear()  # the dead process's sends stay unanswered; new ones go through

    heir = BotProcess("heir")
    processes.append(heir)
    await heir.start(env, tmp_path)
    await heir.wait_serving()
    await fake.wait_for(lambda: len(delivered(fake)) == count, within=40)
    assert set(delivered(fake).values()) == {1}
    await eventually(lambda: all_sent(pg_url, count), within=10)
    assert await heir.stop() == 0, heir.lines[-10:]


async def test_two_processes_behind_one_webhook_url_handle_each_update_once(
    fake: FakeBotAPI, pg_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    secret, path = "multi-process-secret", "/tg/hook"
    ports = [free_port(), free_port()]
    health = free_port()
    fake.webhook_backends = [f"http://127.0.0.1:{p}" for p in ports]  # the load balancer
    for name, port in zip(("a", "b"), ports, strict=True):
        env = env_for(
            fake,
            pg_url,
            tmp_path,
            TELEGRAM_WEBHOOK_URL=f"https://whybot.example.test{path}",
            TELEGRAM_WEBHOOK_SECRET=secret,
            TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        )
        if name == "a":
            env.update(WHYBOT_HTTP_PORT=str(health), WHYBOT_HTTP_HOST="127.0.0.1")
        processes.append(BotProcess(name))
        await processes[-1].start(env, tmp_path)
    for p in processes:
        await p.wait_serving()

    users = [FIRST_USER + i for i in range(20)]
    ids = [fake.send_text("/help", user_id=user) for user in users]
    for update_id in ids:
        await fake.wait_handled(update_id, within=30)
    served_by = Counter(post.target.rsplit(":", 1)[1].split("/")[0] for post in fake.webhook_posts)
    assert sorted(served_by.values()) == [10, 10]  # alternated between the two processes
    # every update delivered again to both processes: no second answer anywhere
    for update_id in ids:
        for port in ports:
            target = f"http://127.0.0.1:{port}{path}"
            status = await fake.post_update(fake.served(update_id), secret=secret, target=target)
            assert status == 200
    assert [len(fake.sent_to(u)) for u in users] == [1] * len(users)
    assert not fake.calls_of("getUpdates")

    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{health}/healthz") as response:
            assert response.status == 200
        async with session.get(f"http://127.0.0.1:{health}/metrics") as response:
            assert "whybot_reminders_pending 0.0" in await response.text()
    for p in processes:
        assert await p.stop() == 0, p.lines[-10:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
