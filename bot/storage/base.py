"""What the bot stores, and the interface every storage backend implements.

Commands and the scheduler talk to :class:`ReminderStore` only, so a PostgreSQL backend
can be added beside the SQLite one without touching them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Kind(StrEnum):
    REMIND = "remind"  # /remind: a user's own reminder about an order
    NUDGE = "nudge"  # /contacted: the seller-response window ran out
    PROTECTION = "protection"  # /protection: buyer protection ends soon


class Status(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # taken by the scheduler, being delivered
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class NewReminder:
    platform: str
    user_id: str
    chat_id: str | None
    kind: Kind
    order_no: str
    due_at: datetime
    note: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reminder:
    id: int
    platform: str
    user_id: str
    chat_id: str | None
    kind: Kind
    order_no: str
    due_at: datetime
    note: str
    payload: dict[str, Any]
    status: Status
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class UserPrefs:
    timezone: str = "UTC"
    notice: str = ""
    """A message owed to the user (a reminder could not be delivered), shown once."""


class ReminderStore(Protocol):
    """Storage for reminders, user preferences and small adapter state.

    Every method that reads or changes a user's data takes the platform and user id and
    touches only rows of that user."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    # reminders, for commands
    async def add(self, reminder: NewReminder) -> Reminder: ...
    async def count_pending(self, platform: str, user_id: str) -> int: ...
    async def list_pending(self, platform: str, user_id: str) -> list[Reminder]: ...
    async def get(self, platform: str, user_id: str, reminder_id: int) -> Reminder | None: ...
    async def cancel(self, platform: str, user_id: str, reminder_id: int) -> bool: ...
    async def cancel_for_order(
        self, platform: str, user_id: str, order_no: str, kind: Kind
    ) -> int: ...
    async def snooze(
        self, platform: str, user_id: str, reminder_id: int, due_at: datetime
    ) -> Reminder | None:
        """Put a sent or pending reminder of the user's back to pending at ``due_at``."""
        ...

    # reminders, for the scheduler
    async def next_due(self, platforms: Collection[str]) -> datetime | None:
        """When the soonest pending reminder for one of ``platforms`` falls due."""
        ...

    async def claim_due(
        self, now: datetime, limit: int, platforms: Collection[str]
    ) -> list[Reminder]:
        """Mark up to ``limit`` due reminders of ``platforms`` claimed and return them."""
        ...

    async def mark_sent(self, reminder_id: int, now: datetime) -> None: ...
    async def retry_later(self, reminder_id: int, due_at: datetime, error: str) -> None: ...
    async def mark_failed(self, reminder_id: int, error: str) -> None: ...
    async def release_claimed(self) -> int:
        """Put reminders claimed by a process that died back to pending (at start-up)."""
        ...

    # users
    async def get_prefs(self, platform: str, user_id: str) -> UserPrefs: ...
    async def set_timezone(self, platform: str, user_id: str, zone: str) -> None: ...
    async def set_notice(self, platform: str, user_id: str, notice: str) -> None: ...
    async def take_notice(self, platform: str, user_id: str) -> str: ...
    async def set_protection(
        self, platform: str, user_id: str, order_no: str, ends_at: datetime
    ) -> None: ...
    async def get_protection(
        self, platform: str, user_id: str, order_no: str
    ) -> datetime | None: ...
    async def forget_user(self, platform: str, user_id: str) -> int:
        """Delete everything stored about the user; returns how many rows went."""
        ...

    # adapter state
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...
