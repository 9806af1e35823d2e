"""Discord: slash commands, /why autocomplete, persistent buttons and DMs, on discord.py.

The adapter only translates: an interaction becomes a :class:`~bot.model.Request`, the
core's :class:`~bot.model.Reply` becomes an embed (or plain content) with buttons. It
holds no timers and keeps no views in memory, so gateway reconnects and restarts cannot
duplicate anything: a button press is served from its custom id alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Optional

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot import actions, i18n
from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.commands.catalog import COMMANDS, OPTION_NAME, CommandSpec
from bot.i18n import N_, _, pgettext
from bot.model import Action, Platform, Reply, ReplyKind, Request, Section, UserRef

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core import Core

log = logging.getLogger(__name__)

COMMANDS_HASH_KEY = "discord:commands_hash"
EXPIRED_TEXT = N_("This button has expired. Run the command again to get fresh buttons.")
FAILURE_TEXT = N_("Sorry, something went wrong on my side. Please try again in a moment.")
UNKNOWN_COMMAND_TEXT = N_("This command is not available any more. Type / to see my commands.")
MENU_LOCALES: dict[discord.Locale, str] = {
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
    discord.Locale.brazil_portuguese: "pt",
    discord.Locale.french: "fr",
    discord.Locale.russian: "ru",
    discord.Locale.polish: "pl",
    discord.Locale.german: "de",
}
"""Discord's locales the command menu is translated into (English is the default)."""

NO_MENTIONS = discord.AllowedMentions.none()

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits)
MAX_CONTENT = 2000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_EMBED_TOTAL = 6000
MAX_BUTTONS = 25  # 5 rows of 5
MAX_LABEL = 80
MAX_CHOICES = 25
MAX_CHOICE = 100

DEFER_AFTER = 2.0
GATEWAY_GIVE_UP = 15 * 60.0
"""Seconds without a gateway connection (discord.py retrying) before the adapter gives up."""
"""Seconds to wait for the core before deferring: Discord drops an interaction that is
not answered within 3 seconds."""

_COLORS = {
    ReplyKind.CARD: discord.Color.blurple(),
    ReplyKind.INFO: discord.Color.dark_grey(),
    ReplyKind.ERROR: discord.Color.red(),
    ReplyKind.REMINDER: discord.Color.gold(),
}

# escape_mentions only defuses well-formed (17-20 digit) ids; defuse any <@digits> too.
_SHORT_MENTION = re.compile(r"<@([!&]?)(?=\d)")


# -- rendering ----------------------------------------------------------------------------


