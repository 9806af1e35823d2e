"""Wake-ups across processes: a reminder added by another process (another store on the
same PostgreSQL database) wakes this process's scheduler at once through LISTEN/NOTIFY,
while the scheduler's manual clock stands still (so no poll can be what found it)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import WhyBot
from bot.clock import ManualClock
from bot.config import load_settings
from bot.scheduler import SHARED_POLL
from bot.storage.base import Kind, NewReminder
from bot.storage.postgres import PostgresReminderStore
from tests.core.conftest import PLATFORM, RecordingAdapter, idle, until

ORDER = "8123456789012345"


@pytest.fixture
async def running(pg_url: str) -> AsyncIterator[tuple[WhyBot, RecordingAdapter, ManualClock]]:
    clock = ManualClock()
    bot = WhyBot(load_settings(_env_file=None, DATABASE_URL=pg_url), clock=clock)
    adapter = RecordingAdapter()
    bot.add_adapter(adapter)
    await bot.start()
    try:
        yield bot, adapter, clock
    finally:
        await bot.stop()


async def test_another_process_adding_a_due_reminder_wakes_the_scheduler(
    running: tuple[WhyBot, RecordingAdapter, ManualClock], pg_url: str
) -> None:
    bot, adapter, clock = running
    assert bot.scheduler.max_wait == SHARED_POLL  # a shared store is polled often, too
    await idle(bot)
    other = PostgresReminderStore(pg_url)
    await other.open()
    try:
        # another platform's reminder wakes nobody here, and is not this process's to send
        await other.add(NewReminder("elsewhere", "u1", "u1", Kind.REMIND, ORDER, clock.now()))
        mine = await other.add(NewReminder(PLATFORM, "u1", "u1", Kind.REMIND, ORDER, clock.now()))
        await until(lambda: len(adapter.sent) == 1)
        await idle(bot)
        assert await other.status_counts() == {"sent": 1, "pending": 1}
        # a reminder another process snoozes to now wakes it again
        await other.move(PLATFORM, "u1", mine.id, clock.now())
        await until(lambda: len(adapter.sent) == 2)
    finally:
        await other.close()
