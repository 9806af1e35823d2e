"""How both backends store a reminder, the codec between their rows and
:class:`~bot.storage.base.Reminder`: times in UTC milliseconds, the same columns in the
same order, the same insert parameters. Only the placeholders differ (``?``/``$1``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.storage.base import Kind, NewReminder, Reminder, Status

COLUMNS = (
    "id, platform, user_id, chat_id, kind, order_no, due_at, note, payload, status, "
    "attempts, created_at, claimed_by, lease_until"
)
"""The columns :func:`reminder` reads, in its order."""
INSERT_COLUMNS = "platform, user_id, chat_id, kind, order_no, note, payload, due_at, created_at"
"""The columns :func:`insert_params` gives values for, in its order."""


def ms(when: datetime) -> int:
    """Unix milliseconds of an aware datetime (naive ones are refused)."""
    if when.tzinfo is None:
        raise ValueError("naive datetime: times are timezone-aware UTC inside the bot")
    return int(when.timestamp() * 1000)


def dt(value: int) -> datetime:
    """The aware UTC datetime of unix milliseconds."""
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def reminder(row: Sequence[Any]) -> Reminder:
    """A reminder from a row of :data:`COLUMNS` (an aiosqlite Row or an asyncpg Record)."""
    return Reminder(
        id=row[0],
        platform=row[1],
        user_id=row[2],
        chat_id=row[3],
        kind=Kind(row[4]),
        order_no=row[5],
        due_at=dt(row[6]),
        note=row[7],
        payload=json.loads(row[8]),
        status=Status(row[9]),
        attempts=row[10],
        created_at=dt(row[11]),
        claimed_by=row[12],
        lease_until=dt(row[13]) if row[13] is not None else None,
    )


def insert_params(new: NewReminder, now: datetime) -> tuple[object, ...]:
    """The values of :data:`INSERT_COLUMNS` for a new reminder created at ``now``."""
    return (
        new.platform,
        new.user_id,
        new.chat_id,
        new.kind.value,
        new.order_no,
        new.note,
        json.dumps(new.payload),
        ms(new.due_at),
        ms(now),
    )
