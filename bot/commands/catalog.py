"""Every command the bot understands, with its options: the single list that help text,
Telegram's command menu and Discord's slash commands are built from."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, _, pgettext

OPTION_NAME = "option name"
"""The gettext context of an option's name as users see it (``<order>``, Discord's menu):
one lowercase word, no spaces."""


@dataclass(frozen=True, slots=True)
class Option:
    """``description`` is English, marked for translation; show it with ``_()``."""

    name: str
    description: str
    required: bool = True

    @property
    def shown_name(self) -> str:
        """The option's name in the current language."""
        return pgettext(OPTION_NAME, self.name)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    summary: str
    options: tuple[Option, ...] = ()
    personal: bool = True
    """Personal commands touch the user's own data: answered in private (Telegram) or
    ephemerally (Discord). /why, /help and /start are public."""
    moderator: bool = False
    """For the moderators of a server or group (/settings, /stats): Discord offers it only
    to members with Manage Server, in servers; the core checks again on every use."""

    @property
    def usage(self) -> str:
        """``/remind <order> <when> [note]``, option names in the current language."""
        parts = [f"/{self.name}"]
        for opt in self.options:
            parts.append(f"<{opt.shown_name}>" if opt.required else f"[{opt.shown_name}]")
        return " ".join(parts)

    @property
    def shown_summary(self) -> str:
        return _(self.summary)


ORDER = Option("order", N_("AliExpress order number (6-30 digits)"))

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "why",
        N_("Explain an order status and what to do"),
        (Option("question", N_("Status from the app, or your question"), required=False),),
        personal=False,
    ),
    CommandSpec(
        "remind",
        N_("Remind me about an order"),
        (
            ORDER,
            Option("when", N_("e.g. 3d, 2h30m, tomorrow 9:00, 2026-12-05")),
            Option("note", N_("What to remind you of (max 200 chars)"), required=False),
        ),
    ),
    CommandSpec(
        "contacted",
        N_("I messaged the seller: nudge me if they stay silent"),
        (ORDER, Option("window", N_("How long to wait, e.g. 48h or 3d"), required=False)),
    ),
    CommandSpec("replied", N_("The seller answered: cancel the nudge"), (ORDER,)),
    CommandSpec(
        "protection",
        N_("When buyer protection ends: remind me 5 and 2 days before"),
        (ORDER, Option("ends", N_("Date or time left, e.g. 2026-12-20 or 15d"))),
    ),
    CommandSpec("reminders", N_("List my pending reminders")),
    CommandSpec(
        "cancel",
        N_("Cancel one of my reminders"),
        (Option("id", N_("Reminder id from /reminders")),),
    ),
    CommandSpec(
        "reschedule",
        N_("Move one of my reminders to another time"),
        (
            Option("id", N_("Reminder id from /reminders")),
            Option("when", N_("e.g. 3d, tomorrow 9:00, 2026-12-05 14:00")),
        ),
    ),
    CommandSpec(
        "timezone",
        N_("Set my time zone"),
        (Option("zone", N_("IANA zone, e.g. Europe/Warsaw"), required=False),),
    ),
    CommandSpec(
        "language",
        N_("Set the language I answer in"),
        (Option("language", N_("e.g. de, español, pt-br, or auto"), required=False),),
    ),
    CommandSpec("forgetme", N_("Delete everything stored about me")),
    CommandSpec(
        "settings",
        N_("Community settings (moderators)"),
        (
            Option("setting", N_("language, timezone, answers or autoanswer"), required=False),
            Option("value", N_("e.g. de, Europe/Warsaw, full, on"), required=False),
        ),
        moderator=True,
    ),
    CommandSpec("stats", N_("Answer statistics of this community (moderators)"), moderator=True),
    CommandSpec("help", N_("What I do and my commands"), personal=False),
    CommandSpec("start", N_("Start here"), personal=False),
)

_OPTION_NAMES = (
    pgettext("option name", "question"),
    pgettext("option name", "order"),
    pgettext("option name", "when"),
    pgettext("option name", "note"),
    pgettext("option name", "window"),
    pgettext("option name", "ends"),
    pgettext("option name", "id"),
    pgettext("option name", "zone"),
    pgettext("option name", "language"),
    pgettext("option name", "setting"),
    pgettext("option name", "value"),
)
"""Listed once so ``pybabel extract`` finds every option name (evaluated in English)."""

BY_NAME: dict[str, CommandSpec] = {c.name: c for c in COMMANDS}


def parse_command(text: str) -> tuple[str, str] | None:
    """``/why@Bot shipment cancelled`` -> ("why", "shipment cancelled"): the lowercase name
    without slash or bot suffix, and the argument text. None when the text is no command."""
    parts = text.strip().split(maxsplit=1)
    if not parts or not parts[0].startswith("/") or len(parts[0]) < 2:
        return None
    name = parts[0][1:].partition("@")[0].lower()
    return name, parts[1].strip() if len(parts) > 1 else ""
