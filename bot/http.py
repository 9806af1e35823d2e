"""The process's HTTP endpoints (WHYBOT_HTTP_PORT): ``/healthz`` and ``/metrics``.

``/healthz`` answers 200 only when the store answers and every configured adapter is
connected, else 503 with a short JSON reason, so a load balancer or an orchestrator takes
a process out of rotation (or restarts it) while it cannot serve. The Telegram webhook has
a listener of its own (TELEGRAM_WEBHOOK_LISTEN): the health port can stay private while
the webhook port faces the internet.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from bot.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger(__name__)

STORE_TIMEOUT = 2.0
"""Seconds the store may take to answer a health check."""


async def serve(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Bind ``app`` on ``host:port`` (``0`` picks a free port): its runner, for cleanup,
    and the port bound. Nothing is left open when binding fails."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    sockets = getattr(site._server, "sockets", None) or []
    return runner, int(sockets[0].getsockname()[1]) if sockets else port


class HealthServer:
    """Serves ``/healthz`` and ``/metrics``; :attr:`port` is the port bound."""

    def __init__(
        self,
        metrics: Metrics,
        store_ping: Callable[[], Awaitable[object]],
        adapters: Callable[[], Mapping[str, object]],
    ) -> None:
        self.metrics = metrics
        self._ping = store_ping
        self._adapters = adapters
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        self._runner, self.port = await serve(app, host, port)
        log.info("health and metrics on http://%s:%d/healthz and /metrics", host, self.port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def problems(self) -> list[str]:
        """Why this process cannot serve now; empty when it can."""
        found: list[str] = []
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                await self._ping()
        except Exception as exc:
            found.append(f"store: {type(exc).__name__}")
        adapters = self._adapters()
        if not adapters:
            found.append("no adapter started")
        for name, adapter in adapters.items():
            if not getattr(adapter, "connected", True):
                found.append(f"{name}: not connected")
        return found

    async def _healthz(self, request: web.Request) -> web.Response:
        problems = await self.problems()
        body = {"status": "ok"} if not problems else {"status": "unavailable", "reason": problems}
        return web.Response(
            status=200 if not problems else 503,
            text=json.dumps(body),
            content_type="application/json",
        )

    async def _metrics(self, request: web.Request) -> web.Response:
        try:
            body = await self.metrics.render()
        except Exception:
            log.exception("rendering /metrics failed")
            return web.Response(status=500, text="metrics unavailable\n")
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
