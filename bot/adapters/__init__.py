"""The adapter registry: which platforms to run, from the configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.base import Adapter

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core import Core


def configured_adapters(
    core: Core, settings: Settings, force_console: bool = False
) -> list[Adapter]:
    """Every adapter whose token is configured; the console when none is (or when forced).

    Platform libraries are imported only for the adapters that run."""
    from bot.adapters.console import ConsoleAdapter

    if force_console:
        return [ConsoleAdapter(core, settings)]
    adapters: list[Adapter] = []
    if settings.telegram_bot_token:
        from bot.adapters.telegram import TelegramAdapter

        adapters.append(TelegramAdapter(core, settings))
    if settings.discord_bot_token:
        from bot.adapters.discord import DiscordAdapter

        adapters.append(DiscordAdapter(core, settings))
    return adapters or [ConsoleAdapter(core, settings)]
