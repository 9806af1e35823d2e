"""The adapter contract: how a platform plugs into the shared core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from bot.autoanswer import IncomingMessage
    from bot.model import Reply, Request, UserRef
    from bot.storage.base import AdapterState


class DeliveryError(Exception):
    """Sending a message to a user failed."""


class TemporaryDeliveryError(DeliveryError):
    """A failure worth retrying later (network error, 5xx, rate limit)."""


class PermanentDeliveryError(DeliveryError):
    """A failure that will not heal by retrying (the user blocked the bot, never started it)."""


class CoreService(Protocol):
    """What an adapter may ask of the core (:class:`bot.core.Core` implements it).

    Adapters never see the store or the matcher: they hand in requests, ask for card
    suggestions, and keep their own bookkeeping in :meth:`adapter_state`."""

    async def handle(self, request: Request) -> Reply:
        """The reply to ``request``; never raises."""
        ...

    async def language_for(self, request: Request) -> str:
        """The language the adapter's own words to this user are in."""
        ...

    def suggest(
        self, text: str, limit: int = 25, language: str | None = None
    ) -> list[tuple[str, str]]:
        """(card id, title) for a partly typed status, best first."""
        ...

    def card_reply(
        self, card_id: str, *, compact: bool = False, language: str = "en"
    ) -> Reply | None:
        """A card as a reply (None for an unknown card id)."""
        ...

    def has_card(self, card_id: str) -> bool:
        """Whether ``card_id`` names a card (e.g. a status picked from autocomplete)."""
        ...

    def adapter_state(self, namespace: str) -> AdapterState:
        """The adapter's own namespaced part of the store."""
        ...

    async def auto_answer(self, message: IncomingMessage) -> Reply | None:
        """A compact card for a plain message in an auto-answer channel, or None."""
        ...

    async def auto_answer_wanted(self, platform: str) -> bool:
        """Whether any community of ``platform`` turned auto-answer on."""
        ...

    @property
    def auto_queue_size(self) -> int:
        """How many messages may wait for auto-answer (WHYBOT_AUTO_QUEUE)."""
        ...

    def platform_error(self, platform: str, kind: str) -> None:
        """Count an error talking to the platform (``/metrics``), e.g. ``polling``."""
        ...


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
