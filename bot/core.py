"""The shared core: turns a platform-neutral request into a reply. Knows no platform."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.clock import Clock
from bot.commands import account, protection, reminders, seller, when, why
from bot.commands.catalog import BY_NAME
from bot.commands.context import MAX_ARGS, CommandContext, UsageError, error
from bot.config import Settings
from bot.model import Reply, ReplyKind, Request
from bot.storage.base import Kind, Reminder, ReminderStore
from bot.timefmt import format_when
from knowledge import Matcher

log = logging.getLogger(__name__)

Handler = Callable[[CommandContext, Request], Awaitable[Reply]]

HANDLERS: dict[str, Handler] = {
    "why": why.why,
    "remind": reminders.remind,
    "contacted": seller.contacted,
    "replied": seller.replied,
    "protection": protection.protection,
    "reminders": reminders.list_reminders,
    "cancel": reminders.cancel,
    "reschedule": reminders.reschedule,
    "timezone": account.timezone,
    "forgetme": account.forgetme,
    "help": account.help_,
    "start": account.help_,
}
assert set(HANDLERS) == set(BY_NAME), "every catalog command needs a handler"

FAILED_NOTICE = (
    "Heads-up: I could not deliver a reminder about order {order} by private "
    "message. Let me message you (open a chat with me), then check /reminders."
)


MAX_ID_DIGITS = 12
"""Reminder ids are SQLite rowids: 12 ASCII digits stay far inside its signed 64 bits."""

_ORDER_ARG = re.compile(r"[0-9]{6,30}")
_ID_ARG = re.compile(rf"[0-9]{{1,{MAX_ID_DIGITS}}}")
_CARD_ARG = re.compile(r"[A-Za-z0-9_.\-]{1,40}")
_SNOOZE_ARG = re.compile("|".join(reminders.SNOOZE_CHOICES))
_PICK_KIND = re.compile("|".join(when.KINDS))
_EPOCH_ARG = re.compile(r"[0-9]{1,11}")

ACTION_ARGS: dict[str, tuple[tuple[re.Pattern[str], ...], ...]] = {
    "card": ((_CARD_ARG,),),
    "more": ((_CARD_ARG,),),
    "contacted_help": ((),),
    "replied": ((_ORDER_ARG,),),
    "disputed": ((_ORDER_ARG,),),
    # snooze:<id> (1 day, buttons from before the choices) or snooze:<id>:<choice>
    "snooze": ((_ID_ARG,), (_ID_ARG, _SNOOZE_ARG)),
    when.PICK: ((_PICK_KIND, _ORDER_ARG, _EPOCH_ARG),),
    "forget_confirm": ((),),
    "forget_keep": ((),),
}
"""The argument shapes each button may have (ASCII only, full match). A button whose
data fits none is stale or forged, and is answered "This button has expired."."""


def _valid_args(name: str, args: tuple[str, ...]) -> bool:
    return any(
        len(args) == len(shape)
        and all(p.fullmatch(a) is not None for p, a in zip(shape, args, strict=True))
        for shape in ACTION_ARGS.get(name, ())
    )


class Core:
    """``handle`` answers every request and never raises."""

    def __init__(
        self,
        store: ReminderStore,
        clock: Clock,
        settings: Settings,
        matcher: Matcher,
        wake_scheduler: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.matcher = matcher
        self.ctx = CommandContext(store, clock, settings, matcher, wake_scheduler)

    def set_wake(self, wake: Callable[[], None]) -> None:
        self.ctx.wake_scheduler = wake

    async def handle(self, request: Request) -> Reply:
        try:
            reply = await self._dispatch(request)
        except UsageError as exc:
            reply = error(str(exc))
        except Exception:
            log.exception(
                "command %r failed (platform %s)",
                request.command or request.action,
                request.platform,
            )
            reply = error("Sorry, something went wrong on my side. Please try again.")
        if reply.kind is not ReplyKind.ERROR:
            reply = await self._with_notice(request, reply)
        return reply

    async def _dispatch(self, request: Request) -> Reply:
        if request.action is not None:
            return await self._action(request)
        name = request.command.lower()
        spec = BY_NAME.get(name)
        if spec is None:
            shown = "".join(ch for ch in name if ch.isprintable() and not ch.isspace())
            if not shown:
                return error("I don't know that command. Send /help for my commands.")
            shown = shown if len(shown) <= 30 else shown[:30] + "…"
            return error(f"I don't know /{shown}. Send /help for my commands.")
        if len(request.args) > MAX_ARGS:
            return error(f"That is too long. Usage: {spec.usage}")
        reply = await HANDLERS[name](self.ctx, request)
        if spec.personal and not reply.personal:
            reply = replace(reply, personal=True)
        return reply

    async def _action(self, request: Request) -> Reply:
        action = request.action
        assert action is not None
        args = action.args
        if not _valid_args(action.name, args):
            # forged or stale data: nothing of it reaches the store
            return error("This button has expired.")
        if action.name == "card":
            return await why.show_card(self.ctx, request, args[0])
        if action.name == "more":
            return await why.show_card(self.ctx, request, args[0], full=True)
        if action.name == "contacted_help":
            return await why.contacted_help(self.ctx, request)
        if action.name == "replied":
            return await seller.replied(self.ctx, request, args[0])
        if action.name == "disputed":
            return await seller.disputed(self.ctx, request, args[0])
        if action.name == "snooze":
            return await reminders.snooze(self.ctx, request, *args)
        if action.name == when.PICK:
            command, order, at = when.decode_pick(args, self.clock.now())
            if command == "remind":
                return await reminders.remind_at(self.ctx, request, order, at, "")
            return await protection.protect_until(self.ctx, request, order, at)
        if action.name == "forget_confirm":
            return await account.forget_confirmed(self.ctx, request)
        if action.name == "forget_keep":
            return Reply(text="Kept. Nothing was deleted.", personal=True)
        return error("This button has expired.")

    async def _with_notice(self, request: Request, reply: Reply) -> Reply:
        """Add an owed delivery-failure notice to a reply only the user will see: one in
        their private chat, or a personal reply to a button or a personal command (sent
        privately on Telegram, ephemeral on Discord). A public reply never carries it; the
        notice stays owed until then.

        A personal reply to a public command does not count: Discord may already have
        deferred that answer publicly (the visibility is chosen from the command before
        the reply exists)."""
        if not request.is_private:
            if not reply.personal:
                return reply
            spec = BY_NAME.get(request.command.lower()) if request.action is None else None
            if request.action is None and (spec is None or not spec.personal):
                return reply
        notice = await self.store.take_notice(request.platform, request.user_id)
        if not notice:
            return reply
        footer = f"{notice}\n{reply.footer}" if reply.footer else notice
        return replace(reply, footer=footer)

    # for adapters

    def suggest(self, text: str, limit: int = 25) -> list[tuple[str, str]]:
        """(card id, title) for a partly typed status, best first; all cards for ''."""
        cards = self.matcher.cards
        return [(cid, cards[cid].title) for cid, _ in self.matcher.suggest(text[:200], limit)]

    def card_reply(self, card_id: str, *, compact: bool = False) -> Reply | None:
        card = self.matcher.cards.get(card_id)
        return why.render_card(card, compact=compact) if card else None

    # for the scheduler

    async def render_reminder(self, reminder: Reminder, late: bool) -> Reply:
        zone = await self.ctx.zone_of(reminder.platform, reminder.user_id)
        now = self.clock.now()
        late_line = ""
        if late:
            late_line = (
                f"Sent late: this was due {format_when(reminder.due_at, zone, now)}, "
                "while I was offline."
            )
        if reminder.kind is Kind.NUDGE:
            ends = await self.store.get_protection(
                reminder.platform, reminder.user_id, reminder.order_no
            )
            return seller.render_nudge(reminder, zone, self.matcher, now, ends, late_line)
        if reminder.kind is Kind.PROTECTION:
            return protection.render_due(reminder, zone, now, late_line)
        return await reminders.render_due(reminder, zone, late_line)

    async def delivery_failed(self, reminder: Reminder, reason: str) -> None:
        await self.store.set_notice(
            reminder.platform, reminder.user_id, FAILED_NOTICE.format(order=reminder.order_no)
        )
