"""Every command the bot understands, with its options: the single list that help text,
Telegram's command menu and Discord's slash commands are built from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    summary: str
    options: tuple[Option, ...] = ()
    personal: bool = True
    """Personal commands touch the user's own data: answered in private (Telegram) or
    ephemerally (Discord). /why, /help and /start are public."""

    @property
    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for opt in self.options:
            parts.append(f"<{opt.name}>" if opt.required else f"[{opt.name}]")
        return " ".join(parts)


ORDER = Option("order", "AliExpress order number (6-30 digits)")

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "why",
        "Explain an order status and what to do",
        (Option("question", "Status from the app, or your question", required=False),),
        personal=False,
    ),
    CommandSpec(
        "remind",
        "Remind me about an order",
        (
            ORDER,
            Option("when", "e.g. 3d, 2h30m, tomorrow 9:00, 2026-12-05"),
            Option("note", "What to remind you of (max 200 chars)", required=False),
        ),
    ),
    CommandSpec(
        "contacted",
        "I messaged the seller: nudge me if they stay silent",
        (ORDER, Option("window", "How long to wait, e.g. 48h or 3d", required=False)),
    ),
    CommandSpec("replied", "The seller answered: cancel the nudge", (ORDER,)),
    CommandSpec(
        "protection",
        "When buyer protection ends: remind me 5 and 2 days before",
        (ORDER, Option("ends", "Date or time left, e.g. 2026-12-20 or 15d")),
    ),
    CommandSpec("reminders", "List my pending reminders"),
    CommandSpec(
        "cancel", "Cancel one of my reminders", (Option("id", "Reminder id from /reminders"),)
    ),
    CommandSpec(
        "reschedule",
        "Move one of my reminders to another time",
        (
            Option("id", "Reminder id from /reminders"),
            Option("when", "e.g. 3d, tomorrow 9:00, 2026-12-05 14:00"),
        ),
    ),
    CommandSpec(
        "timezone",
        "Set my time zone",
        (Option("zone", "IANA zone, e.g. Europe/Warsaw", required=False),),
    ),
    CommandSpec("forgetme", "Delete everything stored about me"),
    CommandSpec("help", "What I do and my commands", personal=False),
    CommandSpec("start", "Start here", personal=False),
)

BY_NAME: dict[str, CommandSpec] = {c.name: c for c in COMMANDS}


def parse_command(text: str) -> tuple[str, str] | None:
    """``/why@Bot shipment cancelled`` -> ("why", "shipment cancelled"): the lowercase name
    without slash or bot suffix, and the argument text. None when the text is no command."""
    parts = text.strip().split(maxsplit=1)
    if not parts or not parts[0].startswith("/") or len(parts[0]) < 2:
        return None
    name = parts[0][1:].partition("@")[0].lower()
    return name, parts[1].strip() if len(parts) > 1 else ""
