"""What the bot stores, and the interface every storage backend implements.

Commands and the scheduler talk to :class:`ReminderStore` only, so a PostgreSQL backend
can be added beside the SQLite one without touching them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

TABLES: dict[str, tuple[str, ...]] = {
    "reminders": (
        "id",
        "platform",
        "user_id",
        "chat_id",
        "kind",
        "order_no",
        "note",
        "payload",
        "due_at",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
        "claimed_by",
        "lease_until",
        "finished_at",
    ),
    "users": ("platform", "user_id", "timezone", "language"),
    "orders": ("platform", "user_id", "order_no", "protection_ends"),
    "notices": ("platform", "user_id", "text"),
    "meta": ("key", "value"),
    "processed_updates": ("key", "expires_at"),
    "communities": ("platform", "community_id", "language", "timezone", "compact", "channels"),
    "card_stats": ("platform", "community_id", "card_id", "language", "day", "event", "count"),
    "unanswered": ("id", "platform", "community_id", "text", "created_at"),
}
"""Every table and its columns, the same in both backends (for ``migrate-data``)."""


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
    claimed_by: str | None = None
    """The process that claimed it for delivery (``host:pid:random``), while claimed."""
    lease_until: datetime | None = None
    """When that claim runs out and any process may claim the reminder again."""


@dataclass(frozen=True, slots=True)
class Replace:
    """The user's pending reminders of one kind for one order, cancelled by a change."""

    order_no: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Protection:
    """When buyer protection ends for one of the user's orders."""

    order_no: str
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class AddResult:
    added: list[Reminder]
    replaced: int
    """How many pending reminders ``replace`` cancelled."""


class TooManyPending(Exception):
    """Adding would take the user past the cap on pending reminders; nothing was changed."""

    def __init__(self, pending: int, cap: int) -> None:
        super().__init__(f"{pending} pending reminders, at most {cap}")
        self.pending = pending
        self.cap = cap


@dataclass(frozen=True, slots=True)
class UserPrefs:
    timezone: str = "UTC"
    notice: str = ""
    """A message owed to the user (a reminder could not be delivered), shown once."""
    language: str = ""
    """The language the user chose with /language; '' when they chose none."""


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    """What the moderators of one Discord server or Telegram group chose (see /settings)."""

    language: str = ""
    """The community's language, used for a user who chose none ('' = none)."""
    timezone: str = ""
    """The time zone new users of the community start with ('' = UTC)."""
    compact: bool = True
    """Public answers compact (title, summary, buttons) or full."""
    channels: frozenset[str] = frozenset()
    """Where auto-answer is on: Discord channel ids, or the Telegram group's own id."""


class StatEvent(StrEnum):
    ANSWER = "answer"  # a card answered /why (or a card button)
    AUTO = "auto"  # a card answered a plain message on its own (auto-answer)
    HELPFUL = "helpful"
    NOT_HELPFUL = "not_helpful"


