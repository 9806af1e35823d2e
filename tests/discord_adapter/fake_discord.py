"""A fake Discord on 127.0.0.1: enough REST and gateway for the real discord.py client.

REST lives under ``/api/v10`` and every call is recorded (method, path, query, JSON body)
so tests can assert on what the bot sent. The gateway at ``/gateway`` speaks plain JSON
text frames (discord.py accepts text frames even when it asked for zlib-stream), says
HELLO, acknowledges heartbeats, answers IDENTIFY with READY and RESUME with RESUMED, and
then dispatches whatever events a test injects.

Shard-aware: IDENTIFY's ``shard`` field ([id, count]) is recorded and echoed in READY, and
an event goes only to the connections of the shard Discord would route it to
(``(guild_id >> 22) % count``; DMs to shard 0). ``GET /gateway/bot`` recommends
:attr:`FakeDiscord.recommended_shards`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
APP_ID = 700000000000000001
BOT_ID = APP_ID  # a bot user shares its application's id
GUILD_ID = 710000000000000001
GUILD_CHANNEL_ID = 720000000000000001
DM_CHANNEL_BASE = 730000000000000000
MESSAGE_BASE = 740000000000000000
COMMAND_BASE = 750000000000000000
INTERACTION_BASE = 760000000000000000

JSON_HEADERS = {"Content-Type": "application/json"}  # discord.py wants it exactly so


@dataclass
class Call:
    """One REST request the client made."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    at: float = field(default_factory=time.perf_counter)

    @property
    def flags(self) -> int:
        """Message flags of an interaction callback / followup / DM (64 = ephemeral)."""
        body = self.json or {}
        data = body.get("data", body) if isinstance(body, dict) else {}
        return int((data or {}).get("flags") or 0)

    @property
    def message(self) -> dict[str, Any]:
        """The message part of the body: ``data`` of a callback, else the body itself."""
        body = self.json or {}
        if self.path.endswith("/callback"):
            return body.get("data") or {}
        return body


def _user(user_id: int, name: str) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
    }


BOT_USER = {**_user(BOT_ID, "whybot"), "bot": True}


def user_payload(user_id: int, name: str = "buyer") -> dict[str, Any]:
    return _user(user_id, name)