def escape(text: str) -> str:
    """User-visible text made inert: no markdown, no mention can ping or render."""
    text = discord.utils.escape_markdown(text)
    text = discord.utils.escape_mentions(text)
    return _SHORT_MENTION.sub("<@\\1\u200b", text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section_body(section: Section) -> str:
    lines = [escape(section.text)] if section.text else []
    for n, item in enumerate(section.items, 1):
        lines.append(f"{n}. {escape(item)}" if section.numbered else f"• {escape(item)}")
    return "\n".join(lines)


def render_embed(reply: Reply) -> discord.Embed:
    """The reply as an embed: title, text as description, one field per section."""
    embed = discord.Embed(color=_COLORS.get(reply.kind, discord.Color.dark_grey()))
    if reply.title:
        embed.title = _clip(escape(reply.title), MAX_TITLE)
    description = escape(reply.text) if reply.text else ""
    bodies = [(escape(s.heading), _section_body(s)) for s in reply.sections]
    fits = len(bodies) <= MAX_FIELDS and all(
        len(name) <= MAX_FIELD_NAME and len(body) <= MAX_FIELD_VALUE for name, body in bodies
    )
    if fits:
        for name, body in bodies:
            embed.add_field(name=name or "\u200b", value=body or "\u200b", inline=False)
    else:  # too many or too long for fields: everything goes into the description
        parts = [description] if description else []
        parts += [f"**{name}**\n{body}" if name else body for name, body in bodies]
        description = "\n\n".join(parts)
    if description:
        embed.description = _clip(description, MAX_DESCRIPTION)
    if reply.footer:
        embed.set_footer(text=_clip(escape(reply.footer), MAX_FOOTER))
    while len(embed) > MAX_EMBED_TOTAL and embed.fields:
        embed.remove_field(-1)
    if len(embed) > MAX_EMBED_TOTAL and embed.description:
        over = len(embed) - MAX_EMBED_TOTAL
        embed.description = _clip(embed.description, len(embed.description) - over)
    return embed


def build_view(reply_actions: Sequence[Action]) -> discord.ui.View | None:
    """Buttons for the reply's actions, five to a row, at most 25."""
    if not reply_actions:
        return None
    view = discord.ui.View(timeout=None)
    for action in reply_actions:
        if len(view.children) >= MAX_BUTTONS:
            log.warning(
                "Reply has %d actions; Discord shows only %d buttons",
                len(reply_actions),
                MAX_BUTTONS,
            )
            break
        try:
            custom_id = actions.encode(action)
        except ValueError:
            log.exception("Dropping a button whose action cannot be encoded: %r", action)
            continue
        label = _clip(action.label or action.name.replace("_", " "), MAX_LABEL)
        view.add_item(
            discord.ui.Button(label=label, custom_id=custom_id, style=discord.ButtonStyle.secondary)
        )
    # A finished view is sent as plain components and never registered in discord.py's
    # in-memory view store: presses are served by custom id (see on_interaction), which
    # also works after a restart, and nothing accumulates in memory per message.
    view.stop()
    return view if view.children else None


def render(reply: Reply) -> dict[str, Any]:
    """Keyword arguments for ``send`` / ``send_message``: content or embed, and view."""
    kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
    plain = not (reply.title or reply.sections or reply.footer)
    text = escape(reply.text)
    if plain and text and len(text) <= MAX_CONTENT:
        kwargs["content"] = text
    else:
        kwargs["embed"] = render_embed(reply)
    view = build_view(reply.actions)
    if view is not None:
        kwargs["view"] = view
    return kwargs


# -- interactions -> requests --------------------------------------------------------------


class MenuTranslator(app_commands.Translator):
    """Command descriptions, option names and option descriptions from the gettext
    catalogs. Command names stay English: every help text, example and Telegram menu
    names them so, and a name typed from a reply must work."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        lang = MENU_LOCALES.get(locale)
        where = context.location
        if lang is None or where is app_commands.TranslationContextLocation.command_name:
            return None
        with i18n.using(lang):
            if where is app_commands.TranslationContextLocation.parameter_name:
                shown = pgettext(OPTION_NAME, string.message)
            else:
                shown = _(string.message)
        return shown


def language_of(locale: object) -> str:
    """``de`` from ``de``, ``pt`` from ``pt-BR``, ``en`` from ``en-US``."""
    value = str(getattr(locale, "value", locale) or "en")
    return value.split("-")[0].lower() or "en"


def _is_private(interaction: discord.Interaction) -> bool:
    """A one-to-one chat with the bot (not a server, not a group DM)."""
    if interaction.guild_id is not None:
        return False
    kind = getattr(interaction.channel, "type", None)
    return kind in (None, discord.ChannelType.private)


def _request(interaction: discord.Interaction, **fields: Any) -> Request:
    return Request(
        platform=Platform.DISCORD.value,
        user_id=str(interaction.user.id),
        chat_id=str(interaction.channel_id or ""),
        is_private=_is_private(interaction),
        language=language_of(interaction.locale),
        user_name=interaction.user.display_name,
        **fields,
    )


# -- pointing discord.py at another server (tests) ----------------------------------------


class _Rebase:
    """Rewrites discord.com URLs to DISCORD_API_BASE_URL, and the gateway to the one
    that server announces.

    discord.py builds every REST URL from the class attribute ``Route.BASE`` and always
    opens its first gateway connection to ``DiscordWebSocket.DEFAULT_GATEWAY`` (2.7.1's
    ``Client.connect`` never asks ``GET /gateway/bot``). Changing those class attributes
    would redirect every client in the process, so instead this adapter's own client
    gets per-instance wrappers (``http.request`` for REST, ``http.ws_connect`` for the
    gateway) and its connection task runs with discord.py's ``async_context`` variable
    set to a rebasing webhook adapter (interaction callbacks and followups go through
    that adapter, not through ``http.request``)."""

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
        request, ws_connect = http.request, http.ws_connect

        async def rebased_request(route: Route, **kwargs: Any) -> Any:
            route.url = self.rest(route.url)
            return await request(route, **kwargs)

        async def rebased_ws_connect(url: str, *, compress: int = 0) -> Any:
            return await ws_connect(self.websocket(url), compress=compress)

        http.request = rebased_request  # type: ignore[method-assign]
        http.ws_connect = rebased_ws_connect  # type: ignore[method-assign]


class _RebasedWebhookAdapter(AsyncWebhookAdapter):
    def __init__(self, rebase: _Rebase) -> None:
        super().__init__()
        self._rebase = rebase

    async def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:
        route.url = self._rebase.rest(route.url)
        return await super().request(route, *args, **kwargs)


# -- the adapter ---------------------------------------------------------------------------


class _Client(discord.Client):
    def __init__(self, adapter: DiscordAdapter) -> None:
        super().__init__(intents=discord.Intents.default(), allowed_mentions=NO_MENTIONS)
        self._adapter = adapter

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            await self._adapter._on_component(interaction)

    async def on_connect(self) -> None:
        self._adapter._gateway_up()

    async def on_resumed(self) -> None:
        self._adapter._gateway_up()

    async def on_disconnect(self) -> None:
        self._adapter._gateway_down()


class DiscordAdapter:
    """Serves slash commands and buttons; delivers reminders by DM."""

    platform = Platform.DISCORD.value

    def __init__(
        self, core: Core, settings: Settings, *, give_up_after: float = GATEWAY_GIVE_UP
    ) -> None:
        if not settings.discord_bot_token:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.core = core
        self._token = settings.discord_bot_token
        self._api_base = settings.discord_api_base_url
        self.defer_after = DEFER_AFTER
        self.client: discord.Client | None = None
        self.tree: app_commands.CommandTree[discord.Client] | None = None
        self._connection: asyncio.Task[None] | None = None
        self.give_up_after = give_up_after
        self._give_up: asyncio.TimerHandle | None = None
        self.finished = asyncio.Event()
        """Set when the gateway connection ended on its own (see :attr:`failure`)."""
        self.failure: str | None = None

    # -- lifecycle

    async def start(self) -> None:
        """Log in, connect the gateway in the background, sync commands if they changed.

        Returns once logged in; interactions are served as soon as the gateway delivers
        them (no waiting for READY)."""
        if self.client is not None:
            return
        client = self.client = _Client(self)
        self.tree = self._build_tree(client)
        context = contextvars.copy_context()
        rebase = _Rebase(self._api_base) if self._api_base else None
        if rebase is not None:
            rebase.install(client.http)
            context.run(async_context.set, _RebasedWebhookAdapter(rebase))
        try:
            await client.login(self._token)
            if rebase is not None:
                _shards, gateway, _version = await client.http.get_bot_gateway()
                rebase.gateway = yarl.URL(gateway)
            self._connection = asyncio.create_task(
                client.connect(reconnect=True), name="discord-gateway", context=context
            )
            self._connection.add_done_callback(self._connection_ended)
            await self._sync_commands()
        except BaseException:
            await self.stop()  # leave nothing running when start fails
            raise

    async def stop(self) -> None:
        """Disconnect; safe to call twice or before start."""
        client, connection = self.client, self._connection
        self.client = self.tree = self._connection = None
        self._gateway_up()  # no give-up timer after a stop of our own
        if client is not None and not client.is_closed():
            await client.close()
        if connection is not None and not connection.done():
            _, pending = await asyncio.wait({connection}, timeout=5)
            if pending:
                connection.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await connection

    # -- slash commands

    def _build_tree(self, client: discord.Client) -> app_commands.CommandTree[discord.Client]:
        tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        for spec in COMMANDS:
            command = app_commands.Command(
                name=spec.name, description=spec.summary, callback=self._callback_for(spec)
            )
            if spec.name == "why":
                command.autocomplete("question")(self._suggest_statuses)
            tree.add_command(command)
        tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        return tree

    def _callback_for(self, spec: CommandSpec) -> Callable[..., Awaitable[None]]:
        """A callback whose signature declares the spec's options as string parameters
        (discord.py reads slash-command options from the callback's signature)."""

        async def callback(interaction: discord.Interaction, **options: Optional[str]) -> None:  # noqa: UP045
            await self._on_command(interaction, spec, options)

        params = [
            inspect.Parameter(
                "interaction",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=discord.Interaction,
            )
        ]
        for option in spec.options:
            params.append(
                inspect.Parameter(
                    option.name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=str if option.required else Optional[str],  # noqa: UP045
                    default=inspect.Parameter.empty if option.required else None,
                )
            )
        callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
            option.name: option.description for option in spec.options
        }
        callback.__name__ = callback.__qualname__ = f"slash_{spec.name}"
        return callback

    async def _on_command(
        self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, str | None]
    ) -> None:
        values = {k: v.strip() for k, v in options.items() if v is not None and v.strip()}
        args = " ".join(values[o.name] for o in spec.options if o.name in values)
        action = None
        question = values.get("question", "")
        if spec.name == "why" and question in self.core.matcher.cards:
            # A status picked from autocomplete arrives as its card id. Matching the id
            # (or even the title) as free text can land on a neighbouring card, so ask
            # for exactly that card, as its "card" button would.
            action = Action("card", (question,))
        request = _request(interaction, command=spec.name, args=args, options=values, action=action)
        await self._answer(interaction, request, personal=spec.personal)

    async def _suggest_statuses(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # The user reads the title; the card id comes back as the question (see _on_command).
        return [
            app_commands.Choice(name=_clip(title or card_id, MAX_CHOICE), value=card_id)
            for card_id, title in self.core.suggest(
                current or "", limit=MAX_CHOICES, language=language_of(interaction.locale)
            )
            if len(card_id) <= MAX_CHOICE
        ][:MAX_CHOICES]

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
        if await self.core.store.get_meta(COMMANDS_HASH_KEY) == digest:
            log.info("Discord slash commands unchanged; not syncing")
            return
        try:
            await tree.sync()
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError):
            # Not fatal: the old commands keep working; the next start retries the sync.
            log.exception("Could not sync Discord slash commands")
            return
        await self.core.store.set_meta(COMMANDS_HASH_KEY, digest)
        log.info("Synced %d Discord slash commands", len(payload))

    # -- buttons

    async def _language(self, interaction: discord.Interaction, request: Request) -> str:
        """The language of the adapter's own words to this user (the core's choice)."""
        try:
            return await self.core.language_for(request)
        except Exception:
            log.exception("Discord: choosing a language failed")
            return i18n.from_locale(language_of(interaction.locale)) or i18n.DEFAULT

    async def _on_component(self, interaction: discord.Interaction) -> None:
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        action = actions.decode(custom_id)
        request = _request(interaction, action=action)
        with i18n.using(await self._language(interaction, request)):
            try:
                if action is None:
                    log.info("Unknown or expired button %r", custom_id)
                    await interaction.response.send_message(
                        _(EXPIRED_TEXT), ephemeral=True, allowed_mentions=NO_MENTIONS
                    )
                    return
                await self._answer(interaction, request, personal=True)
            except Exception:
                log.exception("Discord button %r failed (user %s)", custom_id, interaction.user.id)
                await self._tell_failure(interaction, _(FAILURE_TEXT))

    # -- answering

    async def _answer(
        self, interaction: discord.Interaction, request: Request, *, personal: bool
    ) -> None:
        """Ask the core and send its reply; defer first if the core is slow."""
        handling = asyncio.ensure_future(self.core.handle(request))
        done, _pending = await asyncio.wait({handling}, timeout=self.defer_after)
        if not done:
            # ``personal`` is the best guess of the reply's visibility before it exists.
            await interaction.response.defer(
                ephemeral=personal and not request.is_private, thinking=True
            )
            reply = await handling
            await interaction.followup.send(**render(reply))
            return
        reply = handling.result()
        ephemeral = reply.personal and not request.is_private
        await interaction.response.send_message(ephemeral=ephemeral, **render(reply))

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        with i18n.using(await self._language(interaction, _request(interaction))):
            if isinstance(error, app_commands.CommandNotFound):
                log.warning("Discord sent unknown command %r", error.name)
                await self._tell_failure(interaction, _(UNKNOWN_COMMAND_TEXT))
                return
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "Discord command /%s failed (user %s)", name, interaction.user.id, exc_info=error
            )
            await self._tell_failure(interaction, _(FAILURE_TEXT))

    @staticmethod
    async def _tell_failure(interaction: discord.Interaction, text: str) -> None:
        try:
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        except Exception:
            log.exception("Could not tell the user about the failure either")

    # -- reminders and nudges

    async def deliver(self, user: UserRef, reply: Reply) -> None:
        """Send ``reply`` to the user's DMs."""
        client = self.client
        if client is None or client.is_closed():
            raise TemporaryDeliveryError("the Discord adapter is not running")
        try:
            user_id = int(user.user_id)
        except ValueError as exc:
            raise PermanentDeliveryError(f"not a Discord user id: {user.user_id!r}") from exc
        try:
            channel = await client.create_dm(discord.Object(user_id))
            await channel.send(**render(reply))
        except discord.HTTPException as exc:
            # 403 (50007 "Cannot send messages to this user"), 404 unknown user and other
            # client errors do not heal by retrying; 401, 429 and 5xx may.
            if exc.status in (401, 429) or exc.status >= 500:
                raise TemporaryDeliveryError(f"Discord answered {exc.status}: {exc.text}") from exc
            raise PermanentDeliveryError(
                f"Discord answered {exc.status} (code {exc.code}): {exc.text}"
            ) from exc
        except (discord.RateLimited, aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TemporaryDeliveryError(f"Discord unreachable: {exc!r}") from exc

    def _gateway_down(self) -> None:
        """discord.py lost the gateway and retries forever; give up if that lasts."""
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
