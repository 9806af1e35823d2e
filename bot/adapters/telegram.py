"""Telegram adapter on python-telegram-bot (v22): long polling in the shared event loop.

Commands (``/why shipment cancelled``, ``/why@BotName`` in groups), answer cards as HTML
with inline keyboard buttons, inline mode (``@BotName shipment``), personal answers moved
to the user's private chat when asked in a group, and :meth:`TelegramAdapter.deliver` for
reminders. Every piece of text from a reply is HTML-escaped here; the core sends plain text.

Faults: 429 is waited out and retried by PTB's :class:`AIORateLimiter`; network errors and
5xx are retried with a short backoff; 403 (blocked, never started) is permanent. An update
that breaks a handler is logged and skipped; an update served twice (again after a crash,
or to two processes) is handled once: its id is recorded in the store, atomically, before
it is handled, and the record expires after a day.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import (
    BotCommand,
    CallbackQuery,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot import actions, i18n
from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.commands.catalog import BY_NAME, COMMANDS, parse_command
from bot.config import ConfigError
from bot.i18n import N_, _
from bot.model import Action, Platform, Reply, ReplyKind, Request, UserRef

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

PLATFORM = Platform.TELEGRAM.value
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
MAX_TEXT = 4096  # Telegram's limit for one message, in UTF-16 code units after parsing
MAX_BUTTONS = 100  # Telegram refuses larger inline keyboards
SEEN_PREFIX = "telegram:update:"
"""Key prefix of the processed-updates records (the adapter's namespace in the store)."""
# Telegram keeps undelivered updates for 24 hours, and after a week without updates the next
# update id may be chosen at random: a record lasts as long as a redelivery is possible.
SEEN_FOR = timedelta(hours=24)
ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
POLL_GIVE_UP = 15 * 60.0
"""Seconds of getUpdates failing without a success before the adapter gives up."""
POLLING_TASK = "Updater:start_polling:polling_task"  # PTB's name for its polling task
SOMETHING_WRONG = N_("Something went wrong. Please try again in a moment.")
BUTTON_EXPIRED = N_("This button has expired")
MENU_LANGUAGES = ("es", "pt", "fr", "ru", "pl", "de")
"""The languages the command menu is set in besides the default (English)."""
_MENTION = re.compile(r"(?<![\w.@])@(?=\w)")
_TAGS = re.compile(r"<[^>]*>")


# --------------------------------------------------------------------------- rendering
def escape(text: str) -> str:
    """HTML-escape ``text`` for parse_mode=HTML and defuse @mentions so nothing pings."""
    return _MENTION.sub("@\u2060", html.escape(text, quote=False))


def html_to_plain(text: str) -> str:
    """The text a client shows for our own (well-formed) HTML: for a plain-text fallback."""
    return html.unescape(_TAGS.sub("", text))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True, slots=True)
class _Line:
    text: str = ""  # raw, unescaped
    tag: str | None = None  # b / i: the whole line is wrapped

    def render(self) -> str:
        body = escape(self.text)
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag and body else body


def _reply_lines(reply: Reply) -> list[_Line]:
    blocks: list[list[_Line]] = []
    if reply.title.strip():
        blocks.append([_Line(reply.title.strip(), "b")])
    if reply.text.strip():
        blocks.append([_Line(line) for line in reply.text.strip().splitlines()])
    for section in reply.sections:
        block: list[_Line] = []
        if section.heading.strip():
            block.append(_Line(section.heading.strip(), "b"))
        if section.text.strip():
            block.extend(_Line(line) for line in section.text.strip().splitlines())
        for n, item in enumerate(section.items, 1):
            marker = f"{n}." if section.numbered else "•"
            block.append(_Line(f"{marker} {' '.join(item.split())}"))
        if block:
            blocks.append(block)
    if reply.footer.strip():
        blocks.append([_Line(line, "i") for line in reply.footer.strip().splitlines()])
    lines: list[_Line] = []
    for block in blocks:
        if lines:
            lines.append(_Line())
        lines.extend(block)
    return lines


