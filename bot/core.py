"""The shared core: turns a platform-neutral request into a reply. Knows no platform."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import i18n
from bot.autoanswer import IncomingMessage
from bot.clock import Clock
from bot.commands import account, community, protection, reminders, seller, when, why
from bot.commands.catalog import BY_NAME
from bot.commands.context import MAX_ARGS, CommandContext, UsageError, error, zone_named
from bot.config import Settings
from bot.i18n import N_, _
from bot.metrics import Metrics
from bot.model import Action, Reply, ReplyKind, Request
from bot.storage.base import AdapterState, Kind, Reminder, ReminderStore, StatEvent, UserPrefs
from bot.timefmt import format_when
from knowledge import Matcher
from knowledge.detect import LanguageDetector, lexicon_stopwords

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
    "language": account.language,
    "forgetme": account.forgetme,
    "help": account.help_,
    "start": account.help_,
    "settings": community.settings_command,
    "stats": community.stats_command,
}
assert set(HANDLERS) == set(BY_NAME), "every catalog command needs a handler"

FAILED_NOTICE = N_(
    "Heads-up: I could not deliver a reminder about order %(order)s by private "
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
_VOTE_ARG = re.compile(r"[yn]")
_USER_ARG = re.compile(r"[0-9]{1,20}")

THREAD_KEEP = timedelta(days=7)
"""How long a conversation the bot auto-answered stays answered."""
VOTE_KEEP = timedelta(days=1)
"""One Helpful / Not helpful per user, card and chat a day is counted."""

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
    "fb": ((_VOTE_ARG, _CARD_ARG),),
    "auto_no": ((_CARD_ARG, _USER_ARG),),
    "auto_stop": ((),),
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
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.clock = clock
        self.matcher = matcher
        # built here, at start-up, from the cards already loaded (~20 ms): not on a request
        self.detector = LanguageDetector.build(matcher.cards.values(), lexicon_stopwords())
        self.ctx = CommandContext(store, clock, settings, matcher, wake_scheduler)

    def set_wake(self, wake: Callable[[], None]) -> None:
        self.ctx.wake_scheduler = wake

    async def language_for(self, request: Request) -> str:
        """The language to answer ``request`` in (see :func:`bot.i18n.resolve`)."""
        question = None
        if request.action is None and request.command.lower() == "why":
            question = str(request.options.get("question") or request.args or "")
            if question.strip().lower() in self.matcher.cards:
                question = None  # a card id from Discord's autocomplete says nothing
        try:
            choice = (await self.store.get_prefs(request.platform, request.user_id)).language
            if not choice and request.community_id and not request.is_private:
                # a user who chose no language hears the community's, when it set one
                settings = await self.store.get_community(request.platform, request.community_id)
                choice = settings.language
        except Exception:
            log.exception("reading the language of a user failed")
            choice = ""
        return i18n.resolve(choice, question, request.language, self.detector.detect)

    async def handle(self, request: Request) -> Reply:
        try:
            lang = await self.language_for(request)
        except Exception:
            log.exception("choosing the reply language failed")
            lang = i18n.DEFAULT
        with i18n.using(lang):
            reply = await self._handle(request)
        if reply.card_id:
            self.metrics.answers.labels(reply.card_id, lang).inc()
        elif reply.not_sure:
            self.metrics.not_sure.labels(lang).inc()
        return reply

    async def _handle(self, request: Request) -> Reply:
        try:
            await self._adopt_community_zone(request)
            reply = await self._dispatch(request)
            await self._count_answer(request, reply)
        except UsageError as exc:
            reply = error(str(exc))
        except Exception:
            log.exception(
                "command %r failed (platform %s)",
                request.command or request.action,
                request.platform,
            )
            reply = error(_("Sorry, something went wrong on my side. Please try again."))
        if reply.kind is not ReplyKind.ERROR:
            reply = await self._with_notice(request, reply)
        return reply

    async def _adopt_community_zone(self, request: Request) -> None:
        """A user new to the bot who writes in a community with a default time zone
        starts with that zone (they can change it with /timezone)."""
        if not request.community_id or request.is_private or request.action is not None:
            return
        spec = BY_NAME.get(request.command.lower())
        if spec is None or not spec.personal or spec.moderator:
            return  # only commands that touch the user's own data (and may need a zone)
        settings = await self.store.get_community(request.platform, request.community_id)
        if settings.timezone:
            await self.store.adopt_timezone(request.platform, request.user_id, settings.timezone)

    async def _count_answer(self, request: Request, reply: Reply) -> None:
        """Count a card shown by /why or a card button (not "More": the same answer)."""
        if not reply.card_id:
            return
        if request.action is not None and request.action.name != "card":
            return
        await self._count(request.platform, request.community_id, reply.card_id, StatEvent.ANSWER)

    async def _count(
        self, platform: str, community_id: str, card_id: str, event: StatEvent
    ) -> None:
        try:
            await self.store.count_event(
                platform,
                community_id,
                card_id,
                i18n.current(),
                self.clock.now().date().isoformat(),
                event,
            )
        except Exception:  # statistics must never cost a user their answer
            log.exception("counting a %s of card %s failed", event, card_id)

    async def _dispatch(self, request: Request) -> Reply:
        if request.action is not None:
            return await self._action(request)
        name = request.command.lower()
        spec = BY_NAME.get(name)
        if spec is None:
            shown = "".join(ch for ch in name if ch.isprintable() and not ch.isspace())
            if not shown:
                return error(_("I don't know that command. Send /help for my commands."))
            shown = shown if len(shown) <= 30 else shown[:30] + "…"
            return error(
                _("I don't know /%(command)s. Send /help for my commands.") % {"command": shown}
            )
        if len(request.args) > MAX_ARGS:
            return error(_("That is too long. Usage: %(usage)s") % {"usage": spec.usage})
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
            return error(_("This button has expired."))
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
            return Reply(text=_("Kept. Nothing was deleted."), personal=True)
        if action.name == "fb":
            return await self._feedback(request, args[1], helpful=args[0] == "y")
        if action.name == "auto_no":
            return await self._auto_not_helpful(request, args[0], asker=args[1])
        if action.name == "auto_stop":
            return await community.turn_off_here(self.ctx, request)
        return error(_("This button has expired."))

    async def _feedback(self, request: Request, card_id: str, *, helpful: bool) -> Reply:
        """Helpful / Not helpful under an answer: counted once per user, card and chat a
        day (pressing again changes nothing)."""
        key = f"feedback:{request.platform}:{request.user_id}:{request.chat_id}:{card_id}"
        if self.has_card(card_id) and await self.store.first_seen(key, self.clock.now(), VOTE_KEEP):
            event = StatEvent.HELPFUL if helpful else StatEvent.NOT_HELPFUL
            await self._count(request.platform, request.community_id, card_id, event)
        return Reply(text=_("Thanks for the feedback."), personal=True)

    async def _auto_not_helpful(self, request: Request, card_id: str, *, asker: str) -> Reply:
        """ "Not helpful" under an auto-answer: the asker or a moderator removes it."""
        if request.user_id != asker and not request.is_moderator:
            return error(_("Only the person who asked or a moderator can remove this answer."))
        await self._count(request.platform, request.community_id, card_id, StatEvent.NOT_HELPFUL)
        return Reply(
            text=_("Removed. Thanks: this helps us improve the answers."),
            personal=True,
            remove_message=True,
        )

    # auto-answer

    async def auto_answer(self, message: IncomingMessage) -> Reply | None:
        """A compact card for a plain message in an auto-answer channel, or None: not on
        here, not confident enough (stricter than /why), this conversation answered
        already, or this card answered in this channel within the cooldown."""
        settings = await self.store.get_community(message.platform, message.community_id)
        if message.channel_id not in settings.channels:
            return None
        matcher = self.matcher  # the one in use now, even if a reload swaps it meanwhile
        result = await asyncio.to_thread(matcher.match, message.text)
        card = matcher.cards.get(result.card or "")
        if card is None or result.score < self.ctx.settings.auto_threshold:
            return None
        now = self.clock.now()
        where = f"{message.platform}:{message.channel_id}"
        thread = message.thread_id or message.message_id
        if not await self.store.first_seen(f"auto:thread:{where}:{thread}", now, THREAD_KEEP):
            return None
        cooldown = self.ctx.settings.auto_cooldown
        if not await self.store.first_seen(f"auto:card:{where}:{card.id}", now, cooldown):
            return None
        lang = i18n.resolve(settings.language, message.text, message.language, self.detector.detect)
        with i18n.using(lang):
            reply = why.render_card(card, compact=True, cards=matcher.cards)
            buttons = (
                Action("more", (card.id,), _("More")),
                Action("auto_no", (card.id, message.user_id), _("Not helpful")),
                Action("auto_stop", (), _("Stop here")),
            )
            await self._count(message.platform, message.community_id, card.id, StatEvent.AUTO)
        return replace(reply, actions=buttons)

    async def auto_answer_wanted(self, platform: str) -> bool:
        return await self.store.communities_with_auto_answer(platform) > 0

    @property
    def auto_queue_size(self) -> int:
        return self.ctx.settings.auto_queue

    def replace_knowledge(self, matcher: Matcher, detector: LanguageDetector) -> None:
        """Swap in cards reloaded while running (built off the event loop)."""
        self.matcher = matcher
        self.detector = detector
        self.ctx.matcher = matcher

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
        notice = render_notice(notice)
        footer = f"{notice}\n{reply.footer}" if reply.footer else notice
        return replace(reply, footer=footer)

    # for adapters

    def suggest(
        self, text: str, limit: int = 25, language: str | None = None
    ) -> list[tuple[str, str]]:
        """(card id, title in ``language``) for a partly typed status, best first; all
        cards for ''. ``language`` is a platform locale or a whybot language."""
        lang = i18n.from_locale(language) or i18n.DEFAULT
        cards = self.matcher.cards
        return [
            (cid, cards[cid].text(lang).title)
            for cid, _score in self.matcher.suggest(text[:200], limit)
        ]

    def card_reply(
        self, card_id: str, *, compact: bool = False, language: str = i18n.DEFAULT
    ) -> Reply | None:
        card = self.matcher.cards.get(card_id)
        if card is None:
            return None
        with i18n.using(language):
            return why.render_card(card, compact=compact, cards=self.matcher.cards)

    def platform_error(self, platform: str, kind: str) -> None:
        """Count an error talking to a platform (``/metrics``)."""
        self.metrics.error(platform, kind)

    def has_card(self, card_id: str) -> bool:
        return card_id in self.matcher.cards

    def adapter_state(self, namespace: str) -> AdapterState:
        """An adapter's own bookkeeping, namespaced (see :class:`AdapterState`)."""
        return self.store.adapter_state(namespace)

    # for the scheduler

    @staticmethod
    def reminder_language(reminder: Reminder, prefs: UserPrefs) -> str:
        """A reminder speaks its owner's chosen language, else the language it was created
        in (stored in its payload), else English."""
        for lang in (prefs.language, str(reminder.payload.get("lang", ""))):
            if lang in i18n.LANGUAGES:
                return lang
        return i18n.DEFAULT

    async def render_reminder(self, reminder: Reminder, late: bool) -> Reply:
        # one read of the owner's preferences gives both the language and the zone
        prefs = await self.store.get_prefs(reminder.platform, reminder.user_id)
        with i18n.using(self.reminder_language(reminder, prefs)):
            return await self._render_reminder(reminder, late, zone_named(prefs.timezone))

    async def _render_reminder(self, reminder: Reminder, late: bool, zone: ZoneInfo) -> Reply:
        now = self.clock.now()
        late_line = ""
        if late:
            late_line = _("Sent late: this was due %(when)s, while I was offline.") % {
                "when": format_when(reminder.due_at, zone, now, i18n.babel_locale())
            }
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
            reminder.platform, reminder.user_id, f"{NOTICE_PREFIX}{reminder.order_no}"
        )


NOTICE_PREFIX = "failed:"
"""A stored notice is a key, not text: it is worded in the language of the reply it rides."""


def render_notice(stored: str) -> str:
    if stored.startswith(NOTICE_PREFIX):
        return _(FAILED_NOTICE) % {"order": stored.removeprefix(NOTICE_PREFIX)}
    return stored  # a notice stored before notices were keys
