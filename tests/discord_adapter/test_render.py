"""Rendering a reply within Discord's limits (pure functions; views need a running loop)."""

from __future__ import annotations

import discord

from bot import actions
from bot.adapters.discord import render, render_embed
from bot.model import Action, Reply, ReplyKind, Section


def test_short_plain_replies_are_content_and_structured_ones_embeds() -> None:
    assert render(Reply(text="Kept. Nothing was deleted."))["content"] == (
        "Kept. Nothing was deleted."
    )
    kwargs = render(Reply(title="T", text="x", kind=ReplyKind.CARD))
    assert "content" not in kwargs and kwargs["embed"].title == "T"
    assert kwargs["allowed_mentions"].to_dict() == {"parse": []}


def test_sections_become_fields_with_numbered_steps_and_bullets() -> None:
    embed = render_embed(
        Reply(
            title="T",
            sections=(
                Section("Steps", items=("open the app", "tap *Orders*"), numbered=True),
                Section("Causes", text="Often:", items=("a", "b")),
            ),
        )
    )
    steps, causes = embed.fields
    assert steps.name == "Steps" and steps.value == "1. open the app\n2. tap \\*Orders\\*"
    assert causes.value == "Often:\n• a\n• b"


def test_oversized_replies_stay_within_discords_limits() -> None:
    long_items = tuple("step " + "x" * 300 for _ in range(6))
    reply = Reply(
        title="T" * 400,
        text="d" * 5000,
        sections=tuple(Section(f"S{i}", items=long_items) for i in range(30)),
        footer="f" * 3000,
    )
    embed = render_embed(reply)
    assert len(embed) <= 6000
    assert len(embed.title or "") <= 256 and len(embed.description or "") <= 4096
    assert len(embed.fields) <= 25
    assert all(len(f.value or "") <= 1024 for f in embed.fields)
    assert len(embed.footer.text or "") <= 2048


async def test_buttons_fill_rows_of_five_and_stop_at_25() -> None:
    many = tuple(Action("card", (f"card-{i}",), f"Card {i} " + "y" * 100) for i in range(30))
    view = render(Reply(text="x", actions=many))["view"]
    assert isinstance(view, discord.ui.View)
    rows = view.to_components()
    assert len(rows) == 5 and all(len(r["components"]) == 5 for r in rows)
    ids = [c["custom_id"] for r in rows for c in r["components"]]
    assert ids == [actions.encode(a) for a in many[:25]]
    assert all(len(c["label"]) <= 80 for r in rows for c in r["components"])
    assert view.is_finished()  # never registered in discord.py's view store


async def test_actions_that_cannot_be_encoded_are_dropped() -> None:
    kwargs = render(Reply(text="x", actions=(Action("card", ("bad id!",), "Bad"),)))
    assert "view" not in kwargs