def render_html(reply: Reply, limit: int = MAX_TEXT) -> list[str]:
    """The reply as one or more HTML messages, each within Telegram's length limit."""
    rendered: list[tuple[str, int]] = []
    for line in _reply_lines(reply):
        out = line.render()
        size = _utf16_len(html_to_plain(out))
        if size <= limit:
            rendered.append((out, size))
            continue
        step = max(1, limit // 2)  # escaping and defused mentions may grow a piece
        for start in range(0, len(line.text), step):
            piece = _Line(line.text[start : start + step], line.tag).render()
            rendered.append((piece, _utf16_len(html_to_plain(piece))))
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for out, n in rendered:
        if current and size + 1 + n > limit:
            chunks.append("\n".join(current).strip("\n"))
            current, size = [], 0
        if not current and not out:
            continue  # no blank line at the top of a message
        size += n + (1 if current else 0)
        current.append(out)
    if current:
        chunks.append("\n".join(current).strip("\n"))
    chunks = [c for c in chunks if c.strip()]
    return chunks or [_("Done.")]


def keyboard(reply_actions: Sequence[Action]) -> InlineKeyboardMarkup | None:
    """One button per row; callback data is :func:`bot.actions.encode` (survives restarts)."""
    rows: list[list[InlineKeyboardButton]] = []
    for action in reply_actions[:MAX_BUTTONS]:
        try:
            data = actions.encode(action)
        except ValueError:
            log.error("telegram: action %r cannot be a button; left out", action)
            continue
        label = (action.label or action.name).strip()[:64] or action.name
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


# --------------------------------------------------------------------------- polling guard
class _UpdatesRequest(HTTPXRequest):
    """getUpdates transport that replaces an update PTB cannot parse by an empty one.

    PTB parses a whole getUpdates batch at once; one malformed update would make every poll
    fail and the same batch come back forever. An empty ``Update(update_id)`` keeps the
    offset moving (so it is confirmed) and matches none of our handlers.
    """

    on_answer: Callable[[int], None] | None = None
    """Told the HTTP status of every getUpdates answer (the adapter's polling watch)."""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if self.on_answer is not None:
            self.on_answer(code)
        return code, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        data = HTTPXRequest.parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list) and data.get("ok"):
            data["result"] = [_sanitize_update(item) for item in result]
            data["result"] = [item for item in data["result"] if item is not None]
        return data


def _sanitize_update(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict) or not isinstance(item.get("update_id"), int):
        log.error("telegram: dropping an update without an update_id: %.500r", item)
        return None
    try:
        Update.de_json(item, None)
    except Exception:
        log.exception("telegram: skipping malformed update %s: %.500r", item["update_id"], item)
        return {"update_id": item["update_id"]}
    return item


