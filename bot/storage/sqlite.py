"""The SQLite backend (aiosqlite): WAL, versioned migrations, parameterised queries."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import aiosqlite

from bot.storage import codec
from bot.storage.base import (
    TABLES,
    AdapterState,
    AddResult,
    CommunitySettings,
    Kind,
    NewReminder,
    Protection,
    Reminder,
    Replace,
    StatEvent,
    StatRow,
    TooManyPending,
    UnansweredQuestion,
    UserPrefs,
)

# Each entry moves the schema one version up; the version lives in PRAGMA user_version.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE reminders (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        platform    TEXT    NOT NULL,
        user_id     TEXT    NOT NULL,
        chat_id     TEXT,
        kind        TEXT    NOT NULL,
        order_no    TEXT    NOT NULL,
        note        TEXT    NOT NULL DEFAULT '',
        payload     TEXT    NOT NULL DEFAULT '{}',
        due_at      INTEGER NOT NULL,  -- unix milliseconds, UTC
        status      TEXT    NOT NULL DEFAULT 'pending',
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT    NOT NULL DEFAULT '',
        created_at  INTEGER NOT NULL,
        sent_at     INTEGER
    );
    CREATE INDEX reminders_due ON reminders (due_at) WHERE status = 'pending';
    CREATE INDEX reminders_owner ON reminders (platform, user_id, status);
    CREATE TABLE users (
        platform    TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        timezone    TEXT NOT NULL DEFAULT 'UTC',
        notice      TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (platform, user_id)
    );
    CREATE TABLE orders (
        platform         TEXT NOT NULL,
        user_id          TEXT NOT NULL,
        order_no         TEXT NOT NULL,
        protection_ends  INTEGER,
        PRIMARY KEY (platform, user_id, order_no)
    );
    CREATE TABLE meta (
        key    TEXT PRIMARY KEY,
        value  TEXT NOT NULL
    );
    """,
    # v2: the scheduler asks by platform; with the due index alone SQLite preferred the
    # owner index and sorted every row of the platform (0.2-0.4 s at 100,000 pending).
    """
    DROP INDEX reminders_due;
    CREATE INDEX reminders_due ON reminders (platform, due_at) WHERE status = 'pending';
    CREATE INDEX reminders_claimed ON reminders (id) WHERE status = 'claimed';
    """,
    # v3: claims carry their owner and a lease, so any process can take over the
    # reminders of one that died or hung; finished rows carry when they finished, for
    # retention; owed notices get their own table, so one DELETE ... RETURNING takes one.
    # Claims made before v3 have no owner: their lease has run out already.
    """
    ALTER TABLE reminders ADD COLUMN claimed_by TEXT;
    ALTER TABLE reminders ADD COLUMN lease_until INTEGER;
    ALTER TABLE reminders ADD COLUMN finished_at INTEGER;
    UPDATE reminders SET lease_until = 0 WHERE status = 'claimed';
    UPDATE reminders SET finished_at = coalesce(sent_at, due_at)
        WHERE status IN ('sent', 'failed', 'cancelled');
    DROP INDEX reminders_claimed;
    CREATE INDEX reminders_lease ON reminders (platform, lease_until) WHERE status = 'claimed';
    CREATE INDEX reminders_finished ON reminders (finished_at)
        WHERE status IN ('sent', 'failed', 'cancelled');
    CREATE TABLE notices (
        platform    TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        text        TEXT NOT NULL,
        PRIMARY KEY (platform, user_id)
    );
    INSERT INTO notices (platform, user_id, text)
        SELECT platform, user_id, notice FROM users WHERE notice != '';
    ALTER TABLE users DROP COLUMN notice;
    """,
    # v4: the language a user chose with /language ('' = not chosen: question, platform).
    """
    ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
    """,
    # v5: adapters record the updates they handled (with an expiry) instead of one global
    # "last update id": an update delivered twice, or to two processes, is handled once.
    """
    CREATE TABLE processed_updates (
        key         TEXT PRIMARY KEY,
        expires_at  INTEGER NOT NULL
    );
    CREATE INDEX processed_updates_expiry ON processed_updates (expires_at);
    """,
    # v6: community settings, answer statistics, unanswered questions (text only, no user).
    """
    CREATE TABLE communities (
        platform      TEXT    NOT NULL,
        community_id  TEXT    NOT NULL,
        language      TEXT    NOT NULL DEFAULT '',
        timezone      TEXT    NOT NULL DEFAULT '',
        compact       INTEGER NOT NULL DEFAULT 1,
        channels      TEXT    NOT NULL DEFAULT '[]',
        PRIMARY KEY (platform, community_id)
    );
    CREATE TABLE card_stats (
        platform      TEXT    NOT NULL,
        community_id  TEXT    NOT NULL,
        card_id       TEXT    NOT NULL,
        language      TEXT    NOT NULL,
        day           TEXT    NOT NULL,
        event         TEXT    NOT NULL,
        count         INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (platform, community_id, day, card_id, language, event)
    );
    CREATE TABLE unanswered (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        platform      TEXT    NOT NULL,
        community_id  TEXT    NOT NULL,
        text          TEXT    NOT NULL,
        created_at    INTEGER NOT NULL
    );
    CREATE INDEX unanswered_created ON unanswered (created_at);
    """,
)


