"""Discord interactions -> neutral :class:`~bot.model.Request`s: slash commands built
from the command catalog, /why autocomplete, and buttons served from their custom id
alone (no views in memory, so reconnects and restarts duplicate nothing)."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

import discord
from discord import app_commands

from bot import actions, i18n
from bot.adapters.base import CoreService
from bot.adapters.discord.render import NO_MENTIONS, clip, render
from bot.adapters.discord.routing import DEFER_AFTER, is_private, respond
from bot.adapters.discord.transport import tell_failure
from bot.autoanswer import AutoAnswerQueue, IncomingMessage
from bot.commands.catalog import COMMANDS, OPTION_NAME, CommandSpec
from bot.i18n import N_, _, pgettext
from bot.model import Action, Platform, Reply, Request

log = logging.getLogger(__package__)  # one logger for the whole adapter

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
MAX_CHOICES = 25
MAX_CHOICE = 100


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


def make_request(interaction: discord.Interaction, **fields: Any) -> Request:
    in_guild = interaction.guild_id is not None
    return Request(
        platform=Platform.DISCORD.value,
        user_id=str(interaction.user.id),
        chat_id=str(interaction.channel_id or ""),
        is_private=is_private(interaction),
        language=language_of(interaction.locale),
        user_name=interaction.user.display_name,
        community_id=str(interaction.guild_id) if in_guild else "",
        # Discord computes the member's permissions in this channel and sends them with
        # every interaction: Manage Server is the moderator's right.
        is_moderator=in_guild and interaction.permissions.manage_guild,
        **fields,
    )


NEEDS_CONTENT = N_(
    "Auto-answer is saved, but I cannot read messages yet: the bot's operator has to "
    "enable the Message Content intent (WHYBOT_DISCORD_MESSAGE_CONTENT=1, and in the "
    "Developer Portal) and restart me."
)


def incoming(message: discord.Message, me: int) -> IncomingMessage:
    """A plain server message as the auto-answer sees it."""
    channel = message.channel
    guild_id = message.guild.id if message.guild else getattr(channel, "guild_id", None)
    reference = message.reference
    resolved = reference.resolved if reference is not None else None
    return IncomingMessage(
        platform=Platform.DISCORD.value,
        community_id=str(guild_id or ""),
        channel_id=str(channel.id),
        message_id=str(message.id),
        user_id=str(message.author.id),
        text=message.content or "",
        thread_id=str(reference.message_id or "") if reference is not None else "",
        from_bot=message.author.bot or message.webhook_id is not None,
        from_self=message.author.id == me,
        mentions_many=message.mention_everyone or bool(message.raw_role_mentions),
        replies_to_bot=isinstance(resolved, discord.Message) and resolved.author.id == me,
    )


class InteractionHandlers:
    """Builds the command tree and serves its commands and the buttons."""

    def __init__(self, core: CoreService) -> None:
        self.core = core
        self.defer_after = DEFER_AFTER
        self.reads_content = False
        """The gateway was asked for message content (auto-answer can work)."""
        self.auto: AutoAnswerQueue | None = None
        self._client: discord.Client | None = None

    # -- auto-answer

    def on_message(self, message: discord.Message, me: int) -> None:
        """A message in a server: offered to the auto-answer (never waits)."""
        if message.guild is None and getattr(message.channel, "guild_id", None) is None:
            return
        if self.auto is None:
            self.auto = AutoAnswerQueue(
                self.core.auto_answer, self._send_auto, self.core.auto_queue_size
            )
            self.auto.start()
        self.auto.offer(incoming(message, me))

    async def _send_auto(self, message: IncomingMessage, reply: Reply) -> None:
        client = self._client
        if client is None:
            return
        channel = client.get_partial_messageable(
            int(message.channel_id), guild_id=int(message.community_id)
        )
        reference = discord.MessageReference(
            message_id=int(message.message_id),
            channel_id=int(message.channel_id),
            fail_if_not_exists=False,
        )
        # render() sets allowed_mentions to none: the reply pings nobody, the asker neither
        await channel.send(reference=reference, **render(reply))

    async def stop_auto(self) -> None:
        if self.auto is not None:
            await self.auto.stop()
            self.auto = None

    # -- slash commands

    def build_tree(self, client: discord.Client) -> app_commands.CommandTree[discord.Client]:
        self._client = client
        tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        for spec in COMMANDS:
            command = app_commands.Command(
                name=spec.name, description=spec.summary, callback=self._callback_for(spec)
            )
            if spec.name == "why":
                command.autocomplete("question")(self.suggest_statuses)
            if spec.moderator:
                # Offered to members with Manage Server, in servers only; server admins may
                # change who sees it (Integrations), so the core checks again on every use.
                command.default_permissions = discord.Permissions(manage_guild=True)
                command.guild_only = True
            tree.add_command(command)
        tree.on_error = self.on_tree_error  # type: ignore[method-assign]
        return tree

    def _callback_for(self, spec: CommandSpec) -> Callable[..., Awaitable[None]]:
        """A callback whose signature declares the spec's options as string parameters
        (discord.py reads slash-command options from the callback's signature)."""

        async def callback(interaction: discord.Interaction, **options: Optional[str]) -> None:  # noqa: UP045
            await self.on_command(interaction, spec, options)

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

    async def on_command(
        self, interaction: discord.Interaction, spec: CommandSpec, options: dict[str, str | None]
    ) -> None:
        values = {k: v.strip() for k, v in options.items() if v is not None and v.strip()}
        args = " ".join(values[o.name] for o in spec.options if o.name in values)
        action = None
        question = values.get("question", "")
        if spec.name == "why" and self.core.has_card(question):
            # A status picked from autocomplete arrives as its card id. Matching the id
            # (or even the title) as free text can land on a neighbouring card, so ask
            # for exactly that card, as its "card" button would.
            action = Action("card", (question,))
        request = make_request(
            interaction, command=spec.name, args=args, options=values, action=action
        )
        await self._answer(interaction, request, personal=spec.personal)
        turned_on = (
            values.get("setting", "").lower() == "autoanswer"
            and values.get("value", "").lower() == "on"
        )
        if (
            spec.name == "settings"
            and turned_on
            and request.is_moderator
            and not self.reads_content
        ):
            with i18n.using(await self._language(interaction, request)):
                await interaction.followup.send(
                    _(NEEDS_CONTENT), ephemeral=True, allowed_mentions=NO_MENTIONS
                )

    async def suggest_statuses(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        # The user reads the title; the card id comes back as the question (see on_command).
        return [
            app_commands.Choice(name=clip(title or card_id, MAX_CHOICE), value=card_id)
            for card_id, title in self.core.suggest(
                current or "", limit=MAX_CHOICES, language=language_of(interaction.locale)
            )
            if len(card_id) <= MAX_CHOICE
        ][:MAX_CHOICES]

    # -- buttons

    async def _language(self, interaction: discord.Interaction, request: Request) -> str:
        """The language of the adapter's own words to this user (the core's choice)."""
        try:
            return await self.core.language_for(request)
        except Exception:
            log.exception("Discord: choosing a language failed")
            return i18n.from_locale(language_of(interaction.locale)) or i18n.DEFAULT

    async def on_component(self, interaction: discord.Interaction) -> None:
        custom_id = str((interaction.data or {}).get("custom_id", ""))
        action = actions.decode(custom_id)
        request = make_request(interaction, action=action)
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
                self.core.platform_error(Platform.DISCORD.value, "handler")
                await tell_failure(interaction, _(FAILURE_TEXT))

    # -- answering

    async def _answer(
        self, interaction: discord.Interaction, request: Request, *, personal: bool
    ) -> None:
        """Ask the core and send its reply (see :func:`respond`)."""
        handling = asyncio.ensure_future(self.core.handle(request))
        await respond(
            interaction, request, handling, personal=personal, defer_after=self.defer_after
        )

    async def on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        with i18n.using(await self._language(interaction, make_request(interaction))):
            if isinstance(error, app_commands.CommandNotFound):
                log.warning("Discord sent unknown command %r", error.name)
                await tell_failure(interaction, _(UNKNOWN_COMMAND_TEXT))
                return
            self.core.platform_error(Platform.DISCORD.value, "handler")
            name = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "Discord command /%s failed (user %s)", name, interaction.user.id, exc_info=error
            )
            await tell_failure(interaction, _(FAILURE_TEXT))
