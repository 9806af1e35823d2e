"""Telegram adapter on python-telegram-bot (v22): long polling in the shared event loop,
or a webhook (TELEGRAM_WEBHOOK_URL, see :mod:`.webhook`).

Commands (``/why shipment cancelled``, ``/why@BotName`` in groups), answer cards as HTML
with inline keyboard buttons, inline mode (``@BotName shipment``), personal answers moved
to the user's private chat when asked in a group, and :meth:`TelegramAdapter.deliver` for
reminders.

One job per module: :mod:`.render` (reply -> HTML and keyboards), :mod:`.transport`
(sending, retries, the getUpdates guard), :mod:`.handlers` (updates -> requests, each
update handled once), :mod:`.routing` (group vs private chat), :mod:`.webhook` (the
webhook listener). This module runs the application: start, stop, the command menu, and
the watch on polling.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter

from bot import i18n
from bot.adapters.base import CoreService, TemporaryDeliveryError
from bot.adapters.telegram.handlers import (
    BUTTON_EXPIRED,
    PLATFORM,
    SEEN_FOR,
    SEEN_PREFIX,
    SOMETHING_WRONG,
    UpdateHandlers,
)
from bot.adapters.telegram.render import (
    MAX_BUTTONS,
    MAX_TEXT,
    NO_PREVIEW,
    escape,
    html_to_plain,
    keyboard,
    render_html,
)
from bot.adapters.telegram.routing import Router
from bot.adapters.telegram.transport import Transport, UpdatesRequest, quiet_http_logs
from bot.adapters.telegram.webhook import WebhookListener
from bot.commands.catalog import COMMANDS
from bot.config import ConfigError
from bot.model import Reply, UserRef

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "BUTTON_EXPIRED",
    "MAX_BUTTONS",
    "MAX_TEXT",
    "NO_PREVIEW",
    "SEEN_FOR",
    "SEEN_PREFIX",
    "SOMETHING_WRONG",
    "TelegramAdapter",
    "escape",
    "html_to_plain",
    "keyboard",
    "render_html",
]

log = logging.getLogger(__package__)  # one logger for the whole adapter

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
POLL_GIVE_UP = 15 * 60.0
"""Seconds of getUpdates failing without a success before the adapter gives up."""
WEBHOOK_CONNECTIONS = 100
"""How many requests at once Telegram may open to the webhook (its maximum)."""
POLLING_TASK = "Updater:start_polling:polling_task"  # PTB's name for its polling task
MENU_LANGUAGES = ("es", "pt", "fr", "ru", "pl", "de")
"""The languages the command menu is set in besides the default (English)."""


class TelegramAdapter:
    """The Telegram platform: ``TelegramAdapter(core, settings)``."""

    platform = PLATFORM

    def __init__(
        self,
        core: CoreService,
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
        self.webhook: WebhookListener | None = None
        """The webhook listener, when TELEGRAM_WEBHOOK_URL is set (else long polling)."""
        if settings.telegram_webhook_url:
            assert settings.telegram_webhook_secret  # the settings insist on it
            self.webhook = WebhookListener(
                settings.telegram_webhook_path,
                settings.telegram_webhook_secret,
                self._bot,
                self._process_update,
                on_error=lambda kind: core.platform_error(PLATFORM, kind),
            )
        self.transport = Transport(self._bot, retry_delays)
        router = Router(self.transport, lambda: self.username)
        self.handlers = UpdateHandlers(
            core, core.adapter_state("telegram"), router, lambda: self.username
        )

    def _bot(self) -> Bot:
        app = self._app
        if app is None:
            raise TemporaryDeliveryError("the Telegram adapter is not running")
        return app.bot

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
        updates_request = UpdatesRequest(connection_pool_size=1, read_timeout=5.0)
        updates_request.on_answer = self._poll_answered
        app = builder.get_updates_request(updates_request).build()
        self.handlers.register(app)
        return app

    async def start(self) -> None:
        async with self._lock:
            if self._app is not None:
                return
            quiet_http_logs()
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
                if self.webhook is not None:
                    await self._start_webhook(app, self.webhook)
                else:
                    await self._start_polling(app)
            except BaseException:
                if self.webhook is not None:
                    await self.webhook.stop()
                await self._shutdown(app)
                self._app = None
                raise
            self._ready = True
            how = "by webhook" if self.webhook is not None else "polling"
            log.info("telegram: serving %s as @%s", how, self.username)

    async def _start_polling(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        assert app.updater is not None
        tasks_before = asyncio.all_tasks()
        await app.updater.start_polling(
            timeout=self._poll_timeout,
            allowed_updates=list(ALLOWED_UPDATES),
            error_callback=self._on_polling_error,
        )
        self._watch_polling(asyncio.all_tasks() - tasks_before)

    async def _start_webhook(
        self, app: Application[Any, Any, Any, Any, Any, Any], listener: WebhookListener
    ) -> None:
        """Listen first, then tell Telegram where to post. Every process behind the same
        URL sets the same webhook, which is harmless; none deletes it on stop (the others
        still serve it). Going back to polling deletes it (PTB does on start_polling)."""
        host, port = self.settings.telegram_webhook_address
        await listener.start(host, port)
        await app.bot.set_webhook(
            url=self.settings.telegram_webhook_url or "",
            secret_token=self.settings.telegram_webhook_secret,
            allowed_updates=list(ALLOWED_UPDATES),
            max_connections=WEBHOOK_CONNECTIONS,
        )

    async def _process_update(self, update: Update) -> None:
        app = self._app
        if app is None or not self._ready:
            # 503: Telegram delivers it again later, perhaps to another process
            raise web.HTTPServiceUnavailable(text="not serving")
        await app.process_update(update)

    @property
    def connected(self) -> bool:
        """Serving: polling runs and its last getUpdates succeeded, or the webhook
        listener is up (for /healthz)."""
        if not self._ready or self._app is None or self.failure is not None:
            return False
        if self.webhook is not None:
            return self.webhook.running
        polling = self._polling is not None and not self._polling.done()
        return polling and self._failing_since is None

    async def stop(self) -> None:
        async with self._lock:
            app = self._app
            if app is None:
                return
            self._ready = False
            self._polling = None  # its end from here on is ours, not a failure
            if self.webhook is not None:
                await self.webhook.stop()  # requests under way finish first
            await self.handlers.stop_auto()
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
        """The command menu in English (the default) and once per language_code: everyone's
        without the moderators' commands, and the full one for group administrators."""
        admins = BotCommandScopeAllChatAdministrators()
        for code in (None, *MENU_LANGUAGES):
            with i18n.using(code or i18n.DEFAULT):
                full = [BotCommand(c.name, c.shown_summary[:256]) for c in COMMANDS]
                members = [
                    BotCommand(c.name, c.shown_summary[:256]) for c in COMMANDS if not c.moderator
                ]
            for menu, scope in ((members, None), (full, admins)):
                try:
                    await app.bot.set_my_commands(menu, scope=scope, language_code=code)
                except TelegramError as exc:  # the menu is a convenience; serving matters more
                    log.warning(
                        "telegram: could not set the %s command menu%s: %s",
                        code or "default",
                        " for administrators" if scope else "",
                        exc,
                    )

    # ------------------------------------------------------------------ watching polling
    def _on_polling_error(self, exc: TelegramError) -> None:
        """PTB retries a failed getUpdates forever (backing off to 30 s). A bot that has not
        heard from Telegram for ``give_up_after`` seconds gives up, so the process exits and
        its supervisor restarts it (and someone notices)."""
        self.core.platform_error(PLATFORM, "polling")
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

    # ------------------------------------------------------------------ scheduler
    async def deliver(self, user: UserRef, reply: Reply) -> None:
        """Send a reminder or nudge to the user's private chat (see
        :meth:`Transport.deliver`)."""
        if not self._ready:
            raise TemporaryDeliveryError("the Telegram adapter is not running")
        await self.transport.deliver(user, reply)
