"""Who sees a reply: the channel, or only the asker (ephemeral). A personal reply is
ephemeral outside a one-to-one chat; a slow core is answered by deferring first, since
Discord drops an interaction not answered within 3 seconds."""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.adapters.discord.render import render
from bot.model import Reply, Request

log = logging.getLogger(__package__)  # one logger for the whole adapter

DEFER_AFTER = 2.0
"""Seconds to wait for the core before deferring."""


def is_private(interaction: discord.Interaction) -> bool:
    """A one-to-one chat with the bot (not a server, not a group DM)."""
    if interaction.guild_id is not None:
        return False
    kind = getattr(interaction.channel, "type", None)
    return kind in (None, discord.ChannelType.private)


def ephemeral(personal: bool, request: Request) -> bool:
    """Whether an answer is shown to the asker alone."""
    return personal and not request.is_private


async def respond(
    interaction: discord.Interaction,
    request: Request,
    handling: asyncio.Future[Reply],
    *,
    personal: bool,
    defer_after: float,
) -> None:
    """Send the reply ``handling`` produces; defer first if it is slow. ``personal`` is
    the best guess of the reply's visibility before it exists (used when deferring)."""
    done, _pending = await asyncio.wait({handling}, timeout=defer_after)
    if not done:
        await interaction.response.defer(ephemeral=ephemeral(personal, request), thinking=True)
        reply = await handling
        await interaction.followup.send(**render(reply))
        return
    reply = handling.result()
    await interaction.response.send_message(
        ephemeral=ephemeral(reply.personal, request), **render(reply)
    )
    if reply.remove_message and interaction.message is not None:
        # "Not helpful" under an auto-answer: the answer goes (the bot's own message)
        try:
            await interaction.message.delete()
        except discord.HTTPException as exc:
            log.warning("Discord: could not delete an auto-answer: %s", exc)
