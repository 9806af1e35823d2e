"""The adapter contract: how a platform plugs into the shared core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from bot.model import Reply, UserRef


class DeliveryError(Exception):
    """Sending a message to a user failed."""


class TemporaryDeliveryError(DeliveryError):
    """A failure worth retrying later (network error, 5xx, rate limit)."""


class PermanentDeliveryError(DeliveryError):
    """A failure that will not heal by retrying (the user blocked the bot, never started it)."""


@runtime_checkable
class Adapter(Protocol):
    """A chat platform. The core hands it requests' answers; the scheduler hands it
    reminders through :meth:`deliver`.

    ``start`` connects and begins serving (it returns once serving is under way);
    ``stop`` disconnects cleanly. ``deliver`` sends a reply to a user's private chat and
    raises :class:`TemporaryDeliveryError` or :class:`PermanentDeliveryError` on failure.
    """

    platform: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def deliver(self, user: UserRef, reply: Reply) -> None: ...
