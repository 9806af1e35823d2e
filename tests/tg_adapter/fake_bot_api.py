"""A fake Telegram Bot API server for end-to-end tests of the Telegram adapter.

It runs on 127.0.0.1 (aiohttp) and speaks enough of the Bot API for the real
python-telegram-bot to start, long-poll and send: getMe, getUpdates (long polling, updates
confirmed by ``offset``), deleteWebhook, setMyCommands/getMyCommands, sendMessage,
sendChatAction, editMessageText, answerCallbackQuery and answerInlineQuery. Any other
method is recorded in :attr:`FakeBotAPI.unknown_methods` (the fixture fails the test).

Webhooks: after ``setWebhook`` the fake refuses getUpdates (409, as Telegram does) and
POSTs each update to the webhook URL with ``X-Telegram-Bot-Api-Secret-Token``, up to
``max_connections`` at once, again and again until it is answered 2xx; ``deleteWebhook``
goes back to polling. :attr:`FakeBotAPI.webhook_backends` stands for a load balancer: the
fake then alternates between those addresses (keeping the URL's path). Plain http is
accepted (Telegram insists on https).

Like Telegram it refuses parse_mode=HTML text with unescaped ``<``, ``>`` or ``&`` or an
unsupported tag (400 "Bad Request: can't parse entities: ..."), refuses to message a user
who never opened a private chat with the bot (403), and on demand answers 429 with
``retry_after``, 5xx, or 403 "bot was blocked by the user".
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

log = logging.getLogger("fake_bot_api")

BOT_ID = 7000000001
BOT_USERNAME = "WhyTestBot"
OTHER_USER = 333
TOKEN = "7000000001:AAFakeTokenForTestsOnly_abcdefghijk"

# Parameters PTB sends JSON-encoded in form bodies (strings are sent raw, everything else
# goes through json.dumps).
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "results",
        "commands",
        "link_preview_options",
        "reply_parameters",
        "scope",
        "entities",
        "button",
        "offset",
        "limit",
        "timeout",
        "chat_id",
        "message_id",
        "cache_time",
        "is_personal",
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "reply_to_message_id",
        "disable_web_page_preview",
    }
)

ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
        "span",
        "tg-emoji",
    }
)
_TAG = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z][A-Za-z0-9-]*"
    r"(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=]+))?)*)\s*>"
)
_ATTR = re.compile(
    r"([A-Za-z][A-Za-z0-9-]*)(?:\s*=\s*(?:\"([^\"<>]*)\"|'([^'<>]*)'|([^\s\"'<>=]+)))?"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class HTMLParseError(ValueError):
    pass


def _unescape_entity(name: str) -> str:
    if name in _NAMED:
        return _NAMED[name]
    if name[1:2] in ("x", "X"):
        return chr(int(name[2:], 16))
    return chr(int(name[1:]))


def parse_telegram_html(text: str) -> str:
    """The plain text a Telegram client shows for ``text`` sent with parse_mode=HTML.

    Raises :class:`HTMLParseError` (with Telegram's wording) where Telegram refuses it.
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        offset = len(text[:i].encode())
        if ch == "<":
            m = _TAG.match(text, i)
            if not m:
                raise HTMLParseError(f"Unexpected '<' (unclosed start tag) at byte offset {offset}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in ALLOWED_TAGS:
                kind = "end" if closing else "start"
                raise HTMLParseError(f'Unsupported {kind} tag "{name}" at byte offset {offset}')
            if closing:
                if not stack or stack[-1] != name:
                    raise HTMLParseError(
                        f'Can\'t find start tag corresponding to end tag "{name}" '
                        f"at byte offset {offset}"
                    )
                stack.pop()
            else:
                parsed = {
                    a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or ""
                    for a in _ATTR.finditer(attrs)
                }
                if name == "span" and parsed.get("class") != "tg-spoiler":
                    raise HTMLParseError(f'Unsupported start tag "span" at byte offset {offset}')
                if name == "a" and not parsed.get("href"):
                    raise HTMLParseError(
                        f'Tag "a" must have attribute href at byte offset {offset}'
                    )
                if name == "tg-emoji" and not parsed.get("emoji-id"):
                    raise HTMLParseError(
                        f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}'
                    )
                for value in parsed.values():
                    if "&" in value and not re.fullmatch(
                        r"(?:[^&]|" + _ENTITY.pattern + ")*", value
                    ):
                        raise HTMLParseError(
                            f"Unescaped '&' in an attribute at byte offset {offset}"
                        )
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(text, i)
            if not m:
                raise HTMLParseError(f"Unexpected '&' (not an entity) at byte offset {offset}")
            out.append(_unescape_entity(m.group(1)))
            i = m.end()
        elif ch == ">":
            raise HTMLParseError(f"Unexpected '>' at byte offset {offset}")
        else:
            out.append(ch)
            i += 1
    if stack:
        raise HTMLParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


@dataclass
class SentMessage:
    """A message the bot sent (or last edited), as the fake received it."""

    message_id: int
    chat_id: int
    text: str  # what the user sees (HTML parsed and unescaped)
    raw: str  # the text parameter as sent
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    edited: bool = False

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if not self.reply_markup:
            return []
        return [b for row in self.reply_markup.get("inline_keyboard", []) for b in row]

    def as_telegram(self, chat_type: str) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": chat_type},
            "from": FakeBotAPI.bot_user(),
            "text": self.text,
        }
        if chat_type == "private":
            msg["chat"]["first_name"] = "User"
        else:
            msg["chat"]["title"] = "Test group"
        if self.reply_markup:
            msg["reply_markup"] = self.reply_markup
        return msg


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200