# --------------------------------------------------------------------------- the adapter
class TelegramAdapter:
    """The Telegram platform: ``TelegramAdapter(core, settings)``."""

    platform = PLATFORM

    def __init__(
        self,
        core: Any,
        settings: Settings,
        *,
        rate_limiter: BaseRateLimiter[Any] | None = None,
        retry_delays: Sequence[float] = (0.5, 2.0),
        poll_timeout: float = 10.0,
        give_up_after: float = POLL_GIVE_UP,
    ) -> None:
        if not settings.telegram_bot_token:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self.settings = settings
        self._token = settings.telegram_bot_token
        self._base_url = (settings.telegram_base_url or DEFAULT_BASE_URL).rstrip("/")
        self._rate_limiter = rate_limiter
        self._retry_delays = tuple(retry_delays)
        self._poll_timeout = poll_timeout
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._lock = asyncio.Lock()
        self._ready = False  # started and not stopping: deliver() may send
        self.username = ""
        self._give_up_after = give_up_after
        self._failing_since: float | None = None  # monotonic time of a failing poll streak
        self._polling: asyncio.Task[Any] | None = None
        self.finished = asyncio.Event()
        """Set when polling stopped on its own (see :attr:`failure`): the app then exits."""
        self.failure: str | None = None

    # ------------------------------------------------------------------ lifecycle
    def _build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        base = self._base_url
        file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file"
        builder = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(base)
            .base_file_url(file_base)
            .rate_limiter(self._rate_limiter or AIORateLimiter(max_retries=3))
        )
        updates_request = _UpdatesRequest(connection_pool_size=1, read_timeout=5.0)
        updates_request.on_answer = self._poll_answered
        builder = builder.get_updates_request(updates_request)
        app = builder.build()
        app.add_handler(TypeHandler(Update, self._skip_seen_update), group=-1)
        app.add_handler(
            CommandHandler(
                [c.name for c in COMMANDS], self._on_command, filters=filters.UpdateType.MESSAGE
            )
        )
        app.add_handler(
            MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, self._on_other_command)
        )
        app.add_handler(
            MessageHandler(
                filters.TEXT
                & ~filters.COMMAND
                & filters.ChatType.PRIVATE
                & filters.UpdateType.MESSAGE
                & ~filters.VIA_BOT,
                self._on_private_text,
            )
        )
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(InlineQueryHandler(self._on_inline_query))
        app.add_error_handler(self._on_error)
        return app

    async def start(self) -> None:
        async with self._lock:
            if self._app is not None:
                return
            _quiet_http_logs()
            # Handlers may run as soon as polling starts (updates that waited while the bot
            # was down), so the application is reachable from here on.
            self._app = app = self._build()
            try:
                try:
                    await app.initialize()  # getMe: fails fast on a wrong token
                except InvalidToken:
                    # PTB's message quotes the token; keep it out of logs and stderr.
                    raise ConfigError(
                        "TELEGRAM_BOT_TOKEN: Telegram rejected the token (getMe answered 401/404)"
                    ) from None
                self.username = app.bot.username or ""
                await self._sync_commands(app)
                await app.start()
                assert app.updater is not None
                tasks_before = asyncio.all_tasks()
                await app.updater.start_polling(
                    timeout=self._poll_timeout,
                    allowed_updates=list(ALLOWED_UPDATES),
                    error_callback=self._on_polling_error,
                )
                self._watch_polling(asyncio.all_tasks() - tasks_before)
            except BaseException:
                await self._shutdown(app)
                self._app = None
                raise
            self._ready = True
            log.info("telegram: polling as @%s", self.username)

    async def stop(self) -> None:
        async with self._lock:
            app = self._app
            if app is None:
                return
            self._ready = False
            self._polling = None  # its end from here on is ours, not a failure
            # Updates already fetched are still answered while the application stops.
            await self._shutdown(app)
            self._app = None
            log.info("telegram: stopped")

    @staticmethod
    async def _shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        steps = []
        if app.updater is not None and app.updater.running:
            steps.append(app.updater.stop)
        if app.running:
            steps.append(app.stop)
        steps.append(app.shutdown)
        for step in steps:
            try:
                await step()
            except TelegramError as exc:  # Updater.stop re-raises why polling ended
                log.warning("telegram: %s while stopping: %s", step.__qualname__, exc)
            except Exception:
                log.exception("telegram: error while stopping (%s)", step.__qualname__)

    async def _sync_commands(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The command menu in English (the default) and once per language_code."""
        for code in (None, *MENU_LANGUAGES):
            with i18n.using(code or i18n.DEFAULT):
                menu = [BotCommand(c.name, c.shown_summary[:256]) for c in COMMANDS]
            try:
                await app.bot.set_my_commands(menu, language_code=code)
            except TelegramError as exc:  # the menu is a convenience; serving matters more
                log.warning(
                    "telegram: could not set the %s command menu: %s", code or "default", exc
                )

    def _on_polling_error(self, exc: TelegramError) -> None:
        """PTB retries a failed getUpdates forever (backing off to 30 s). A bot that has not
        heard from Telegram for ``give_up_after`` seconds gives up, so the process exits and
        its supervisor restarts it (and someone notices)."""
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        failing_for = now - self._failing_since
        if failing_for >= self._give_up_after:
            self._die(f"getUpdates has failed for {failing_for:.0f}s (last: {exc})")
            return
        log.warning("telegram: polling failed, retrying: %s", exc)

    def _poll_answered(self, status: int) -> None:
        if 200 <= status < 300:
            self._failing_since = None

    def _watch_polling(self, new_tasks: set[asyncio.Task[Any]]) -> None:
        """PTB polls in a task of its own (one of ``new_tasks``, those that start_polling
        created); its end while we serve means polling stopped (PTB aborts on a rejected
        token and on an error callback that raised)."""
        for task in new_tasks:
            if task.get_name() == POLLING_TASK and not task.done():
                self._polling = task
                task.add_done_callback(self._polling_ended)
                return
        log.warning("telegram: cannot find PTB's polling task; polling is not watched")

    def _polling_ended(self, task: asyncio.Task[Any]) -> None:
        if task is not self._polling:
            return  # stopped by us
        if task.cancelled():
            self._die("polling was cancelled")
        elif isinstance(task.exception(), InvalidToken):
            self._die("Telegram rejected the token while polling (getUpdates answered 401/404)")
        elif task.exception() is not None:
            exc = task.exception()
            self._die(f"polling failed: {type(exc).__name__}: {exc}")
        else:
            self._die("polling stopped")

    def _die(self, reason: str) -> None:
        if self.failure is not None:
            return
        reason = reason.replace(self._token, "<token>")
        log.error("telegram: %s", reason)
        self._ready = False
        self.failure = reason
        self.finished.set()

    # ------------------------------------------------------------------ update ids
    async def _skip_seen_update(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Record the update as handled before handling it; a second delivery (to this
        process or another one sharing the store) finds the record and is skipped."""
        key = f"{SEEN_PREFIX}{update.update_id}"
        try:
            first = await self.core.store.first_seen(key, datetime.now(UTC), SEEN_FOR)
        except Exception as exc:  # better once too often than never: handle it
            log.warning("telegram: could not record update %s: %s", update.update_id, exc)
            return
        if not first:
            log.info("telegram: update %s was already handled; skipped", update.update_id)
            raise ApplicationHandlerStop

    # ------------------------------------------------------------------ handlers
    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
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

    async def _on_other_command(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
    ) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text or user.is_bot:
            return
        token = message.text.split(maxsplit=1)[0]
        target = token.partition("@")[2]
        private = message.chat.type == ChatType.PRIVATE
        if target and target.lower() != self.username.lower():
            return  # addressed to another bot
        if not target and not private:
            return  # a bare unknown /command in a group may be another bot's
        parsed = parse_command(message.text)
        if parsed is None:
            return
        await self._serve_message(message, user, *parsed)

    async def _on_private_text(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
    ) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text or user.is_bot:
            return
        await self._serve_message(message, user, "why", message.text.strip())

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
        request = Request(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat.id),
            is_private=private,
            command=name,
            args=args,
            language=user.language_code,
            user_name=user.full_name,
        )
        with i18n.using(await self._language(request)):
            await self._serve_request(message, user, request)

    async def _serve_request(self, message: Message, user: User, request: Request) -> None:
        chat, name, private = message.chat, request.command, request.is_private
        spec = BY_NAME.get(name)
        reply_to = None if private else message.message_id
        if (
            not private
            and spec is not None
            and spec.personal
            and not await self._reachable(user.id)
        ):
            # Do not act on a personal command whose answer cannot reach the user.
            await self._send_deep_link(chat.id, name, reply_to)
            return
        reply = await self._handle(request)
        await self._route(reply, chat, user, reply_to=reply_to, name=name)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        action = actions.decode(query.data) if isinstance(query.data, str) else None
        chat: Chat | None = query.message.chat if query.message is not None else None
        request = Request(
            platform=PLATFORM,
            user_id=str(user.id),
            chat_id=str(chat.id if chat else user.id),
            is_private=chat is not None and chat.type == ChatType.PRIVATE,
            action=action,
            language=user.language_code,
            user_name=user.full_name,
        )
        with i18n.using(await self._language(request)):
            if action is None:
                await self._answer_query(query, _(BUTTON_EXPIRED))
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
        if chat is None:
            # A message sent through inline mode: no chat to answer in, so answer privately
            # (or open the private chat through the callback answer's start link).
            reply = await self._handle(request)
            try:
                await self._send(user.id, reply)
            except Forbidden:
                await self._answer_query(
                    query, _("Open a private chat with me first"), url=self._deep_link(action.name)
                )
                return
            await self._answer_query(query)
            return
        reply = await self._handle(request)
        if reply.personal and chat.type != ChatType.PRIVATE:
            # A button in a group whose answer is for the presser alone ("More", snooze):
            # to the private chat, with a toast instead of another message in the group.
            try:
                await self._send(user.id, reply)
            except Forbidden:
                await self._answer_query(
                    query, _("Open a private chat with me first"), url=self._deep_link(action.name)
                )
                return
            await self._answer_query(query, _("Sent to our private chat"))
            return
        await self._answer_query(query)
        await self._route(reply, chat, user, reply_to=None, name=action.name)

    @staticmethod
    async def _answer_query(
        query: CallbackQuery, text: str | None = None, url: str | None = None
    ) -> None:
        """Stop the button's spinner. A query answered too late (Telegram allows about 15
        seconds) is refused with 400; the press is still acted on."""
        try:
            await query.answer(text, url=url)
        except BadRequest as exc:
            log.warning("telegram: could not answer callback query %s: %s", query.id, exc)

    async def _on_inline_query(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
    ) -> None:
        query = update.inline_query
        if query is None:
            return
        lang = i18n.from_locale(query.from_user.language_code) or i18n.DEFAULT
        matches = await _maybe_await(
            self.core.suggest(query.query.strip(), limit=20, language=lang)
        )
        results: list[InlineQueryResultArticle] = []
        for card_id, title in matches:
            reply = await _maybe_await(self.core.card_reply(card_id, compact=True, language=lang))
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

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("telegram: handling update %s failed", update_id, exc_info=context.error)
        if not isinstance(update, Update):
            return
        app = self._app
        user = update.effective_user
        lang = i18n.from_locale(user.language_code if user else None) or i18n.DEFAULT
        with i18n.using(lang):
            text = _(SOMETHING_WRONG)
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):  # perhaps answered already
                await update.callback_query.answer(text)
        chat = update.effective_chat
        if chat is not None and app is not None:
            try:
                await app.bot.send_message(chat.id, text)
            except TelegramError as exc:
                log.warning("telegram: could not tell chat %s about the error: %s", chat.id, exc)

    # ------------------------------------------------------------------ replying
    async def _handle(self, request: Request) -> Reply:
        try:
            return await self.core.handle(request)
        except Exception:  # the core promises not to raise; a user still gets an answer
            log.exception("telegram: core failed on %s", request)
            return Reply(text=_(SOMETHING_WRONG), kind=ReplyKind.ERROR, personal=True)

    async def _route(
        self, reply: Reply, chat: Chat, user: User, *, reply_to: int | None, name: str
    ) -> None:
        """Send ``reply`` where it belongs: the chat it was asked in, or (personal replies
        asked in a group) the user's private chat with a short note in the group."""
        if chat.type == ChatType.PRIVATE or not reply.personal:
            await self._send(chat.id, reply, reply_to=reply_to)
            return
        try:
            await self._send(user.id, reply)
        except Forbidden:
            await self._send_deep_link(chat.id, name, reply_to)
            return
        note = Reply(
            text=_("%(name)s, I've answered you in our private chat.") % {"name": user.first_name}
        )
        link = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("Open the private chat"), url=f"https://t.me/{self.username}"
                    )
                ]
            ]
        )
        await self._send(chat.id, note, reply_to=reply_to, markup=link)

    def _deep_link(self, payload: str) -> str:
        payload = re.sub(r"[^A-Za-z0-9_-]", "", payload)[:64] or "start"
        return f"https://t.me/{self.username}?start={payload}"

    async def _send_deep_link(self, chat_id: int, name: str, reply_to: int | None) -> None:
        url = self._deep_link(name)
        text = _(
            "I can't message you privately yet. %(link_start)sOpen a private chat with "
            "me%(link_end)s, press Start, then send /%(command)s there."
        ) % {
            "link_start": f'<a href="{html.escape(url)}">',
            "link_end": "</a>",
            "command": escape(name),
        }
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_("Open a private chat"), url=url)]])
        await self._send_text(chat_id, text, markup=markup, reply_to=reply_to)

    async def _reachable(self, user_id: int) -> bool:
        """Whether the bot may write to the user's private chat (they started it, did not
        block it): a typing indicator there costs nothing and fails with 403 otherwise."""
        bot = self._bot()
        try:
            await bot.send_chat_action(user_id, ChatAction.TYPING)
        except Forbidden:
            return False
        except TelegramError as exc:
            log.warning("telegram: could not check the private chat of %s: %s", user_id, exc)
        return True

    def _bot(self) -> Any:
        app = self._app
        if app is None:
            raise TemporaryDeliveryError("the Telegram adapter is not running")
        return app.bot

    async def _send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        reply_to: int | None = None,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        chunks = render_html(reply)
        markup = markup or keyboard(reply.actions)
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            await self._send_text(
                chat_id,
                chunk,
                markup=markup if last else None,
                reply_to=reply_to if i == 0 else None,
            )

    async def _send_text(
        self,
        chat_id: int,
        text: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> Message:
        """sendMessage with HTML; network errors and 5xx are retried with a backoff, a 429
        is retried by the rate limiter, everything else raises."""
        bot = self._bot()
        parse_mode: str | None = ParseMode.HTML
        delays = list(self._retry_delays)
        while True:
            try:
                return await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                    reply_parameters=(
                        ReplyParameters(reply_to, allow_sending_without_reply=True)
                        if reply_to is not None
                        else None
                    ),
                )
            except ChatMigrated as exc:  # a group became a supergroup
                chat_id = int(exc.new_chat_id)
            except BadRequest as exc:
                if parse_mode is None or "parse entities" not in exc.message.lower():
                    raise
                log.error("telegram: HTML refused (%s); sending plain text: %r", exc, text)
                text, parse_mode = html_to_plain(text), None
            except (Forbidden, RetryAfter, InvalidToken):
                raise
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                if not delays:
                    raise
                delay = delays.pop(0)
                log.warning(
                    "telegram: sending to %s failed (%s); retrying in %.2fs", chat_id, exc, delay
                )
                await asyncio.sleep(delay)

    # ------------------------------------------------------------------ scheduler
    async def deliver(self, user: UserRef, reply: Reply) -> None:
        """Send a reminder or nudge to the user's private chat. On Telegram the private
        chat's id is the user's id, so ``user.dm_chat_id`` (which may name the group a
        reminder was set in) is not needed."""
        if not self._ready:
            raise TemporaryDeliveryError("the Telegram adapter is not running")
        try:
            chat_id = int(user.user_id)
        except ValueError:
            raise PermanentDeliveryError(f"not a Telegram user id: {user.user_id!r}") from None
        try:
            await self._send(chat_id, reply)
        except Forbidden as exc:
            raise PermanentDeliveryError(f"telegram user {user.user_id}: {exc.message}") from exc
        except BadRequest as exc:  # chat not found, user deactivated: retrying will not help
            raise PermanentDeliveryError(f"telegram user {user.user_id}: {exc.message}") from exc
        except TelegramError as exc:  # network, 5xx after retries, 429 after retries
            raise TemporaryDeliveryError(f"telegram user {user.user_id}: {exc}") from exc


def _quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    PTB logs a traceback when polling aborts; the adapter reports that in one line."""
    httpx_log = logging.getLogger("httpx")
    if httpx_log.level == logging.NOTSET:
        httpx_log.setLevel(logging.WARNING)
    ptb_log = logging.getLogger("telegram.ext")
    if not any(isinstance(f, _NoAbortTraceback) for f in ptb_log.filters):
        ptb_log.addFilter(_NoAbortTraceback())


class _NoAbortTraceback(logging.Filter):
    """Keeps PTB's "Aborting retry loop" line and drops its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Aborting" in record.getMessage():
            record.exc_info = None
            record.exc_text = None
        return True


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