class FakeDiscord:
    """Start with ``await fake.start()``; point the bot at :attr:`api_base`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] = []
        self.blocked_users: set[int] = set()  # DMs to them answer 403 / 50007
        self.ready_guilds: list[dict[str, Any]] = []
        self.before_ready: list[dict[str, Any]] = []  # interactions sent ahead of READY
        self.identifies: list[dict[str, Any]] = []
        self.deleted: list[tuple[int, int]] = []  # (channel id, message id) deleted by REST
        self.resumes: list[dict[str, Any]] = []
        self.fail_next: list[tuple[Callable[[Call], bool], int, dict[str, Any]]] = []
        self.refuse_gateway = False  # new gateway connections answer 503 (an outage)
        self.recommended_shards = 1  # what GET /gateway/bot answers
        self._shard_of: dict[web.WebSocketResponse, tuple[int, int]] = {}
        self._ids = itertools.count(1)
        self._dm_channels: dict[int, int] = {}  # channel id -> recipient id
        self._interaction_types: dict[str, int] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_get("/gateway", self._gateway)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # -- what tests look at ---------------------------------------------------------------

    def find(self, method: str, pattern: str) -> list[Call]:
        """Recorded calls whose method matches and whose path matches ``pattern`` fully."""
        rx = re.compile(pattern)
        return [c for c in self.calls if c.method == method and rx.fullmatch(c.path)]

    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until ``predicate()`` returns something truthy, and return it."""
        async with self._changed:
            result = predicate()
            if result:
                return result
            await asyncio.wait_for(self._changed.wait_for(predicate), within)
            return predicate()

    async def wait_call(
        self, method: str, pattern: str, count: int = 1, within: float = 5.0
    ) -> Call:
        """The ``count``-th call matching, waiting for it to arrive."""
        calls = await self.wait_for(lambda: len(self.find(method, pattern)) >= count, within)
        assert calls
        return self.find(method, pattern)[count - 1]

    async def callback_for(self, interaction_id: int, within: float = 5.0) -> Call:
        return await self.wait_call(
            "POST", rf"/interactions/{interaction_id}/[^/]+/callback", within=within
        )

    def dm_channel_of(self, user_id: int) -> int:
        return DM_CHANNEL_BASE + user_id % 10**9

    def fail(self, method: str, pattern: str, status: int, body: dict[str, Any]) -> None:
        """Answer the next call matching with ``status`` and ``body`` (once)."""
        rx = re.compile(pattern)
        self.fail_next.append(
            (lambda c: c.method == method and bool(rx.fullmatch(c.path)), status, body)
        )

    # -- gateway ------------------------------------------------------------------------

    @property
    def connected(self) -> int:
        return len(self._sockets)

    async def wait_ready_sent(self, count: int = 1, within: float = 5.0) -> None:
        await self.wait_for(lambda: len(self.identifies) >= count and self._sockets, within)

    def shards(self) -> list[tuple[int, int]]:
        """The [id, count] of every IDENTIFY so far (``(0, 1)`` for an unsharded one)."""
        return [tuple(i.get("shard") or (0, 1)) for i in self.identifies]  # type: ignore[misc]

    def _wants(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> bool:
        shard, count = self._shard_of.get(ws, (0, 1))
        guild = data.get("guild_id")
        return shard == ((int(guild) >> 22) % count if guild else 0)

    async def dispatch(self, event: str, data: dict[str, Any]) -> float:
        """Send a DISPATCH to every identified connection of the shard the event belongs
        to; returns the send time."""
        targets = [ws for ws in list(self._sockets) if self._wants(ws, data)]
        assert targets, f"no identified gateway connection for {data.get('guild_id')}"
        if event == "INTERACTION_CREATE":
            self._interaction_types[data["id"]] = data["type"]
        sent = time.perf_counter()
        for ws in targets:
            await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))
        return sent

    async def ask_to_reconnect(self) -> None:
        """Send op 7 RECONNECT, as Discord does before moving a session elsewhere."""
        for ws in list(self._sockets):
            await ws.send_str(json.dumps({"op": 7, "d": None}))

    async def drop_gateway(self, code: int = 4004, message: str = "Authentication failed.") -> None:
        """Close every gateway connection with ``code``. Discord's fatal codes (4004
        authentication failed, 4014 disallowed intents, ...) are not resumed by the client."""
        for ws in list(self._sockets):
            await ws.close(code=code, message=message.encode())

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self.refuse_gateway:
            return web.Response(status=503, text="gateway unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                op = payload.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    await self._send_ready(ws, payload["d"])
                elif op == 6:
                    self.resumes.append(payload["d"])
                    await ws.send_str(
                        json.dumps({"op": 0, "t": "RESUMED", "s": next(self._seq), "d": {}})
                    )
                    await self._add_socket(ws)
        finally:
            async with self._changed:
                if ws in self._sockets:
                    self._sockets.remove(ws)
                self._shard_of.pop(ws, None)
                self._changed.notify_all()
        return ws

    async def _send_ready(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        self.identifies.append(identify)
        shard_id, count = identify.get("shard") or (0, 1)
        self._shard_of[ws] = (int(shard_id), int(count))
        for payload in self.before_ready:
            self._interaction_types[payload["id"]] = payload["type"]
            await ws.send_str(
                json.dumps({"op": 0, "t": "INTERACTION_CREATE", "s": next(self._seq), "d": payload})
            )
        self.before_ready = []
        ready = {
            "v": 10,
            "user": BOT_USER,
            "guilds": self.ready_guilds,
            "session_id": f"session-{len(self.identifies)}",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(APP_ID), "flags": 0},
            "shard": [shard_id, count],
        }
        await ws.send_str(json.dumps({"op": 0, "t": "READY", "s": next(self._seq), "d": ready}))
        await self._add_socket(ws)

    async def _add_socket(self, ws: web.WebSocketResponse) -> None:
        async with self._changed:
            self._sockets.append(ws)
            self._changed.notify_all()

    # -- REST ---------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        body: Any = None
        if request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
        path = "/" + request.match_info["tail"]
        call = Call(request.method, path, dict(request.query), body)
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

        for i, (matches, status, error) in enumerate(self.fail_next):
            if matches(call):
                del self.fail_next[i]
                return _json(error, status)
        status, answer = self._route(call)
        if status == 204:
            return web.Response(status=204)
        return _json(answer, status)

    def _route(self, call: Call) -> tuple[int, Any]:
        m, p = call.method, call.path
        if m == "GET" and p == "/users/@me":
            return 200, BOT_USER
        if m == "GET" and p == "/oauth2/applications/@me":
            return 200, {
                "id": str(APP_ID),
                "name": "whybot",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": BOT_USER,
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "rpc_origins": [],
            }
        if m == "GET" and p == "/gateway/bot":
            return 200, {
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if p == f"/applications/{APP_ID}/commands":
            if m == "PUT":
                self.commands = [
                    {
                        **c,
                        "id": str(COMMAND_BASE + i),
                        "application_id": str(APP_ID),
                        "version": "1",
                    }
                    for i, c in enumerate(call.json or [])
                ]
            if m in ("PUT", "GET"):
                return 200, self.commands
        if m == "POST" and (cb := re.fullmatch(r"/interactions/(\d+)/[^/]+/callback", p)):
            body = call.json or {}
            data = body.get("data") or {}
            interaction: dict[str, Any] = {
                "id": cb.group(1),
                "type": self._interaction_types.get(cb.group(1), 2),
            }
            resource: dict[str, Any] = {"type": body.get("type")}
            if body.get("type") in (4, 5):
                mid = self._next_id(MESSAGE_BASE)
                interaction.update(
                    response_message_id=str(mid),
                    response_message_loading=body.get("type") == 5,
                    response_message_ephemeral=bool(int(data.get("flags") or 0) & 64),
                )
                resource["message"] = self._message(GUILD_CHANNEL_ID, data, mid)
            return 200, {"interaction": interaction, "resource": resource}
        if re.fullmatch(rf"/webhooks/{APP_ID}/[^/]+(/messages/@original)?", p):
            if m == "DELETE":
                return 204, None
            return 200, self._message(GUILD_CHANNEL_ID, call.json or {})
        if m == "POST" and p == "/users/@me/channels":
            recipient = int((call.json or {})["recipient_id"])
            channel_id = self.dm_channel_of(recipient)
            self._dm_channels[channel_id] = recipient
            return 200, {
                "id": str(channel_id),
                "type": 1,
                "last_message_id": None,
                "recipients": [user_payload(recipient)],
            }
        if m == "DELETE" and (dl := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", p)):
            self.deleted.append((int(dl.group(1)), int(dl.group(2))))
            return 204, None
        if m == "POST" and (ch := re.fullmatch(r"/channels/(\d+)/messages", p)):
            channel_id = int(ch.group(1))
            if self._dm_channels.get(channel_id) in self.blocked_users:
                return 403, {"message": "Cannot send messages to this user", "code": 50007}
            return 200, self._message(channel_id, call.json or {})
        return 404, {"message": "404: Not Found", "code": 0}

    def _next_id(self, base: int) -> int:
        return base + next(self._ids)

    def _message(
        self, channel_id: int, body: dict[str, Any], message_id: int | None = None
    ) -> dict[str, Any]:
        return {
            "id": str(message_id or self._next_id(MESSAGE_BASE)),
            "channel_id": str(channel_id),
            "type": 0,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "author": BOT_USER,
            "timestamp": "2026-11-26T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "flags": int(body.get("flags") or 0),
        }


def _json(payload: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), headers=JSON_HEADERS)


# -- interaction payload builders -----------------------------------------------------

_interaction_ids = itertools.count(1)


def guild_on_shard(shard: int, count: int) -> int:
    """A guild id Discord routes to ``shard`` of ``count``."""
    base = GUILD_ID >> 22
    return ((base + (shard - base) % count) << 22) | 1


MANAGE_GUILD = 1 << 5
"""The Manage Server permission bit (a moderator's)."""


def _base(
    kind: int,
    user_id: int,
    *,
    guild: bool,
    locale: str,
    permissions: int = 0,
    guild_id: int = GUILD_ID,
    channel_id: int = GUILD_CHANNEL_ID,
) -> dict[str, Any]:
    iid = INTERACTION_BASE + next(_interaction_ids)
    payload: dict[str, Any] = {
        "id": str(iid),
        "application_id": str(APP_ID),
        "type": kind,
        "token": f"token-{iid}",
        "version": 1,
        "locale": locale,
        "attachment_size_limit": 8 * 1024 * 1024,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id)} if guild else {"1": str(user_id)},
        "app_permissions": "0",
    }
    user = user_payload(user_id)
    if guild:
        payload.update(
            guild_id=str(guild_id),
            guild_locale="en-US",
            guild={"id": str(guild_id), "locale": "en-US", "features": []},
            channel_id=str(channel_id),
            channel={
                "id": str(channel_id),
                "type": 0,
                "name": "general",
                "guild_id": str(guild_id),
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
                "topic": None,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "permissions": "0",
            },
            member={
                "user": user,
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": str(permissions),
                "nick": None,
                "avatar": None,
            },
            context=0,
        )
    else:
        dm = DM_CHANNEL_BASE + user_id % 10**9
        payload.update(
            channel_id=str(dm),
            channel={"id": str(dm), "type": 1, "recipients": [user]},
            user=user,
            context=1,
        )
    return payload