@dataclass
class WebhookPost:
    """One POST of an update to a webhook, and the status it got (0: no answer)."""

    update_id: int
    target: str
    status: int


@dataclass
class Fault:
    status: int
    description: str
    times: int | None  # None: until cleared
    retry_after: int | None = None
    raw_body: str | None = None  # e.g. an nginx HTML page instead of JSON


class TelegramAPIError(Exception):
    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        raw_body: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.raw_body = raw_body


@dataclass
class FakeBotAPI:
    """The fake server. Start with :meth:`start`, point PTB at :attr:`base_url`."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    messages: list[SentMessage] = field(default_factory=list)  # every send, in order
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    inline_answers: list[dict[str, Any]] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    commands_by_language: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Each setMyCommands call's list by its language_code ('' for the default)."""
    admin_commands_by_language: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The same for the all_chat_administrators scope."""
    unknown_methods: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (method, description)
    started_users: set[int] = field(default_factory=set)  # opened a private chat with the bot
    blocked_users: set[int] = field(default_factory=set)
    message_received_at: list[float] = field(default_factory=list)
    admins: dict[int, set[int]] = field(default_factory=dict)
    """Per group chat id, the user ids getChatMember calls administrators."""
    can_read_all_group_messages: bool = False  # getMe: privacy mode off
    deleted: list[tuple[int, int]] = field(default_factory=list)  # deleteMessage (chat, id)

    def __post_init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._served: dict[int, dict[str, Any]] = {}
        self._next_update_id = 100_000
        self._next_message_id = itertools.count(1)
        self._ids = itertools.count(1)
        self._new_update = asyncio.Event()
        self._changed = asyncio.Condition()
        self._method_faults: dict[str, list[Fault]] = {}
        self._chat_faults: dict[int, list[Fault]] = {}
        self._chat_types: dict[int, str] = {}
        self._open_callbacks: set[str] = set()
        self._open_inline: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port = 0
        self.update_queued_at: dict[int, float] = {}
        self.confirmed_offset = 0
        self.held_chats: set[int] = set()
        """sendMessage to these chats waits (unrecorded) until :meth:`release_held`."""
        self.holding = 0
        self._release = asyncio.Event()
        self.webhook: dict[str, Any] | None = None
        """The last setWebhook's parameters while a webhook is set."""
        self.webhook_backends: list[str] = []
        """``http://host:port`` addresses to alternate between (a load balancer)."""
        self.webhook_posts: list[WebhookPost] = []
        self.webhook_done: set[int] = set()
        """Update ids a webhook answered 2xx."""
        self._pusher: asyncio.Task[None] | None = None
        self._pushes: set[asyncio.Task[None]] = set()
        self._in_flight: set[int] = set()
        self._turn = itertools.count()
        self._session: aiohttp.ClientSession | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self._closing = True
        self._new_update.set()
        tasks = [t for t in (self._pusher, *self._pushes) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @staticmethod
    def bot_user() -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "WhyBot", "username": BOT_USERNAME}

    # ------------------------------------------------------------------ faults
    def arm_429(self, method: str = "sendMessage", *, times: int = 1, retry_after: int = 1) -> None:
        """The next ``times`` calls of ``method`` get 429 Too Many Requests."""
        self._method_faults.setdefault(method, []).append(
            Fault(429, f"Too Many Requests: retry after {retry_after}", times, retry_after)
        )

    def fail_method(
        self,
        method: str,
        status: int = 500,
        *,
        times: int | None = 1,
        description: str = "Internal Server Error",
        raw_body: str | None = None,
    ) -> None:
        self._method_faults.setdefault(method, []).append(
            Fault(status, description, times, raw_body=raw_body)
        )

    def fail_chat(
        self,
        chat_id: int,
        status: int = 500,
        *,
        times: int | None = 1,
        description: str | None = None,
        raw_body: str | None = None,
    ) -> None:
        """Calls addressed to ``chat_id`` fail with ``status`` (``times=None``: until cleared)."""
        if description is None:
            description = {
                403: "Forbidden: bot was blocked by the user",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(status, "Internal Server Error")
        self._chat_faults.setdefault(chat_id, []).append(
            Fault(status, description, times, raw_body=raw_body)
        )

    def clear_faults(self) -> None:
        self._method_faults.clear()
        self._chat_faults.clear()

    def block(self, user_id: int) -> None:
        self.blocked_users.add(user_id)

    @staticmethod
    def _take(faults: list[Fault]) -> Fault | None:
        while faults:
            fault = faults[0]
            if fault.times is None:
                return fault
            if fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    faults.pop(0)
                return fault
            faults.pop(0)
        return None

    # ------------------------------------------------------------------ updates
    def _queue(self, payload: dict[str, Any]) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, **payload}
        self._pending.append(update)
        self.update_queued_at[update_id] = time.perf_counter()
        self._new_update.set()
        return update_id

    def queue_raw(self, payload: dict[str, Any]) -> int:
        """Queue any payload (malformed ones too); it gets the next update_id."""
        return self._queue(payload)

    def redeliver(self, update_id: int) -> None:
        """Serve an already confirmed update again, as Telegram does when the bot crashed
        before a later getUpdates confirmed it."""
        update = self._served[update_id]
        self._pending.append(update)
        self._pending.sort(key=lambda u: u["update_id"])
        self.update_queued_at[update_id] = time.perf_counter()
        self._new_update.set()

    @staticmethod
    def user(
        user_id: int,
        *,
        first_name: str = "Ann",
        language_code: str | None = "en",
        username: str | None = None,
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        if username:
            user["username"] = username
        return user

    def _chat(self, chat_id: int, chat_type: str) -> dict[str, Any]:
        self._chat_types[chat_id] = chat_type
        if chat_type == "private":
            return {"id": chat_id, "type": "private", "first_name": "Ann"}
        return {"id": chat_id, "type": chat_type, "title": "Shoppers"}

    def send_text(
        self,
        text: str,
        *,
        user_id: int = 111,
        chat_id: int | None = None,
        chat_type: str | None = None,
        language_code: str | None = "en",
        first_name: str = "Ann",
        edited: bool = False,
        is_bot: bool = False,
        reply_to: SentMessage | int | None = None,
    ) -> int:
        """A user sends ``text``; a leading /command gets its bot_command entity.
        ``reply_to``: a message of the bot's, or the id of a user's message, it answers."""
        chat_id = user_id if chat_id is None else chat_id
        chat_type = chat_type or ("private" if chat_id == user_id else "supergroup")
        if chat_type == "private":
            self.started_users.add(user_id)
        message: dict[str, Any] = {
            "message_id": next(self._next_message_id),
            "date": int(time.time()),
            "chat": self._chat(chat_id, chat_type),
            "from": {
                **self.user(user_id, first_name=first_name, language_code=language_code),
                "is_bot": is_bot,
            },
            "text": text,
        }
        if isinstance(reply_to, SentMessage):
            message["reply_to_message"] = reply_to.as_telegram(chat_type)
        elif reply_to is not None:
            message["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": self._chat(chat_id, chat_type),
                "from": self.user(OTHER_USER),
                "text": "an earlier question",
            }
        if text.startswith("/"):
            token = text.split(maxsplit=1)[0]
            length = len(token.encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._queue({"edited_message" if edited else "message": message})

    def press(
        self,
        message: SentMessage,
        *,
        data: str | None = None,
        label: str | None = None,
        user_id: int = 111,
        language_code: str | None = "en",
    ) -> int:
        """The user presses a button of ``message`` (by callback data or by label)."""
        if data is None:
            matching = [b for b in message.buttons if label is None or b.get("text") == label]
            assert matching, f"no button {label!r} on message {message.text!r}"
            data = matching[0]["callback_data"]
        query_id = str(next(self._ids) + 5_000_000)
        self._open_callbacks.add(query_id)
        chat_type = self._chat_types.get(
            message.chat_id, "private" if message.chat_id > 0 else "supergroup"
        )
        return self._queue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id, language_code=language_code),
                    "message": message.as_telegram(chat_type),
                    "chat_instance": f"ci{message.chat_id}",
                    "data": data,
                }
            }
        )

    def press_inline(self, inline_message_id: str, data: str, *, user_id: int = 111) -> int:
        """A button on a message sent through inline mode (no chat, no message)."""
        query_id = str(next(self._ids) + 5_000_000)
        self._open_callbacks.add(query_id)
        return self._queue(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user(user_id),
                    "inline_message_id": inline_message_id,
                    "chat_instance": "ci-inline",
                    "data": data,
                }
            }
        )

    def inline_query(self, query: str, *, user_id: int = 111, language_code: str = "en") -> int:
        query_id = str(next(self._ids) + 9_000_000)
        self._open_inline.add(query_id)
        return self._queue(
            {
                "inline_query": {
                    "id": query_id,
                    "from": self.user(user_id, language_code=language_code),
                    "query": query,
                    "offset": "",
                    "chat_type": "supergroup",
                }
            }
        )

    # ------------------------------------------------------------------ waiting
    async def wait_for(self, predicate: Callable[[], Any], within: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every API call); return it."""

        async def waiter() -> Any:
            async with self._changed:
                while True:
                    result = predicate()
                    if result:
                        return result
                    await self._changed.wait()

        try:
            return await asyncio.wait_for(waiter(), within)
        except TimeoutError:
            raise AssertionError(
                f"timed out after {within}s waiting; last calls: "
                f"{[c.method for c in self.calls[-15:]]}; messages: "
                f"{[(m.chat_id, m.text[:60]) for m in self.messages[-5:]]}; "
                f"rejected: {self.rejected[-3:]}"
            ) from None

    async def wait_message(
        self,
        chat_id: int | None = None,
        *,
        contains: str | None = None,
        after: int = 0,
        within: float = 5.0,
    ) -> SentMessage:
        """The first message sent at index >= ``after`` matching chat and text."""

        def find() -> SentMessage | None:
            for m in self.messages[after:]:
                if (chat_id is None or m.chat_id == chat_id) and (
                    contains is None or contains in m.text
                ):
                    return m
            return None

        return await self.wait_for(find, within)

    async def wait_handled(self, update_id: int, within: float = 5.0) -> None:
        """Wait until PTB confirmed ``update_id`` (a later getUpdates with a higher offset,
        or a webhook's 2xx answer)."""
        await self.wait_for(
            lambda: self.confirmed_offset > update_id or update_id in self.webhook_done, within
        )

    def mark(self) -> int:
        return len(self.messages)

    def sent_to(self, chat_id: int, after: int = 0) -> list[SentMessage]:
        return [m for m in self.messages[after:] if m.chat_id == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ HTTP
    async def _file(self, request: web.Request) -> web.Response:
        self.unknown_methods.append(f"file:{request.match_info['path']}")
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if not isinstance(value, str):
                        continue  # a file upload; nothing we serve needs one
                    if key in _JSON_FIELDS:
                        try:
                            params[key] = json.loads(value)
                        except ValueError:
                            params[key] = value
                    else:
                        params[key] = value
        return params

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        try:
            params = await self._params(request)
        except ValueError:
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"},
                status=400,
            )
        call = Call(method, params)
        self.calls.append(call)
        await self._notify()
        injected = False
        try:
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                log.error("fake Bot API: unknown method %s %s", method, params)
                self.unknown_methods.append(method)
                raise TelegramAPIError(404, "Not Found")
            fault = self._take(self._method_faults.get(method, []))
            chat_id = _as_int(params.get("chat_id"))
            if fault is None and chat_id is not None:
                fault = self._take(self._chat_faults.get(chat_id, []))
            if fault is not None:
                injected = True
                raise TelegramAPIError(
                    fault.status,
                    fault.description,
                    retry_after=fault.retry_after,
                    raw_body=fault.raw_body,
                )
            result = await handler(params)
        except TelegramAPIError as exc:
            call.status = exc.status
            if exc.status == 400 and not injected:
                self.rejected.append((method, exc.description))
            await self._notify()
            if exc.raw_body is not None:
                return web.Response(status=exc.status, text=exc.raw_body, content_type="text/html")
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.status,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return web.json_response(body, status=exc.status)
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    # ------------------------------------------------------------------ webhook delivery
    def served(self, update_id: int) -> dict[str, Any]:
        """An update as it was delivered."""
        return self._served[update_id]

    def _target(self) -> str:
        assert self.webhook is not None
        url = str(self.webhook["url"])
        if not self.webhook_backends:
            return url
        backend = self.webhook_backends[next(self._turn) % len(self.webhook_backends)]
        path = "/" + url.split("://", 1)[1].partition("/")[2]
        return backend.rstrip("/") + path

    async def post_update(
        self, update: dict[str, Any], *, secret: str | None = None, target: str | None = None
    ) -> int:
        """POST ``update`` to ``target`` (default: the webhook, through the backends) with
        ``secret`` as the secret header (none when None); returns the HTTP status (0 when
        nothing answered)."""
        url = target or self._target()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(
                url, data=json.dumps(update), headers=headers, timeout=aiohttp.ClientTimeout(30)
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            status = 0
        self.webhook_posts.append(WebhookPost(int(update.get("update_id", 0)), url, status))
        await self._notify()
        return status

    async def _push_loop(self) -> None:
        while not self._closing and self.webhook is not None:
            self._new_update.clear()
            limit = _as_int(self.webhook.get("max_connections")) or 40
            for update in list(self._pending):
                if len(self._in_flight) >= limit:
                    break
                if update["update_id"] in self._in_flight:
                    continue
                self._in_flight.add(update["update_id"])
                task = asyncio.create_task(self._push(update))
                self._pushes.add(task)
                task.add_done_callback(self._pushes.discard)
            await self._new_update.wait()

    async def _push(self, update: dict[str, Any]) -> None:
        secret = (self.webhook or {}).get("secret_token")
        status = await self.post_update(update, secret=None if secret is None else str(secret))
        update_id = update["update_id"]
        if 200 <= status < 300:
            self._served[update_id] = update
            self._pending = [u for u in self._pending if u is not update]
            self.webhook_done.add(update_id)
        else:
            await asyncio.sleep(0.05)  # Telegram retries later, with growing pauses
        self._in_flight.discard(update_id)
        self._new_update.set()
        await self._notify()

    # ------------------------------------------------------------------ methods
    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": True,
        }

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:  # an empty URL removes the webhook, as in Telegram
            return await self._m_deleteWebhook(params)
        if not url.startswith(("https://", "http://")):
            raise TelegramAPIError(400, "Bad Request: bad webhook: invalid URL")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise TelegramAPIError(400, "Bad Request: bad webhook: invalid secret token")
        if _as_bool(params.get("drop_pending_updates")):
            self._pending.clear()
        self.webhook = dict(params)
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push_loop())
        self._new_update.set()
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        if _as_bool(params.get("drop_pending_updates")):
            self._pending.clear()
        self.webhook = None
        self._new_update.set()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook is not None:
            raise TelegramAPIError(
                409,
                "Conflict: can't use getUpdates method while webhook is active;"
                " use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params.get("offset")) or 0
        limit = _as_int(params.get("limit")) or 100
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if offset > 0:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            for update in self._pending:
                if update["update_id"] < offset:
                    self._served[update["update_id"]] = update
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._pending and not self._closing:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), remaining)
            except TimeoutError:
                break
        batch = self._pending[:limit]
        if allowed:
            batch = [
                u for u in batch if any(k in allowed for k in u if k != "update_id") or len(u) == 1
            ]
        for update in batch:
            self._served[update["update_id"]] = update
        return batch

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands or len(commands) > 100:
            raise TelegramAPIError(400, "Bad Request: commands must be a non-empty list")
        for cmd in commands:
            if not _COMMAND_NAME.match(str(cmd.get("command", ""))):
                raise TelegramAPIError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise TelegramAPIError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        code = str(params.get("language_code") or "")
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise TelegramAPIError(400, "Bad Request: invalid language code specified")
        scope = params.get("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise TelegramAPIError(400, "Bad Request: can't parse scope JSON object")
        if scope.get("type") == "all_chat_administrators":
            self.admin_commands_by_language[code] = commands
            return True
        if scope.get("type") != "default":
            raise TelegramAPIError(400, f"Bad Request: scope {scope.get('type')} not supported")
        self.commands_by_language[code] = commands
        if not code:
            self.commands = commands
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands_by_language.get(str(params.get("language_code") or ""), [])

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands_by_language.pop(str(params.get("language_code") or ""), None)
        if not params.get("language_code"):
            self.commands = []
        return True

    def _check_reachable(self, chat_id: int) -> None:
        if chat_id > 0:
            if chat_id in self.blocked_users:
                raise TelegramAPIError(403, "Forbidden: bot was blocked by the user")
            if chat_id not in self.started_users:
                raise TelegramAPIError(
                    403, "Forbidden: bot can't initiate conversation with a user"
                )

    @staticmethod
    def _render(text: Any, parse_mode: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise TelegramAPIError(400, "Bad Request: message text is empty")
        plain = text
        if isinstance(parse_mode, str) and parse_mode.upper() == "HTML":
            try:
                plain = parse_telegram_html(text)
            except HTMLParseError as exc:
                raise TelegramAPIError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode not in (None, ""):
            raise TelegramAPIError(400, f"Bad Request: unsupported parse_mode {parse_mode}")
        if not plain.strip():
            raise TelegramAPIError(400, "Bad Request: message text is empty")
        if len(plain.encode("utf-16-le")) // 2 > 4096:
            raise TelegramAPIError(400, "Bad Request: message is too long")
        return plain

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
            raise TelegramAPIError(
                400, "Bad Request: can't parse reply keyboard markup JSON object"
            )
        if sum(len(r) for r in markup["inline_keyboard"] if isinstance(r, list)) > 100:
            raise TelegramAPIError(400, "Bad Request: reply markup is too long")
        for row in markup["inline_keyboard"]:
            if not isinstance(row, list):
                raise TelegramAPIError(400, "Bad Request: inline keyboard rows must be arrays")
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise TelegramAPIError(400, "Bad Request: BUTTON_TEXT_INVALID")
                kinds = [
                    k
                    for k in (
                        "callback_data",
                        "url",
                        "switch_inline_query",
                        "switch_inline_query_current_chat",
                    )
                    if k in button
                ]
                if len(kinds) != 1:
                    raise TelegramAPIError(400, "Bad Request: BUTTON_TYPE_INVALID")
                if "callback_data" in button and not (
                    1 <= len(str(button["callback_data"]).encode()) <= 64
                ):
                    raise TelegramAPIError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", button["url"]):
                    raise TelegramAPIError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def release_held(self) -> None:
        """Let the sends waiting on :attr:`held_chats` go on, and hold no more."""
        self.held_chats.clear()
        self._release.set()

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None:
            raise TelegramAPIError(400, "Bad Request: chat_id is empty")
        if chat_id in self.held_chats:  # a platform call that does not answer (yet)
            self.holding += 1
            await self._notify()
            try:
                await self._release.wait()
            finally:
                self.holding -= 1
        self._check_reachable(chat_id)
        plain = self._render(params.get("text"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        msg = SentMessage(
            next(self._next_message_id) + 1_000_000,
            chat_id,
            plain,
            params["text"],
            params.get("parse_mode"),
            markup,
            params,
        )
        self.messages.append(msg)
        self.message_received_at.append(time.perf_counter())
        chat_type = self._chat_types.get(chat_id, "private" if chat_id > 0 else "supergroup")
        return msg.as_telegram(chat_type)

    async def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = _as_int(params.get("chat_id")), _as_int(params.get("user_id"))
        if chat_id is None or user_id is None:
            raise TelegramAPIError(400, "Bad Request: chat_id or user_id is empty")
        user = self.bot_user() if user_id == BOT_ID else self.user(user_id)
        if user_id not in self.admins.get(chat_id, set()):
            return {"status": "member", "user": user}
        return {
            "status": "administrator",
            "user": user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_manage_chat": True,
            "can_delete_messages": True,
            "can_manage_video_chats": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_change_info": True,
            "can_invite_users": True,
            "can_post_stories": False,
            "can_edit_stories": False,
            "can_delete_stories": False,
        }

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat_id, message_id = _as_int(params.get("chat_id")), _as_int(params.get("message_id"))
        if chat_id is None or message_id is None:
            raise TelegramAPIError(400, "Bad Request: message to delete not found")
        self.deleted.append((chat_id, message_id))
        await self._notify()
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is None:
            raise TelegramAPIError(400, "Bad Request: chat_id is empty")
        self._check_reachable(chat_id)
        return True

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        plain = self._render(params.get("text"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        chat_id, message_id = _as_int(params.get("chat_id")), _as_int(params.get("message_id"))
        for msg in self.messages:
            if msg.chat_id == chat_id and msg.message_id == message_id:
                msg.text, msg.raw, msg.reply_markup, msg.edited = (
                    plain,
                    params["text"],
                    markup,
                    True,
                )
                return msg.as_telegram(self._chat_types.get(msg.chat_id, "private"))
        raise TelegramAPIError(400, "Bad Request: message to edit not found")

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        markup = self._check_markup(params.get("reply_markup"))
        chat_id, message_id = _as_int(params.get("chat_id")), _as_int(params.get("message_id"))
        for msg in self.messages:
            if msg.chat_id == chat_id and msg.message_id == message_id:
                msg.reply_markup = markup
                return msg.as_telegram(self._chat_types.get(msg.chat_id, "private"))
        raise TelegramAPIError(400, "Bad Request: message to edit not found")

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callbacks:
            raise TelegramAPIError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_callbacks.discard(query_id)
        if len(str(params.get("text") or "")) > 200:
            raise TelegramAPIError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers.append(params)
        return True

    async def _m_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._open_inline:
            raise TelegramAPIError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        results = params.get("results")
        if not isinstance(results, list) or len(results) > 50:
            raise TelegramAPIError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            rid = str(result.get("id", ""))
            if not 1 <= len(rid.encode()) <= 64 or rid in seen:
                raise TelegramAPIError(400, "Bad Request: RESULT_ID_INVALID")
            seen.add(rid)
            if result.get("type") != "article" or not result.get("title"):
                raise TelegramAPIError(400, "Bad Request: RESULT_TYPE_INVALID")
            content = result.get("input_message_content") or {}
            result["_plain"] = self._render(content.get("message_text"), content.get("parse_mode"))
            self._check_markup(result.get("reply_markup"))
        self._open_inline.discard(query_id)
        self.inline_answers.append(params)
        return True


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
