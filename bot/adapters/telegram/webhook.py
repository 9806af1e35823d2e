"""Receiving updates by webhook (TELEGRAM_WEBHOOK_URL) instead of long polling.

An aiohttp listener on TELEGRAM_WEBHOOK_LISTEN takes Telegram's POSTs on the path of
TELEGRAM_WEBHOOK_URL. Every request must carry TELEGRAM_WEBHOOK_SECRET in
``X-Telegram-Bot-Api-Secret-Token``; a wrong or missing one gets 403 and nothing runs.
Each request is handled in its own task (so updates are handled concurrently) and answered
200 once handled: an update whose handling did not finish (the process died) is delivered
again by Telegram. Duplicates, to this process or another one behind the same URL, are
skipped by the processed-updates record (see :mod:`.handlers`).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from telegram import Bot, Update

from bot.adapters.telegram.transport import sanitize_update
from bot.http import serve

log = logging.getLogger(__package__)  # one logger for the whole adapter

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; refuse anything near this


class WebhookListener:
    """``POST <path>`` -> ``process(Update)``; :meth:`start` binds, :meth:`stop` closes."""

    def __init__(
        self,
        path: str,
        secret: str,
        bot: Callable[[], Bot],
        process: Callable[[Update], Awaitable[Any]],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self._secret = secret.encode()
        self._bot = bot
        self._process = process
        self._on_error = on_error
        self._runner: web.AppRunner | None = None
        self.port = 0
        """The port bound (useful with port 0)."""

    async def start(self, host: str, port: int) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._receive)
        self._runner, self.port = await serve(app, host, port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("telegram: webhook request without the right secret refused")
            if self._on_error is not None:
                self._on_error("webhook_secret")
            return web.Response(status=403, text="forbidden")
        try:
            payload = json.loads(await request.read())
        except ValueError:
            log.error("telegram: webhook body is not JSON; ignored")
            return web.Response(status=400, text="not JSON")
        item = sanitize_update(payload)
        if item is None:
            return web.Response(text="ignored")  # 200: Telegram must not send it again
        update = Update.de_json(item, self._bot())
        await self._process(update)
        return web.Response(text="ok")
