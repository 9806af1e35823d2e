"""Discord: slash commands, /why autocomplete, persistent buttons and DMs, on discord.py.

The adapter only translates: an interaction becomes a :class:`~bot.model.Request`, the
core's :class:`~bot.model.Reply` becomes an embed (or plain content) with buttons. It
holds no timers and keeps no views in memory, so gateway reconnects and restarts cannot
duplicate anything: a button press is served from its custom id alone.

One job per module: :mod:`.render` (reply -> embed and buttons), :mod:`.transport` (DMs,
failure notices), :mod:`.handlers` (interactions -> requests), :mod:`.routing` (ephemeral
or not, deferring), :mod:`.rebase` (another base URL, for tests). This module runs the
client: start, stop, the command sync, and the watch on the gateway.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from typing import TYPE_CHECKING

import aiohttp
import discord
import yarl
from discord import app_commands

from bot.adapters.base import CoreService
from bot.adapters.discord.handlers import (
    EXPIRED_TEXT,
    FAILURE_TEXT,
    MENU_LOCALES,
    UNKNOWN_COMMAND_TEXT,
    InteractionHandlers,
    MenuTranslator,
    language_of,
)
from bot.adapters.discord.rebase import Rebase
from bot.adapters.discord.render import NO_MENTIONS, build_view, escape, render, render_embed
from bot.adapters.discord.routing import DEFER_AFTER
from bot.adapters.discord.transport import send_dm
from bot.model import Platform, Reply, UserRef

if TYPE_CHECKING:
    from bot.config import Settings

__all__ = [
    "COMMANDS_HASH_KEY",
    "DEFER_AFTER",
    "EXPIRED_TEXT",
    "FAILURE_TEXT",
    "MENU_LOCALES",
    "UNKNOWN_COMMAND_TEXT",
    "DiscordAdapter",
    "MenuTranslator",
    "Rebase",
    "build_view",
    "escape",
    "language_of",
    "render",
    "render_embed",
]

log = logging.getLogger(__package__)  # one logger for the whole adapter

STATE = "discord"
"""The adapter's namespace in the store's adapter state."""
COMMANDS_HASH = "commands_hash"
COMMANDS_HASH_KEY = f"{STATE}:{COMMANDS_HASH}"
"""The store key of the last synced command list's hash."""
IDENTIFY_PAUSE = 5.0
"""Seconds between the IDENTIFYs of two shards (Discord's limit for most bots)."""
GATEWAY_GIVE_UP = 15 * 60.0
"""Seconds without a gateway connection (discord.py retrying) before the adapter gives up."""