@dataclass(frozen=True, slots=True)
class StatRow:
    platform: str
    community_id: str
    card_id: str
    language: str
    day: str  # YYYY-MM-DD, UTC
    event: StatEvent
    count: int


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A question no card answered: its text only, never who asked it."""

    platform: str
    community_id: str
    text: str
    created_at: datetime


class ReminderStore(Protocol):
    """Storage for reminders, user preferences and small adapter state.

    Every method that reads or changes a user's data takes the platform and user id and
    touches only rows of that user."""

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    # reminders, for commands
    async def add(self, reminder: NewReminder) -> Reminder: ...
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
        """One command's change, all of it or nothing, in one transaction: cancel the
        ``replace``d reminders, record ``protection``, add ``reminders`` (all the user's).
        With ``cap``, raise :class:`TooManyPending` (and change nothing) when the user
        would then have more than ``cap`` pending; concurrent calls cannot pass it."""
        ...

    async def count_pending(self, platform: str, user_id: str) -> int: ...
    async def count_all_pending(self) -> int:
        """Reminders of every user not delivered yet (pending or claimed): for /metrics."""
        ...

    async def list_pending(self, platform: str, user_id: str) -> list[Reminder]: ...
    async def get(self, platform: str, user_id: str, reminder_id: int) -> Reminder | None: ...
    async def cancel(self, platform: str, user_id: str, reminder_id: int) -> bool: ...
    async def cancel_for_order(
        self, platform: str, user_id: str, order_no: str, kind: Kind
    ) -> int: ...
    async def move(
        self, platform: str, user_id: str, reminder_id: int, due_at: datetime
    ) -> Reminder | None:
        """Put a pending, claimed or sent reminder of the user's back to pending at
        ``due_at`` (snooze, /reschedule); None when there is no such reminder."""
        ...

    # reminders, for the scheduler
    async def next_due(self, platforms: Collection[str]) -> datetime | None:
        """When a reminder of ``platforms`` can next be claimed: the soonest pending one
        falls due, or the soonest claim runs out."""
        ...

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        platforms: Collection[str],
        owner: str,
        lease: timedelta,
    ) -> list[Reminder]:
        """Claim for ``owner`` until ``now + lease`` up to ``limit`` reminders of
        ``platforms`` that are due, or whose claim ran out (its owner died or hung), and
        return them, soonest first."""
        ...

    # Each of these changes the reminder only while ``owner`` still holds its claim, and
    # says whether it did.
    async def mark_sent(self, reminder_id: int, owner: str, now: datetime) -> bool: ...
    async def retry_later(
        self, reminder_id: int, owner: str, due_at: datetime, error: str
    ) -> bool: ...
    async def mark_failed(
        self, reminder_id: int, owner: str, now: datetime, error: str
    ) -> bool: ...
    async def release_claims(self, owner: str) -> int:
        """Put the reminders ``owner`` holds back to pending (a clean shutdown)."""
        ...

    async def prune_finished(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` sent, failed or cancelled reminders that finished
        before ``before``; returns how many went."""
        ...

    # users
    async def get_prefs(self, platform: str, user_id: str) -> UserPrefs: ...
    async def set_timezone(self, platform: str, user_id: str, zone: str) -> None: ...
    async def set_language(self, platform: str, user_id: str, language: str) -> None:
        """Remember the user's language ('' forgets the choice)."""
        ...

    async def set_notice(self, platform: str, user_id: str, notice: str) -> None: ...
    async def take_notice(self, platform: str, user_id: str) -> str:
        """The notice owed to the user, cleared in the same statement ('' when none)."""
        ...

    async def set_protection(
        self, platform: str, user_id: str, order_no: str, ends_at: datetime
    ) -> None: ...
    async def get_protection(
        self, platform: str, user_id: str, order_no: str
    ) -> datetime | None: ...
    async def forget_user(self, platform: str, user_id: str) -> int:
        """Delete everything stored about the user; returns how many rows went."""
        ...

    # communities (a Discord server, a Telegram group), statistics
    async def get_community(self, platform: str, community_id: str) -> CommunitySettings:
        """The community's settings (the defaults when nothing was set)."""
        ...

    async def set_community(
        self, platform: str, community_id: str, settings: CommunitySettings
    ) -> None: ...
    async def communities_with_auto_answer(self, platform: str) -> int:
        """How many communities of ``platform`` have auto-answer on somewhere."""
        ...

    async def adopt_timezone(self, platform: str, user_id: str, zone: str) -> bool:
        """Give a user the store has no row for the time zone ``zone`` (a community's
        default); a known user keeps theirs. True when the user was new."""
        ...

    async def count_event(
        self,
        platform: str,
        community_id: str,
        card_id: str,
        language: str,
        day: str,
        event: StatEvent,
    ) -> None:
        """Add one to the count of ``event`` for the card, language and day."""
        ...

    async def stats(
        self, platform: str | None = None, community_id: str | None = None, since: str = ""
    ) -> list[StatRow]:
        """Counts from day ``since`` on, of one platform and community or of all (None)."""
        ...

    async def add_unanswered(
        self, platform: str, community_id: str, text: str, now: datetime
    ) -> None: ...
    async def list_unanswered(
        self, platform: str | None = None, community_id: str | None = None, limit: int = 100
    ) -> list[UnansweredQuestion]:
        """The newest unanswered questions first."""
        ...

    async def prune_unanswered(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` unanswered questions kept since before ``before``."""
        ...

    # adapter state (keys are namespaced by the adapter: ``telegram:...``)
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...
    async def first_seen(self, key: str, now: datetime, keep: timedelta) -> bool:
        """Record that the event ``key`` (e.g. ``telegram:update:123``) is being handled,
        until ``now + keep``; True only for the first caller, in this process or any other,
        while the record lasts (an insert that does nothing on a conflict)."""
        ...

    async def prune_seen(self, now: datetime, limit: int) -> int:
        """Delete up to ``limit`` records of :meth:`first_seen` that expired by ``now``."""
        ...

    def adapter_state(self, namespace: str) -> AdapterState:
        """The part of the adapter state that belongs to ``namespace`` (``telegram``)."""
        ...

    # wake-ups across processes
    shared: bool
    """True when other processes may change the data (the scheduler then polls often)."""

    async def subscribe(self, wake: Callable[[str], None]) -> None:
        """Call ``wake(platform)`` when another process adds, moves or releases reminders
        of ``platform`` ('' when anything may have changed). A no-op for a store only this
        process uses."""
        ...


class _MetaStore(Protocol):
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...
    async def first_seen(self, key: str, now: datetime, keep: timedelta) -> bool: ...


class AdapterState:
    """One adapter's own bookkeeping (synced-command hashes, handled update ids), kept in
    the store under ``<namespace>:<key>`` so adapters cannot read or clobber each other's
    keys and never need the rest of the store."""

    def __init__(self, store: _MetaStore, namespace: str) -> None:
        if not namespace or ":" in namespace:
            raise ValueError(f"an adapter namespace is one word: {namespace!r}")
        self._store = store
        self.namespace = namespace

    def key(self, name: str) -> str:
        """The store key of ``name`` (``telegram:update:12``)."""
        return f"{self.namespace}:{name}"

    async def get(self, name: str) -> str | None:
        return await self._store.get_meta(self.key(name))

    async def set(self, name: str, value: str) -> None:
        await self._store.set_meta(self.key(name), value)

    async def first_seen(self, name: str, now: datetime, keep: timedelta) -> bool:
        """True for the first caller of any process while the record lasts (see
        :meth:`ReminderStore.first_seen`)."""
        return await self._store.first_seen(self.key(name), now, keep)
