"""Pointing one discord.py client at another server (DISCORD_API_BASE_URL, for tests).

discord.py builds every REST URL from the class attribute ``Route.BASE`` and opens its
first gateway connection to ``DiscordWebSocket.DEFAULT_GATEWAY`` (2.7.1's
``Client.connect`` never asks ``GET /gateway/bot``). Changing those class attributes would
redirect every client in the process, so instead one client gets per-instance wrappers
(``http.request`` for REST, ``http.ws_connect`` for the gateway), and its connection task
runs with discord.py's ``async_context`` variable set to a rebasing webhook adapter
(interaction callbacks and followups go through that adapter, not ``http.request``).

This module is the only place that touches discord.py internals to do so.
"""

from __future__ import annotations

import contextvars
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context


class Rebase:
    """Rewrites discord.com URLs to ``api_base``, and the gateway to the one that server
    announces (see :meth:`find_gateway`)."""

    def __init__(self, api_base: str) -> None:
        self.api_base = api_base.rstrip("/")
        self.gateway: yarl.URL | None = None

    def rest(self, url: str) -> str:
        return self.api_base + url[len(Route.BASE) :] if url.startswith(Route.BASE) else url

    def websocket(self, url: str) -> str:
        parsed = yarl.URL(url)
        if self.gateway is None or parsed.host != DiscordWebSocket.DEFAULT_GATEWAY.host:
            return url  # e.g. a resume_gateway_url the test server itself announced
        return str(self.gateway.with_query(parsed.query))

    def install(self, http: discord.http.HTTPClient) -> None:
        """Wrap this one client's REST requests and gateway connections."""
        request, ws_connect = http.request, http.ws_connect

        async def rebased_request(route: Route, **kwargs: Any) -> Any:
            route.url = self.rest(route.url)
            return await request(route, **kwargs)

        async def rebased_ws_connect(url: str, *, compress: int = 0) -> Any:
            return await ws_connect(self.websocket(url), compress=compress)

        http.request = rebased_request  # type: ignore[method-assign]
        http.ws_connect = rebased_ws_connect  # type: ignore[method-assign]

    async def find_gateway(self, http: discord.http.HTTPClient) -> None:
        """Ask the server for its gateway (after login)."""
        _shards, gateway, _version = await http.get_bot_gateway()
        self.gateway = yarl.URL(gateway)

    def context(self) -> contextvars.Context:
        """A context to run the client's connection task in: interaction responses made
        from it go to ``api_base`` too."""
        context = contextvars.copy_context()
        context.run(async_context.set, _RebasedWebhookAdapter(self))
        return context


class _RebasedWebhookAdapter(AsyncWebhookAdapter):
    def __init__(self, rebase: Rebase) -> None:
        super().__init__()
        self._rebase = rebase

    async def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:
        route.url = self._rebase.rest(route.url)
        return await super().request(route, *args, **kwargs)
