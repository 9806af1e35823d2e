"""Telegram updates -> neutral :class:`~bot.model.Request`s, and the core's replies back
through :class:`~bot.adapters.telegram.routing.Router`.

An update that breaks a handler is logged and skipped (the user hears "something went
wrong"); an update served twice (again after a crash, or to two processes) is handled
once: its id is recorded in the adapter's state, atomically, before it is handled, and
the record expires after a day.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    Chat,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import actions, i18n
from bot.adapters.base import CoreService
from bot.adapters.telegram.moderation import CANNOT_SEE, Moderators, incoming
from bot.adapters.telegram.render import NO_PREVIEW, keyboard, render_html
from bot.adapters.telegram.routing import Router, answer_query
from bot.autoanswer import AutoAnswerQueue, IncomingMessage
from bot.commands.catalog import BY_NAME, COMMANDS, parse_command
from bot.i18n import N_, _
from bot.model import Action, Platform, Reply, ReplyKind, Request
from bot.storage.base import AdapterState

log = logging.getLogger(__package__)  # one logger for the whole adapter

PLATFORM = Platform.TELEGRAM.value
SEEN_PREFIX = "telegram:update:"
"""Store key prefix of the processed-updates records (the adapter's namespace)."""
# Telegram keeps undelivered updates for 24 hours, and after a week without updates the next
# update id may be chosen at random: a record lasts as long as a redelivery is possible.
SEEN_FOR = timedelta(hours=24)
SOMETHING_WRONG = N_("Something went wrong. Please try again in a moment.")
BUTTON_EXPIRED = N_("This button has expired")
QUIET_ACTIONS = frozenset({"fb", "auto_no", "auto_stop"})
"""Buttons answered by a toast alone: nothing more is posted in the group for them."""
MODERATED_ACTIONS = frozenset({"auto_no", "auto_stop"})


class UpdateHandlers:
    """PTB handlers for commands, private text, buttons and inline queries."""

    def __init__(
        self,
        core: CoreService,
        state: AdapterState,
        router: Router,
        username: Callable[[], str],
    ) -> None:
        self.core = core
        self.state = state
        self.router = router
        self.transport = router.transport
        self._username = username
        self.moderators = Moderators(self.transport.bot)
        self.auto: AutoAnswerQueue | None = None
        """Created with the first group message (it needs the running loop)."""

    def register(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(TypeHandler(Update, self.skip_seen_update), group=-1)
        app.add_handler(
            CommandHandler(
                [c.name for c in COMMANDS], self.on_command, filters=filters.UpdateType.MESSAGE
            )
        )
        app.add_handler(
            MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, self.on_other_command)
        )
        app.add_handler(
            MessageHandler(
                filters.TEXT
                & ~filters.COMMAND
                & filters.ChatType.PRIVATE
                & filters.UpdateType.MESSAGE
                & ~filters.VIA_BOT,
                self.on_private_text,
            )
        )
        app.add_handler(
            MessageHandler(
                filters.TEXT
                & ~filters.COMMAND
                & filters.ChatType.GROUPS
                & filters.UpdateType.MESSAGE  # not edits
                & ~filters.VIA_BOT,
                self.on_group_text,
            )
        )
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(InlineQueryHandler(self.on_inline_query))
        app.add_error_handler(self.on_error)

    # ------------------------------------------------------------------ update ids
    async def skip_seen_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Record the update as handled before handling it; a second delivery (to this
        process or another one sharing the store) finds the record and is skipped."""
        name = f"update:{update.update_id}"
        try:
            first = await self.state.first_seen(name, datetime.now(UTC), SEEN_FOR)
        except Exception as exc:  # better once too often than never: handle it
            log.warning("telegram: could not record update %s: %s", update.update_id, exc)
            return
        if not first:
            log.info("telegram: update %s was already handled; skipped", update.update_id)
            raise ApplicationHandlerStop

    # ------------------------------------------------------------------ messages
    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text or user.is_bot:
            return
        parsed = parse_command(message.text)
        if parsed is None:
            return
        name, args = parsed
        if name == "start":
            args = ""  # a deep-link payload: /start just answers /start
        await self._serve_message(message, user, name, args)

    async def on_other_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text or user.is_bot:
            return
        token = message.text.split(maxsplit=1)[0]
        target = token.partition("@")[2]
        private = message.chat.type == ChatType.PRIVATE
        if target and target.lower() != self._username().lower():
            return  # addressed to another bot
        if not target and not private:
            return  # a bare unknown /command in a group may be another bot's
        parsed = parse_command(message.text)
        if parsed is None:
            return
        await self._serve_message(message, user, *parsed)

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text or user.is_bot:
            return
        await self._serve_message(message, user, "why", message.text.strip())

    # ------------------------------------------------------------------ auto-answer
    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A plain message in a group: offered to the auto-answer (never waits)."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        if self.auto is None:
            self.auto = AutoAnswerQueue(
                self.core.auto_answer, self._send_auto, self.core.auto_queue_size
            )
            self.auto.start()
        self.auto.offer(incoming(message, user, context.bot.id))

    async def _send_auto(self, message: IncomingMessage, reply: Reply) -> None:
        await self.transport.send(int(message.channel_id), reply, reply_to=int(message.message_id))

    async def stop_auto(self) -> None:
        if self.auto is not None:
            await self.auto.stop()
            self.auto = None

    async def _language(self, request: Request) -> str:
        """The language of the adapter's own words to this user (the core's choice)."""
        try:
            return await self.core.language_for(request)
        except Exception:
            log.exception("telegram: choosing a language failed")
            return i18n.from_locale(request.language) or i18n.DEFAULT

    async def _serve_message(self, message: Message, user: User, name: str, args: str) -> None:
        chat = message.chat
        private = chat.type == ChatType.PRIVATE
        spec = BY_NAME.get(name)
        moderator = False
        if spec is not None and spec.moderator and not private:
            moderator = await self.moderators.is_admin(chat.id, user.id)
        request = Request(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat.id),
            is_private=chat.type == ChatType.PRIVATE,
            command=name,
            args=args,
            language=user.language_code,
            user_name=user.full_name,
            community_id="" if private else str(chat.id),
            is_moderator=moderator,
        )
        with i18n.using(await self._language(request)):
            await self._serve_request(message, user, request)
            if (
                moderator
                and name == "settings"
                and args.lower().split()[:2]
                == [
                    "autoanswer",
                    "on",
                ]
            ):
                await self._tell_if_blind(chat.id, user.id)

    async def _tell_if_blind(self, chat_id: int, user_id: int) -> None:
        """Auto-answer was turned on: tell the moderator, privately, when the bot cannot
        see the group's ordinary messages."""
        if await self.moderators.bot_sees_messages(chat_id):
            return
        try:
            await self.transport.send(user_id, Reply(text=_(CANNOT_SEE), personal=True))
        except TelegramError as exc:
            log.warning("telegram: could not tell %s the bot is blind: %s", user_id, exc)

    async def _serve_request(self, message: Message, user: User, request: Request) -> None:
        chat, name, private = message.chat, request.command, request.is_private
        spec = BY_NAME.get(name)
        reply_to = None if private else message.message_id
        if (
            not private
            and spec is not None
            and spec.personal
            and not await self.transport.reachable(user.id)
        ):
            # Do not act on a personal command whose answer cannot reach the user.
            await self.router.send_deep_link(chat.id, name, reply_to)
            return
        reply = await self._handle(request)
        await self.router.route(reply, chat, user, reply_to=reply_to, name=name)

    # ------------------------------------------------------------------ buttons
    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        action = actions.decode(query.data) if isinstance(query.data, str) else None
        chat: Chat | None = query.message.chat if query.message is not None else None
        private = chat is not None and chat.type == ChatType.PRIVATE
        group = chat is not None and not private
        moderator = False
        if group and action is not None and action.name in MODERATED_ACTIONS:
            assert chat is not None
            moderator = await self.moderators.is_admin(chat.id, user.id)
        request = Request(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat.id if chat else user.id),
            is_private=private,
            action=action,
            language=user.language_code,
            user_name=user.full_name,
            community_id=str(chat.id) if group and chat is not None else "",
            is_moderator=moderator,
        )
        with i18n.using(await self._language(request)):
            if action is None:
                await answer_query(query, _(BUTTON_EXPIRED))
                return
            await self._serve_button(query, user, chat, request, action)

    async def _serve_button(
        self,
        query: CallbackQuery,
        user: User,
        chat: Chat | None,
        request: Request,
        action: Action,
    ) -> None:
        reply = await self._handle(request)
        if action.name in QUIET_ACTIONS:
            # Feedback and auto-answer buttons: a toast for the presser, nothing posted.
            if reply.remove_message and query.message is not None and chat is not None:
                try:
                    await self.transport.bot().delete_message(chat.id, query.message.message_id)
                except TelegramError as exc:
                    log.warning("telegram: could not delete an auto-answer: %s", exc)
            await answer_query(query, reply.text[:200])
            return
        if chat is None:
            # A message sent through inline mode: no chat to answer in, so answer privately.
            await self.router.to_private_chat(query, user, reply, action.name, None)
            return
        if reply.personal and chat.type != ChatType.PRIVATE:
            # A button in a group whose answer is for the presser alone ("More", snooze):
            # to the private chat, with a toast instead of another message in the group.
            toast = _("Sent to our private chat")
            await self.router.to_private_chat(query, user, reply, action.name, toast)
            return
        await answer_query(query)
        await self.router.route(reply, chat, user, reply_to=None, name=action.name)

    # ------------------------------------------------------------------ inline mode
    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.inline_query
        if query is None:
            return
        lang = i18n.from_locale(query.from_user.language_code) or i18n.DEFAULT
        matches = self.core.suggest(query.query.strip(), limit=20, language=lang)
        results: list[InlineQueryResultArticle] = []
        for card_id, title in matches:
            reply = self.core.card_reply(card_id, compact=True, language=lang)
            if reply is None:
                continue
            result_id = card_id if len(card_id.encode()) <= 64 else str(abs(hash(card_id)))
            results.append(
                InlineQueryResultArticle(
                    id=result_id,
                    title=(title or reply.title or card_id)[:256],
                    description=(reply.text.strip().splitlines() or [""])[0][:200] or None,
                    input_message_content=InputTextMessageContent(
                        render_html(reply)[0],
                        parse_mode=ParseMode.HTML,
                        link_preview_options=NO_PREVIEW,
                    ),
                    reply_markup=keyboard(reply.actions),
                )
            )
        await query.answer(results[:50], cache_time=60, is_personal=False)

    # ------------------------------------------------------------------ failures
    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: handling update %s failed", update_id, exc_info=context.error)
        self.core.platform_error(PLATFORM, "handler")
        if not isinstance(update, Update):
            return
        user = update.effective_user
        lang = i18n.from_locale(user.language_code if user else None) or i18n.DEFAULT
        with i18n.using(lang):
            text = _(SOMETHING_WRONG)
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):  # perhaps answered already
                await update.callback_query.answer(text)
        chat = update.effective_chat
        if chat is None:
            return
        try:
            await self.transport.bot().send_message(chat.id, text)
        except Exception as exc:  # TelegramError, or the adapter stopping meanwhile
            log.warning("telegram: could not tell chat %s about the error: %s", chat.id, exc)

    async def _handle(self, request: Request) -> Reply:
        try:
            return await self.core.handle(request)
        except Exception:  # the core promises not to raise; a user still gets an answer
            log.exception("telegram: core failed on %s", request)
            return Reply(text=_(SOMETHING_WRONG), kind=ReplyKind.ERROR, personal=True)