def slash(
    name: str,
    options: dict[str, str] | None = None,
    *,
    user_id: int = 801,
    guild: bool = True,
    locale: str = "en-US",
    **where: int,
) -> dict[str, Any]:
    """An APPLICATION_COMMAND interaction for ``/name`` with string options (``where``:
    permissions, guild_id, channel_id)."""
    payload = _base(2, user_id, guild=guild, locale=locale, **where)
    payload["data"] = {
        "id": str(COMMAND_BASE + 99),
        "name": name,
        "type": 1,
        "options": [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()],
    }
    return payload


def autocomplete(
    name: str,
    option: str,
    current: str,
    *,
    user_id: int = 801,
    guild: bool = True,
    locale: str = "en-US",
) -> dict[str, Any]:
    """An APPLICATION_COMMAND_AUTOCOMPLETE interaction with ``option`` focused."""
    payload = _base(4, user_id, guild=guild, locale=locale)
    payload["data"] = {
        "id": str(COMMAND_BASE + 99),
        "name": name,
        "type": 1,
        "options": [{"name": option, "type": 3, "value": current, "focused": True}],
    }
    return payload


def button(
    custom_id: str,
    *,
    user_id: int = 801,
    guild: bool = False,
    locale: str = "en-US",
    message_id: int = MESSAGE_BASE + 1,
    **where: int,
) -> dict[str, Any]:
    """A MESSAGE_COMPONENT interaction: a press of the button ``custom_id`` on the bot's
    message ``message_id`` (``where``: permissions, guild_id, channel_id)."""
    payload = _base(3, user_id, guild=guild, locale=locale, **where)
    payload["data"] = {"custom_id": custom_id, "component_type": 2}
    payload["message"] = {
        "id": str(message_id),
        "channel_id": payload["channel_id"],
        "type": 0,
        "content": "",
        "embeds": [],
        "components": [],
        "attachments": [],
        "author": BOT_USER,
        "timestamp": "2026-11-26T12:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "pinned": False,
        "flags": 0,
    }
    return payload