def serialized(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run the method alone on the shared connection.

    aiosqlite runs statements on one thread, but tasks interleave between them: one task's
    commit while another's ``UPDATE ... RETURNING`` is still open fails ("SQL statements in
    progress"), or commits the other's half-done work. One lock per store prevents both."""

    @functools.wraps(method)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        self = args[0]
        async with self._lock:  # type: ignore[attr-defined]
            return await method(*args, **kwargs)

    return run


P = ParamSpec("P")
T = TypeVar("T")

_FINISHED = "('sent', 'failed', 'cancelled')"
_INSERT = (
    f"INSERT INTO reminders ({codec.INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    f" RETURNING {codec.COLUMNS}"
)


async def _dispose(connection: aiosqlite.Connection) -> None:
    """Close a connection that failed to open and wait for its worker thread to end.

    On a failed connect aiosqlite only queues a stop for its thread; the thread then hands
    the result back to the event loop, which ``asyncio.run`` may have closed by then
    ("Event loop is closed" traceback). Waiting for the thread here prevents that."""
    with contextlib.suppress(Exception):
        await connection.close()
    if getattr(connection, "_running", False):
        connection.stop()  # not connected at all: close() did nothing
    thread = connection if isinstance(connection, threading.Thread) else None
    thread = getattr(connection, "_thread", thread)
    if isinstance(thread, threading.Thread) and thread.is_alive():
        await asyncio.to_thread(thread.join, 5)
    await asyncio.sleep(0)  # let the thread's last callback run while the loop is open


class SQLiteReminderStore:
    """:class:`bot.storage.base.ReminderStore` on one SQLite file."""

    shared = False
    """One process owns the file: wake-ups stay within it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = aiosqlite.connect(self.path)
        try:
            self._db = await connection
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=NORMAL")
            await self._db.execute("PRAGMA foreign_keys=ON")
            await self._db.execute("PRAGMA busy_timeout=5000")
            await self._migrate()
        except BaseException:
            self._db = None
            await _dispose(connection)
            raise

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"database schema v{version} is newer than this whybot (v{len(MIGRATIONS)})"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(
                f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE): another process cannot
        write between this one's reads and writes. Rolled back if anything raises."""
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            await self.db.rollback()
            raise
        await self.db.commit()

    @serialized
    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @serialized
    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    # reminders, for commands

    @serialized
    async def add(self, reminder: NewReminder) -> Reminder:
        async with self.db.execute(
            _INSERT, codec.insert_params(reminder, datetime.now(UTC))
        ) as cur:
            row = await cur.fetchone()
        await self.db.commit()
        assert row is not None
        return codec.reminder(row)

    @serialized
    async def add_many(
        self,
        platform: str,
        user_id: str,
        reminders: Sequence[NewReminder],
        *,
        cap: int | None = None,
        replace: Replace | None = None,
        protection: Protection | None = None,
    ) -> AddResult:
        if any((r.platform, r.user_id) != (platform, user_id) for r in reminders):
            raise ValueError("add_many adds reminders of one user only")
        now = datetime.now(UTC)
        added: list[Reminder] = []
        replaced = 0
        async with self._transaction() as db:
            if replace is not None:
                cur = await db.execute(
                    "UPDATE reminders SET status = 'cancelled', finished_at = ?,"
                    " claimed_by = NULL, lease_until = NULL WHERE platform = ? AND user_id = ?"
                    " AND order_no = ? AND kind = ? AND status IN ('pending', 'claimed')",
                    (codec.ms(now), platform, user_id, replace.order_no, replace.kind.value),
                )
                replaced = cur.rowcount
            if cap is not None:
                async with db.execute(
                    "SELECT count(*) FROM reminders WHERE platform = ? AND user_id = ?"
                    " AND status IN ('pending', 'claimed')",
                    (platform, user_id),
                ) as cur:
                    row = await cur.fetchone()
                pending = int(row[0]) if row else 0
                if pending + len(reminders) > cap:
                    raise TooManyPending(pending, cap)
            if protection is not None:
                await db.execute(
                    "INSERT INTO orders (platform, user_id, order_no, protection_ends)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (platform, user_id, order_no)"
                    " DO UPDATE SET protection_ends = excluded.protection_ends",
                    (platform, user_id, protection.order_no, codec.ms(protection.ends_at)),
                )
            for reminder in reminders:
                async with db.execute(_INSERT, codec.insert_params(reminder, now)) as cur:
                    row = await cur.fetchone()
                assert row is not None
                added.append(codec.reminder(row))
        return AddResult(added, replaced)

    @serialized
    async def count_all_pending(self) -> int:
        async with self.db.execute(
            "SELECT count(*) FROM reminders WHERE status IN ('pending', 'claimed')"
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @serialized
    async def count_pending(self, platform: str, user_id: str) -> int:
        async with self.db.execute(
            "SELECT count(*) FROM reminders WHERE platform = ? AND user_id = ?"
            " AND status IN ('pending', 'claimed')",
            (platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @serialized
    async def list_pending(self, platform: str, user_id: str) -> list[Reminder]:
        async with self.db.execute(
            f"SELECT {codec.COLUMNS} FROM reminders WHERE platform = ? AND user_id = ?"
            " AND status IN ('pending', 'claimed') ORDER BY due_at, id",
            (platform, user_id),
        ) as cur:
            return [codec.reminder(r) for r in await cur.fetchall()]

    @serialized
    async def get(self, platform: str, user_id: str, reminder_id: int) -> Reminder | None:
        async with self.db.execute(
            f"SELECT {codec.COLUMNS} FROM reminders WHERE id = ? AND platform = ? AND user_id = ?",
            (reminder_id, platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        return codec.reminder(row) if row else None

    @serialized
    async def cancel(self, platform: str, user_id: str, reminder_id: int) -> bool:
        cur = await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', finished_at = ?, claimed_by = NULL,"
            " lease_until = NULL WHERE id = ? AND platform = ?"
            " AND user_id = ? AND status IN ('pending', 'claimed')",
            (codec.ms(datetime.now(UTC)), reminder_id, platform, user_id),
        )
        await self.db.commit()
        return cur.rowcount > 0

    @serialized
    async def cancel_for_order(self, platform: str, user_id: str, order_no: str, kind: Kind) -> int:
        cur = await self.db.execute(
            "UPDATE reminders SET status = 'cancelled', finished_at = ?, claimed_by = NULL,"
            " lease_until = NULL WHERE platform = ? AND user_id = ?"
            " AND order_no = ? AND kind = ? AND status IN ('pending', 'claimed')",
            (codec.ms(datetime.now(UTC)), platform, user_id, order_no, kind.value),
        )
        await self.db.commit()
        return cur.rowcount

    @serialized
    async def move(
        self, platform: str, user_id: str, reminder_id: int, due_at: datetime
    ) -> Reminder | None:
        async with self.db.execute(
            "UPDATE reminders SET status = 'pending', due_at = ?, attempts = 0,"
            " claimed_by = NULL, lease_until = NULL, finished_at = NULL, sent_at = NULL"
            " WHERE id = ? AND platform = ? AND user_id = ?"
            " AND status IN ('pending', 'claimed', 'sent') RETURNING " + codec.COLUMNS,
            (codec.ms(due_at), reminder_id, platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        await self.db.commit()
        return codec.reminder(row) if row else None

    # reminders, for the scheduler

    @serialized
    async def next_due(self, platforms: Collection[str]) -> datetime | None:
        marks = ",".join("?" * len(platforms))
        async with self.db.execute(
            # min() over rows, not min(a, b): the latter is NULL when either side is
            "SELECT min(at) FROM (SELECT min(due_at) AS at FROM reminders"
            f" WHERE status = 'pending' AND platform IN ({marks})"
            " UNION ALL SELECT min(lease_until) FROM reminders"
            f" WHERE status = 'claimed' AND platform IN ({marks}))",
            (*platforms, *platforms),
        ) as cur:
            row = await cur.fetchone()
        return codec.dt(row[0]) if row and row[0] is not None else None

    @serialized
    async def claim_due(
        self,
        now: datetime,
        limit: int,
        platforms: Collection[str],
        owner: str,
        lease: timedelta,
    ) -> list[Reminder]:
        marks = ",".join("?" * len(platforms))
        at = codec.ms(now)
        async with self.db.execute(
            # each side reads at most ``limit`` rows off its index, in order; sorting all
            # due rows for every claim would cost O(n log n) per claim in a burst
            "UPDATE reminders SET status = 'claimed', claimed_by = ?, lease_until = ?"
            " WHERE id IN (SELECT id FROM ("
            " SELECT * FROM (SELECT id, due_at FROM reminders WHERE status = 'pending'"
            f" AND platform IN ({marks}) AND due_at <= ? ORDER BY due_at LIMIT ?)"
            " UNION ALL"
            " SELECT * FROM (SELECT id, due_at FROM reminders WHERE status = 'claimed'"
            f" AND platform IN ({marks}) AND lease_until <= ? ORDER BY lease_until LIMIT ?)"
            " ) ORDER BY due_at LIMIT ?) RETURNING " + codec.COLUMNS,
            (owner, codec.ms(now + lease), *platforms, at, limit, *platforms, at, limit, limit),
        ) as cur:
            rows = await cur.fetchall()
        await self.db.commit()
        return sorted((codec.reminder(r) for r in rows), key=lambda r: (r.due_at, r.id))

    @serialized
    async def mark_sent(self, reminder_id: int, owner: str, now: datetime) -> bool:
        cur = await self.db.execute(
            "UPDATE reminders SET status = 'sent', sent_at = ?, finished_at = ?,"
            " claimed_by = NULL, lease_until = NULL"
            " WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
            (codec.ms(now), codec.ms(now), reminder_id, owner),
        )
        await self.db.commit()
        return cur.rowcount > 0

    @serialized
    async def retry_later(self, reminder_id: int, owner: str, due_at: datetime, error: str) -> bool:
        cur = await self.db.execute(
            "UPDATE reminders SET status = 'pending', due_at = ?, attempts = attempts + 1,"
            " last_error = ?, claimed_by = NULL, lease_until = NULL"
            " WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
            (codec.ms(due_at), error[:500], reminder_id, owner),
        )
        await self.db.commit()
        return cur.rowcount > 0

    @serialized
    async def mark_failed(self, reminder_id: int, owner: str, now: datetime, error: str) -> bool:
        cur = await self.db.execute(
            "UPDATE reminders SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " finished_at = ?, claimed_by = NULL, lease_until = NULL"
            " WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
            (error[:500], codec.ms(now), reminder_id, owner),
        )
        await self.db.commit()
        return cur.rowcount > 0

    @serialized
    async def release_claims(self, owner: str) -> int:
        cur = await self.db.execute(
            "UPDATE reminders SET status = 'pending', claimed_by = NULL, lease_until = NULL"
            " WHERE status = 'claimed' AND claimed_by = ?",
            (owner,),
        )
        await self.db.commit()
        return cur.rowcount

    @serialized
    async def prune_finished(self, before: datetime, limit: int) -> int:
        cur = await self.db.execute(
            "DELETE FROM reminders WHERE id IN (SELECT id FROM reminders"
            f" WHERE status IN {_FINISHED} AND finished_at < ? LIMIT ?)",
            (codec.ms(before), limit),
        )
        await self.db.commit()
        return cur.rowcount

    @serialized
    async def status_counts(self) -> dict[str, int]:
        async with self.db.execute("SELECT status, count(*) FROM reminders GROUP BY status") as cur:
            return {r[0]: r[1] for r in await cur.fetchall()}

    # users

    @serialized
    async def get_prefs(self, platform: str, user_id: str) -> UserPrefs:
        async with self.db.execute(
            "SELECT (SELECT timezone FROM users WHERE platform = ?1 AND user_id = ?2),"
            " (SELECT text FROM notices WHERE platform = ?1 AND user_id = ?2),"
            " (SELECT language FROM users WHERE platform = ?1 AND user_id = ?2)",
            (platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return UserPrefs()
        return UserPrefs(row[0] or "UTC", row[1] or "", row[2] or "")

    @serialized
    async def set_timezone(self, platform: str, user_id: str, zone: str) -> None:
        await self.db.execute(
            "INSERT INTO users (platform, user_id, timezone) VALUES (?, ?, ?)"
            " ON CONFLICT (platform, user_id) DO UPDATE SET timezone = excluded.timezone",
            (platform, user_id, zone),
        )
        await self.db.commit()

    @serialized
    async def set_language(self, platform: str, user_id: str, language: str) -> None:
        await self.db.execute(
            "INSERT INTO users (platform, user_id, language) VALUES (?, ?, ?)"
            " ON CONFLICT (platform, user_id) DO UPDATE SET language = excluded.language",
            (platform, user_id, language),
        )
        await self.db.commit()

    @serialized
    async def set_notice(self, platform: str, user_id: str, notice: str) -> None:
        if notice:
            await self.db.execute(
                "INSERT INTO notices (platform, user_id, text) VALUES (?, ?, ?)"
                " ON CONFLICT (platform, user_id) DO UPDATE SET text = excluded.text",
                (platform, user_id, notice),
            )
        else:
            await self.db.execute(
                "DELETE FROM notices WHERE platform = ? AND user_id = ?", (platform, user_id)
            )
        await self.db.commit()

    @serialized
    async def take_notice(self, platform: str, user_id: str) -> str:
        # One statement reads and clears: two processes (or connections) taking the same
        # notice at once get it once between them.
        async with self.db.execute(
            "DELETE FROM notices WHERE platform = ? AND user_id = ? RETURNING text",
            (platform, user_id),
        ) as cur:
            row = await cur.fetchone()
        await self.db.commit()
        return str(row[0]) if row else ""

    @serialized
    async def set_protection(
        self, platform: str, user_id: str, order_no: str, ends_at: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO orders (platform, user_id, order_no, protection_ends) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, user_id, order_no)"
            " DO UPDATE SET protection_ends = excluded.protection_ends",
            (platform, user_id, order_no, codec.ms(ends_at)),
        )
        await self.db.commit()

    @serialized
    async def get_protection(self, platform: str, user_id: str, order_no: str) -> datetime | None:
        async with self.db.execute(
            "SELECT protection_ends FROM orders"
            " WHERE platform = ? AND user_id = ? AND order_no = ?",
            (platform, user_id, order_no),
        ) as cur:
            row = await cur.fetchone()
        return codec.dt(row[0]) if row and row[0] is not None else None

    @serialized
    async def forget_user(self, platform: str, user_id: str) -> int:
        total = 0
        for table in ("reminders", "users", "orders", "notices"):
            cur = await self.db.execute(
                f"DELETE FROM {table} WHERE platform = ? AND user_id = ?",
                (platform, user_id),
            )
            total += cur.rowcount
        await self.db.commit()
        return total

    # communities and statistics

    @serialized
    async def get_community(self, platform: str, community_id: str) -> CommunitySettings:
        async with self.db.execute(
            "SELECT language, timezone, compact, channels FROM communities"
            " WHERE platform = ? AND community_id = ?",
            (platform, community_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return CommunitySettings()
        return CommunitySettings(row[0], row[1], bool(row[2]), frozenset(json.loads(row[3])))

    @serialized
    async def set_community(
        self, platform: str, community_id: str, settings: CommunitySettings
    ) -> None:
        await self.db.execute(
            "INSERT INTO communities (platform, community_id, language, timezone, compact,"
            " channels) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (platform, community_id) DO UPDATE"
            " SET language = excluded.language, timezone = excluded.timezone,"
            " compact = excluded.compact, channels = excluded.channels",
            (
                platform,
                community_id,
                settings.language,
                settings.timezone,
                int(settings.compact),
                json.dumps(sorted(settings.channels)),
            ),
        )
        await self.db.commit()

    @serialized
    async def communities_with_auto_answer(self, platform: str) -> int:
        async with self.db.execute(
            "SELECT count(*) FROM communities WHERE platform = ? AND channels != '[]'",
            (platform,),
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @serialized
    async def adopt_timezone(self, platform: str, user_id: str, zone: str) -> bool:
        cur = await self.db.execute(
            "INSERT INTO users (platform, user_id, timezone) VALUES (?, ?, ?)"
            " ON CONFLICT (platform, user_id) DO NOTHING",
            (platform, user_id, zone),
        )
        await self.db.commit()
        return cur.rowcount == 1

    @serialized
    async def count_event(
        self,
        platform: str,
        community_id: str,
        card_id: str,
        language: str,
        day: str,
        event: StatEvent,
    ) -> None:
        await self.db.execute(
            "INSERT INTO card_stats (platform, community_id, card_id, language, day, event,"
            " count) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT"
            " (platform, community_id, day, card_id, language, event)"
            " DO UPDATE SET count = card_stats.count + 1",
            (platform, community_id, card_id, language, day, str(event)),
        )
        await self.db.commit()

    @serialized
    async def stats(
        self, platform: str | None = None, community_id: str | None = None, since: str = ""
    ) -> list[StatRow]:
        async with self.db.execute(
            "SELECT platform, community_id, card_id, language, day, event, count"
            " FROM card_stats WHERE (?1 IS NULL OR platform = ?1)"
            " AND (?2 IS NULL OR community_id = ?2) AND day >= ?3"
            " ORDER BY day, platform, community_id, card_id, language, event",
            (platform, community_id, since),
        ) as cur:
            rows = await cur.fetchall()
        return [StatRow(r[0], r[1], r[2], r[3], r[4], StatEvent(r[5]), r[6]) for r in rows]

    @serialized
    async def add_unanswered(
        self, platform: str, community_id: str, text: str, now: datetime
    ) -> None:
        await self.db.execute(
            "INSERT INTO unanswered (platform, community_id, text, created_at) VALUES (?, ?, ?, ?)",
            (platform, community_id, text, codec.ms(now)),
        )
        await self.db.commit()

    @serialized
    async def list_unanswered(
        self, platform: str | None = None, community_id: str | None = None, limit: int = 100
    ) -> list[UnansweredQuestion]:
        async with self.db.execute(
            "SELECT platform, community_id, text, created_at FROM unanswered"
            " WHERE (?1 IS NULL OR platform = ?1) AND (?2 IS NULL OR community_id = ?2)"
            " ORDER BY created_at DESC, id DESC LIMIT ?3",
            (platform, community_id, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [UnansweredQuestion(r[0], r[1], r[2], codec.dt(r[3])) for r in rows]

    @serialized
    async def prune_unanswered(self, before: datetime, limit: int) -> int:
        cur = await self.db.execute(
            "DELETE FROM unanswered WHERE id IN (SELECT id FROM unanswered"
            " WHERE created_at < ? LIMIT ?)",
            (codec.ms(before), limit),
        )
        await self.db.commit()
        return cur.rowcount

    # adapter state

    @serialized
    async def get_meta(self, key: str) -> str | None:
        async with self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    @serialized
    async def set_meta(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        await self.db.commit()

    @serialized
    async def first_seen(self, key: str, now: datetime, keep: timedelta) -> bool:
        async with self.db.execute(
            "INSERT INTO processed_updates (key, expires_at) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at"
            " WHERE processed_updates.expires_at <= ? RETURNING 1",
            (key, codec.ms(now + keep), codec.ms(now)),
        ) as cur:
            row = await cur.fetchone()
        await self.db.commit()
        return row is not None

    def adapter_state(self, namespace: str) -> AdapterState:
        return AdapterState(self, namespace)

    @serialized
    async def prune_seen(self, now: datetime, limit: int) -> int:
        cur = await self.db.execute(
            "DELETE FROM processed_updates WHERE key IN (SELECT key FROM processed_updates"
            " WHERE expires_at <= ? LIMIT ?)",
            (codec.ms(now), limit),
        )
        await self.db.commit()
        return cur.rowcount

    async def subscribe(self, wake: Callable[[str], None]) -> None:
        """Nothing to listen to: only this process writes the file, and it wakes its own
        scheduler directly."""

    # moving data between backends

    async def table_batches(self, table: str, size: int) -> AsyncIterator[list[tuple[Any, ...]]]:
        """Every row of ``table`` (columns as in ``TABLES``), ``size`` rows at a time."""
        columns = TABLES[table]
        after = -1  # by rowid: each batch starts where the last ended, without OFFSET
        while True:
            async with (
                self._lock,
                self.db.execute(
                    f"SELECT rowid, {', '.join(columns)} FROM {table}"
                    " WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, size),
                ) as cur,
            ):
                rows = list(await cur.fetchall())
            if not rows:
                return
            after = rows[-1][0]
            yield [tuple(r)[1:] for r in rows]

    @serialized
    async def count_rows(self, table: str) -> int:
        TABLES[table]  # only known tables
        async with self.db.execute(f"SELECT count(*) FROM {table}") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    @serialized
    async def insert_rows(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        columns = TABLES[table]
        marks = ", ".join("?" * len(columns))
        async with self._transaction() as db:
            await db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
            )
