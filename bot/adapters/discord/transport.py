"""Sending on Discord outside the interaction flow: DMs for reminders (failures sorted
into temporary and permanent ones) and the last-resort failure notice. discord.py waits
out 429s itself (per route bucket), so one rate-limited DM does not stall other sends."""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.adapters.discord.render import NO_MENTIONS, render
from bot.model import Reply, UserRef

log = logging.getLogger(__package__)  # one logger for the whole adapter


async def send_dm(client: discord.Client | None, user: UserRef, reply: Reply) -> None:
    """Send ``reply`` to the user's DMs."""
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


async def tell_failure(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral one-line failure notice, as a followup if the interaction was
    answered already; never raises."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=NO_MENTIONS
            )
    except Exception:
        log.exception("Could not tell the user about the failure either")