_message_ids = itertools.count(1)


def message_create(
    content: str,
    *,
    user_id: int = 801,
    guild_id: int = GUILD_ID,
    channel_id: int = GUILD_CHANNEL_ID,
    bot: bool = False,
    author: dict[str, Any] | None = None,
    mention_everyone: bool = False,
    mention_roles: tuple[int, ...] = (),
    reply_to: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A MESSAGE_CREATE payload: someone wrote ``content`` in a server channel
    (``reply_to``: the message it answers, as Discord sends it in ``referenced_message``)."""
    who = author or {**user_payload(user_id), **({"bot": True} if bot else {})}
    payload: dict[str, Any] = {
        "id": str(MESSAGE_BASE + 500_000 + next(_message_ids)),
        "channel_id": str(channel_id),
        "guild_id": str(guild_id),
        "type": 19 if reply_to else 0,
        "content": content,
        "embeds": [],
        "components": [],
        "attachments": [],
        "author": who,
        "member": {
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        },
        "timestamp": "2026-11-26T12:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": [],
        "mention_roles": [str(r) for r in mention_roles],
        "pinned": False,
        "flags": 0,
    }
    if reply_to is not None:
        payload["message_reference"] = {
            "message_id": reply_to["id"],
            "channel_id": str(channel_id),
            "guild_id": str(guild_id),
        }
        payload["referenced_message"] = reply_to
    return payload
