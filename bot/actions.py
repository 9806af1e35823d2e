"""Button actions as short strings that survive a restart.

``name:arg1:arg2`` fits Telegram's 64-byte callback data and Discord's 100-character
custom ids. Only known action names decode; anything else is ignored."""

from __future__ import annotations

import re

from bot.model import Action

MAX_BYTES = 64  # Telegram's callback_data limit, the tighter of the two platforms
PREFIX = "wb"  # marks our ids among other components (and versions the format)
_ARG = re.compile(r"^[A-Za-z0-9_.\-]{1,40}$")

KNOWN = frozenset(
    {
        "card",
        "more",
        "contacted_help",
        "replied",
        "snooze",
        "disputed",
        "forget_confirm",
        "forget_keep",
        "when",
        "fb",
        "auto_no",
        "auto_stop",
    }
)


class ActionTooLong(ValueError):
    pass


def encode(action: Action) -> str:
    if action.name not in KNOWN:
        raise ValueError(f"unknown action {action.name!r}")
    for arg in action.args:
        if not _ARG.match(arg):
            raise ValueError(f"action argument {arg!r} has characters ids cannot carry")
    data = ":".join((PREFIX, action.name, *action.args))
    if len(data.encode()) > MAX_BYTES:
        raise ActionTooLong(data)
    return data


def decode(data: str) -> Action | None:
    """The action behind a button id, or None for anything that is not one of ours."""
    if not isinstance(data, str) or len(data.encode()) > MAX_BYTES:
        return None
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != PREFIX or parts[1] not in KNOWN:
        return None
    args = tuple(parts[2:])
    if any(not _ARG.match(a) for a in args):
        return None
    return Action(parts[1], args)