class _Client(discord.AutoShardedClient):
    """One connection per shard this process runs (``shard_ids``), or as many as Discord
    recommends when neither ``shard_count`` nor ``shard_ids`` is given."""

    def __init__(
        self,
        adapter: DiscordAdapter,
        intents: discord.Intents,
        shard_count: int | None,
        shard_ids: list[int] | None,
    ) -> None:
        super().__init__(
            intents=intents,
            allowed_mentions=NO_MENTIONS,
            shard_count=shard_count,
            shard_ids=shard_ids,
        )
        self._adapter = adapter
        self._stopping = asyncio.Event()

    async def launch_shard(
        self, gateway: yarl.URL, shard_id: int, *, initial: bool = False
    ) -> None:
        # discord.py retries a failed shard launch every 5 s without asking whether the
        # client was closed meanwhile (a stop while shards are still being launched);
        # its retries come back through here.
        if self.is_closed():
            return
        await super().launch_shard(gateway, shard_id, initial=initial)
        if self.is_closed():  # closed while this shard connected: close it too
            shard = self.get_shard(shard_id)
            if shard is not None:
                await shard.disconnect()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's pause between IDENTIFYs (5 s), cut short by a stop, so a stop
        during start-up does not wait for it (a cancellation would leave that shard's
        heartbeat thread running)."""
        if not initial:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), IDENTIFY_PAUSE)

    async def close(self) -> None:
        self._stopping.set()
        await super().close()

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None:
            self._adapter.handlers.on_message(message, self.user.id)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            await self._adapter.handlers.on_component(interaction)

    async def on_shard_connect(self, shard_id: int) -> None:
        self._adapter._shard_up(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._adapter._shard_up(shard_id)

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._adapter._shard_down(shard_id)


class DiscordAdapter:
    """Serves slash commands and buttons; delivers reminders by DM."""

    platform = Platform.DISCORD.value

    def __init__(
        self, core: CoreService, settings: Settings, *, give_up_after: float = GATEWAY_GIVE_UP
    ) -> None:
        if not settings.discord_bot_token:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.core = core
        self.state = core.adapter_state(STATE)
        self.handlers = InteractionHandlers(core)
        self._token = settings.discord_bot_token
        self._api_base = settings.discord_api_base_url
        self._message_content = settings.discord_message_content
        self.shard_count = settings.discord_shard_count
        shards = settings.discord_shards
        self.shard_ids = list(shards) if shards is not None else None
        self.syncs_commands = (
            settings.discord_sync_commands
            if settings.discord_sync_commands is not None
            else self.shard_ids is None or 0 in self.shard_ids
        )
        """Whether this process uploads the slash commands: by default the one running
        shard 0, so that several processes do not race to sync (DISCORD_SYNC_COMMANDS)."""
        self._down: set[int] = set()  # shards whose gateway connection is lost
        self.client: discord.Client | None = None
        self.tree: app_commands.CommandTree[discord.Client] | None = None
        self._connection: asyncio.Task[None] | None = None
        self.give_up_after = give_up_after
        self._give_up: asyncio.TimerHandle | None = None
        self.finished = asyncio.Event()
        """Set when the gateway connection ended on its own (see :attr:`failure`)."""
        self.failure: str | None = None

    @property
    def defer_after(self) -> float:
        """Seconds to wait for the core before deferring an interaction."""
        return self.handlers.defer_after

    @defer_after.setter
    def defer_after(self, seconds: float) -> None:
        self.handlers.defer_after = seconds

    # -- lifecycle

    async def start(self) -> None:
        """Log in, connect the gateway in the background, sync commands if they changed.

        Returns once logged in; interactions are served as soon as the gateway delivers
        them (no waiting for READY)."""
        if self.client is not None:
            return
        intents = discord.Intents.default()
        # Message content is a privileged intent: asked for only when auto-answer is
        # configured (WHYBOT_DISCORD_MESSAGE_CONTENT, or a server turned it on).
        wanted = self._message_content
        if not wanted:
            try:
                wanted = await self.core.auto_answer_wanted(self.platform)
            except Exception as exc:  # the store is down: serve commands without it
                log.warning("Discord: could not read the auto-answer settings: %s", exc)
        intents.message_content = wanted
        self.handlers.reads_content = wanted
        client = self.client = _Client(self, intents, self.shard_count, self.shard_ids)
        self.tree = self.handlers.build_tree(client)
        rebase = Rebase(self._api_base) if self._api_base else None
        if rebase is not None:
            rebase.install(client.http)
        try:
            await client.login(self._token)
            if rebase is not None:
                await rebase.find_gateway(client.http)
            self._connection = asyncio.create_task(
                client.connect(reconnect=True),
                name="discord-gateway",
                context=rebase.context() if rebase is not None else None,
            )
            self._connection.add_done_callback(self._connection_ended)
            if self.syncs_commands:
                await self._sync_commands()
        except BaseException:
            await self.stop()  # leave nothing running when start fails
            raise

    async def stop(self) -> None:
        """Disconnect; safe to call twice or before start."""
        client, connection = self.client, self._connection
        self.client = self.tree = self._connection = None
        await self.handlers.stop_auto()
        self._down.clear()
        self._gateway_up()  # no give-up timer after a stop of our own
        if client is not None and not client.is_closed():
            await client.close()
        if connection is not None and not connection.done():
            await asyncio.wait({connection}, timeout=5)
            # Python 3.11's wait_for (inside discord.py) can swallow a cancellation, so
            # cancel until the task ends, but never wait for it without a bound.
            for _attempt in range(10):
                if connection.done():
                    break
                connection.cancel()
                await asyncio.wait({connection}, timeout=0.5)
            if connection.done():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    connection.result()
            else:
                log.warning("Discord: the gateway task did not end; left behind")

    async def _sync_commands(self) -> None:
        """Upload the command list only when it differs from what was last synced."""
        assert self.client is not None and self.tree is not None
        tree = self.tree
        if tree.translator is None:
            await tree.set_translator(MenuTranslator())
        translator = tree.translator
        assert translator is not None
        payload = sorted(
            [await c.get_translated_payload(tree, translator) for c in tree.get_commands()],
            key=lambda c: str(c["name"]),
        )
        material = json.dumps(
            {"application": self.client.application_id, "commands": payload},
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(material.encode()).hexdigest()
        if await self.state.get(COMMANDS_HASH) == digest:
            log.info("Discord slash commands unchanged; not syncing")
            return
        try:
            await tree.sync()
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError):
            # Not fatal: the old commands keep working; the next start retries the sync.
            log.exception("Could not sync Discord slash commands")
            return
        await self.state.set(COMMANDS_HASH, digest)
        log.info("Synced %d Discord slash commands", len(payload))

    # -- reminders and nudges

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        """Send ``reply`` to the user's DMs (see :func:`send_dm`)."""
        await send_dm(self.client, user, reply)

    # -- watching the gateway

    @property
    def connected(self) -> bool:
        """Every shard of this process has a live gateway connection (for /healthz)."""
        client = self.client
        if client is None or client.is_closed() or self._down:
            return False
        expected = self.shard_ids if self.shard_ids is not None else None
        shards = client.shards
        if not shards or (expected is not None and set(shards) != set(expected)):
            return False
        return not any(info.is_closed() for info in shards.values())

    def _shard_down(self, shard_id: int) -> None:
        self.core.platform_error(self.platform, "gateway_disconnect")
        self._down.add(shard_id)
        self._gateway_down()

    def _shard_up(self, shard_id: int) -> None:
        self._down.discard(shard_id)
        if not self._down:
            self._gateway_up()

    def _gateway_down(self) -> None:
        """discord.py lost a gateway connection and retries forever; give up if that
        lasts."""
        if self._give_up is None and self.client is not None:
            loop = asyncio.get_running_loop()
            self._give_up = loop.call_later(self.give_up_after, self._gave_up)

    def _gateway_up(self) -> None:
        if self._give_up is not None:
            self._give_up.cancel()
            self._give_up = None

    def _gave_up(self) -> None:
        self._give_up = None
        if self.client is not None:
            self._fail(f"the gateway has been disconnected for {self.give_up_after:.0f}s")

    def _fail(self, reason: str) -> None:
        if self.failure is not None:
            return
        log.error("Discord: %s", reason)
        self.failure = reason
        self.finished.set()

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        """The gateway task ended. discord.py reconnects by itself after network errors, so
        an end we did not ask for (:meth:`stop` forgets the task first) is fatal: a closed
        client, a rejected token (close code 4004), missing intents. The app then exits
        non-zero so a supervisor restarts the process."""
        if task is not self._connection:
            return
        exc = None if task.cancelled() else task.exception()
        if task.cancelled():
            reason = "the gateway task was cancelled"
        elif exc is None:
            reason = "the gateway connection closed"
        else:
            reason = f"the gateway connection failed: {type(exc).__name__}: {exc}"
            log.debug("Discord gateway connection ended", exc_info=exc)
        self._fail(reason)
