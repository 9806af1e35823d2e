"""The platform-neutral request and reply model shared by the core and every adapter.

An adapter turns a platform event into a :class:`Request`, the core answers with a
:class:`Reply`, and the adapter renders that reply (an embed, HTML, plain text).
All text in a reply is plain, unescaped text: escaping is the adapter's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    CONSOLE = "console"
    TELEGRAM = "telegram"
    DISCORD = "discord"


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who a message is for: a user on one platform, and the private chat to reach them."""

    platform: str
    user_id: str
    dm_chat_id: str | None = None


@dataclass(frozen=True, slots=True)
class Action:
    """A button: a short name plus arguments, encoded so it survives a restart.

    ``encode()`` gives ``name:arg1:arg2``; it fits Telegram's 64-byte callback data
    and Discord's 100-character custom ids (checked by :func:`bot.actions.encode`).
    """

    name: str
    args: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of a reply. ``items`` render as a numbered (steps) or bulleted list."""

    heading: str
    text: str = ""
    items: tuple[str, ...] = ()
    numbered: bool = False


class ReplyKind(StrEnum):
    CARD = "card"  # an answer card
    INFO = "info"  # help, lists, confirmations
    ERROR = "error"  # one-line usage or error message
    REMINDER = "reminder"  # a reminder or nudge sent by the scheduler


@dataclass(frozen=True, slots=True)
class Reply:
    """A structured answer. ``personal`` replies belong in the user's private chat
    (Telegram) or are ephemeral (Discord); public ones may be shown in a group."""

    text: str = ""
    title: str = ""
    sections: tuple[Section, ...] = ()
    actions: tuple[Action, ...] = ()
    kind: ReplyKind = ReplyKind.INFO
    personal: bool = False
    footer: str = ""
    card_id: str = ""
    """The answer card this reply shows ('' for none): counted in the statistics and
    in /metrics."""
    remove_message: bool = False
    """The message whose button asked for this reply is to be deleted ("Not helpful" on
    an auto-answer); the reply itself goes to the presser alone."""
    not_sure: bool = False
    """A question answered without a sure card (likely statuses offered, or none)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One thing a user asked for: a command with its raw argument text, or a button press.

    ``command`` is the bare command name without slash or bot suffix (``why``), ``args``
    the raw text after it. For a button press ``action`` is set and ``command`` is empty.
    """

    platform: str
    user_id: str
    chat_id: str
    is_private: bool
    command: str = ""
    args: str = ""
    action: Action | None = None
    language: str | None = None
    user_name: str = ""
    options: dict[str, str] = field(default_factory=dict)
    """Named arguments from platforms with typed options (Discord); when given they are
    used instead of parsing ``args``. Keys are the option names in the command catalog."""
    community_id: str = ""
    """The Discord server or Telegram group asked in ('' in a private chat)."""
    is_moderator: bool = False
    """The adapter checked that the user may manage the community (Discord: Manage
    Server; Telegram: a group administrator)."""

    @property
    def user(self) -> UserRef:
        return UserRef(self.platform, self.user_id, self.chat_id if self.is_private else None)
