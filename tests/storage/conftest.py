"""The store contract: every test here runs against SQLite and against a real PostgreSQL
server, through :class:`Backend`, which opens as many stores on one database as a test
needs (several stores stand for several processes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.storage.base import ReminderStore
from bot.storage.postgres import PostgresReminderStore
from bot.storage.sqlite import SQLiteReminderStore


class Backend:
    def __init__(self, name: str, target: str) -> None:
        self.name = name
        self.target = target  # a file path or a postgresql:// URL
        self._open: list[Any] = []

    async def open_store(self) -> Any:
        """Another store on the same database, as another process would open it."""
        store: Any = (
            SQLiteReminderStore(self.target)
            if self.name == "sqlite"
            else PostgresReminderStore(self.target)
        )
        await store.open()
        self._open.append(store)
        return store

    async def close(self) -> None:
        for store in reversed(self._open):
            await store.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        target = str(tmp_path / "contract.db")
    else:
        target = request.getfixturevalue("pg_url")
    b = Backend(request.param, target)
    try:
        yield b
    finally:
        await b.close()


@pytest.fixture
async def store(backend: Backend) -> ReminderStore:
    return await backend.open_store()  # type: ignore[no-any-return]
