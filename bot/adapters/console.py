"""The console: one local user typing commands on stdin, replies on stdout.

Works through a pipe as well as a terminal; at end of input it finishes (the app then
stops and exits 0). Buttons show as numbers: type the number to press one."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import stat
import sys
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

from bot import i18n
from bot.commands.catalog import parse_command
from bot.i18n import N_, _, ngettext
from bot.model import Action, Platform, Reply, Request, UserRef

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core import Core

USER_ID = "local"
MAX_LINE = 64 * 1024
PROMPT_HELP = N_(
    "whybot console: ask a question or paste a status, type /help, or a button number."
    " Ctrl-D quits."
)


def locale_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The terminal's locale, as gettext reads it: LANGUAGE, LC_ALL, LC_MESSAGES, LANG
    (``es_ES.UTF-8`` -> ``es_ES``); None when unset or C/POSIX."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "").split(":")[0].split(".")[0]
        if value and value not in ("C", "POSIX"):
            return value
    return None


def render_text(reply: Reply) -> str:
    """A reply as plain text (the console, logs and tests)."""
    lines: list[str] = []
    if reply.title:
        lines.append(f"== {reply.title} ==")
    if reply.text:
        lines.append(reply.text)
    for section in reply.sections:
        if section.heading:
            lines.append(f"{section.heading}:")
        if section.text:
            lines.append(f"  {section.text}")
        for i, item in enumerate(section.items, 1):
            lines.append(f"  {i}. {item}" if section.numbered else f"  - {item}")
    for i, action in enumerate(reply.actions, 1):
        lines.append(f"  [{i}] {action.label}")
    if reply.footer:
        lines.append(reply.footer)
    return "\n".join(lines)


def _pollable(stream: IO[bytes]) -> bool:
    """Whether the event loop can wait on ``stream``: a pipe, a socket or a terminal.
    Regular files and other devices (/dev/null) cannot be registered with epoll."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return True
    return stat.S_ISCHR(mode) and stream.isatty()


class ConsoleAdapter:
    platform = Platform.CONSOLE.value

    def __init__(
        self,
        core: Core,
        settings: Settings | None = None,
        stdin: IO[bytes] | None = None,
        stdout: IO[str] | None = None,
        language: str | None = None,
    ) -> None:
        self.core = core
        self.language = language if language is not None else locale_from_env()
        """The platform locale of the console user: the terminal's (or as given)."""
        if stdin is None and sys.stdin is not None:
            stdin = getattr(sys.stdin, "buffer", None)
        self.stdin = stdin  # None when standard input is closed (0<&-): nothing to read
        self.stdout = stdout or sys.stdout
        self.finished = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._buttons: tuple[Action, ...] = ()

    async def start(self) -> None:
        with i18n.using(i18n.from_locale(self.language) or i18n.DEFAULT):
            self._write(_(PROMPT_HELP))
        self._task = asyncio.create_task(self._serve(), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        self._show(reply)

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _show(self, reply: Reply) -> None:
        if reply.actions:
            self._buttons = reply.actions
        self._write(render_text(reply))

    async def _lines(self):  # type: ignore[no-untyped-def]
        stdin = self.stdin
        if stdin is None:
            return  # standard input is closed: the same as end of input
        if not _pollable(stdin):
            # A regular file (python -m bot < commands.txt) or /dev/null: reads never
            # block, so a thread that reads it line by line is fine.
            while line := await asyncio.to_thread(stdin.readline, MAX_LINE + 1):
                yield line
            return
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_LINE * 2)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stdin)
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError as exc:
                if exc.partial:
                    yield exc.partial
                return
            except asyncio.LimitOverrunError:
                await reader.readexactly(min(len(reader._buffer), MAX_LINE * 2))
                yield b"\x00" * (MAX_LINE + 1)  # reported as too long below
                continue
            yield line

    async def _serve(self) -> None:
        try:
            async for raw in self._lines():
                await self._handle_line(raw)
        finally:
            self.finished.set()

    async def _handle_line(self, raw: bytes) -> None:
        if len(raw) > MAX_LINE:
            with i18n.using(await self._own_language()):
                self._write(_("That line is too long (at most 64 KB)."))
            return
        line = raw.decode("utf-8", errors="replace").strip()
        if not line:
            return
        if line.isdecimal() and len(line) <= 2 and not 0 < int(line) <= len(self._buttons):
            shown = len(self._buttons)
            with i18n.using(await self._own_language()):
                self._write(
                    ngettext(
                        "There is no button %(number)s: the last reply had %(count)s (1 to "
                        "%(count)s).",
                        "There is no button %(number)s: the last reply had %(count)s (1 to "
                        "%(count)s).",
                        shown,
                    )
                    % {"number": line, "count": shown}
                    if shown
                    else _("There is no button %(number)s: the last reply had none.")
                    % {"number": line}
                )
            return
        self._show(await self.core.handle(self._request(line)))

    async def _own_language(self) -> str:
        """The language of the console's own words (the core's choice for this user)."""
        request = Request(self.platform, USER_ID, USER_ID, True, language=self.language)
        try:
            return await self.core.language_for(request)
        except Exception:
            return i18n.from_locale(self.language) or i18n.DEFAULT

    def _request(self, line: str) -> Request:
        """A button number, a /command, or (like a private chat) a question for /why."""
        base = {
            "platform": self.platform,
            "user_id": USER_ID,
            "chat_id": USER_ID,
            "is_private": True,
            "language": self.language,
        }
        if line.isdecimal() and len(line) <= 2:
            return Request(**base, action=self._buttons[int(line) - 1])
        parsed = parse_command(line)
        if parsed is None:
            return Request(**base, command="why", args=line)
        return Request(**base, command=parsed[0], args=parsed[1])
