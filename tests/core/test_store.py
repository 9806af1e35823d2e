"""The SQLite store under concurrent use from several tasks (scheduler, commands, adapters)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage.base import Kind, NewReminder
from bot.storage.sqlite import SQLiteReminderStore

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_concurrent_tasks_share_one_connection_safely(tmp_path: Path) -> None:
    # Regression: a commit from one task while another's UPDATE ... RETURNING was still
    # open failed with "cannot commit transaction - SQL statements in progress".
    store = SQLiteReminderStore(str(tmp_path / "race.db"))
    await store.open()
    try:
        for i in range(20):
            await store.add(
                NewReminder(
                    "fake",
                    f"u{i}",
                    None,
                    Kind.REMIND,
                    "81234567",
                    NOW - timedelta(minutes=1),
                    f"n{i}",
                )
            )

        async def scheduler_like() -> None:
            for _ in range(100):
                await store.claim_due(NOW, 5, ["fake"])
                await store.release_claimed()
                await store.list_pending("fake", "u1")

        async def adapter_like() -> None:
            for i in range(300):
                await store.set_meta("telegram:last_update_id", str(i))

        async def user_like() -> None:
            for i in range(100):
                await store.set_notice("fake", "u2", f"note {i}")
                await store.take_notice("fake", "u2")
                await store.forget_user("fake", f"nobody{i}")

        await asyncio.gather(scheduler_like(), adapter_like(), user_like())
        assert await store.get_meta("telegram:last_update_id") == "299"
        assert await store.status_counts() == {"pending": 20}
    finally:
        await store.close()


async def test_migrations_apply_once_and_keep_data(tmp_path: Path) -> None:
    path = str(tmp_path / "m.db")
    first = SQLiteReminderStore(path)
    await first.open()
    await first.set_meta("k", "v")
    version = await first.schema_version()
    await first.close()
    second = SQLiteReminderStore(path)
    await second.open()
    try:
        assert await second.schema_version() == version
        assert await second.get_meta("k") == "v"
    finally:
        await second.close()
