"""Storage backends behind :class:`bot.storage.base.ReminderStore`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage.base import ReminderStore


def store_for(url: str) -> ReminderStore:
    """The store a ``DATABASE_URL`` names: ``sqlite:///path.db`` (the default, one
    process) or ``postgresql://...`` (shareable by several processes)."""
    if url.startswith(("postgresql://", "postgres://")):
        from bot.storage.postgres import PostgresReminderStore  # asyncpg only when used

        return PostgresReminderStore(url)
    if url.startswith("sqlite://"):
        from bot.storage.sqlite import SQLiteReminderStore

        path = url.removeprefix("sqlite:///").removeprefix("sqlite://") or ":memory:"
        return SQLiteReminderStore(path)
    raise ValueError(f"unsupported database URL (sqlite:/// or postgresql://): {url[:40]}")
