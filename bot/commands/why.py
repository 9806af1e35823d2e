"""/why: the answer card for a status or question."""

from __future__ import annotations

from dataclasses import replace

from bot.commands.context import CommandContext, check_text, error, split_args
from bot.model import Action, Reply, ReplyKind, Request, Section
from knowledge import Card

REFUND_LABEL = {"yes": "automatic", "no": "not automatic", "depends": "depends"}
MAX_QUESTION = 1000


MAX_NEAR = 4
"""A not-sure reply offers at most this many likely statuses."""
COMPACT_RELATED = 2
FULL_RELATED = 3


def render_card(card: Card, alternatives: tuple[Card, ...] = (), *, compact: bool = False) -> Reply:
    """A card as a reply: the summary first (what a phone user reads), then the detail.

    ``compact`` (an answer in a group or server) keeps the title, the two-line summary
    and the buttons; "More" shows the whole card."""
    actions: list[Action] = []
    if compact:
        actions.append(Action("more", (card.id,), "More"))
    if card.contact_seller:
        actions.append(Action("contacted_help", (), "I contacted the seller"))
    for alt in alternatives:
        actions.append(Action("card", (alt.id,), f"Did you mean: {alt.title}"[:80]))
    shown = {a.id for a in alternatives}
    related = [rel for rel in card.related if rel not in shown]
    for rel in related[: COMPACT_RELATED if compact else FULL_RELATED]:
        actions.append(Action("card", (rel,), f"See: {rel.replace('-', ' ')}"))
    if compact:
        return Reply(
            title=card.title,
            text=card.summary,
            actions=tuple(actions),
            kind=ReplyKind.CARD,
            personal=False,
        )
    sections = (
        Section("What it means", text=card.meaning),
        Section("Why it happens", items=card.causes),
        Section("What to do", items=card.steps, numbered=True),
        Section(f"Refund: {REFUND_LABEL[card.refund.automatic]}", text=card.refund.text),
    )
    return Reply(
        title=card.title,
        text=card.summary,
        sections=sections,
        actions=tuple(actions),
        kind=ReplyKind.CARD,
        personal=False,
        footer="Source: " + "; ".join(card.sources[:2]),
    )


def status_buttons(cards: list[Card] | tuple[Card, ...]) -> tuple[Action, ...]:
    return tuple(Action("card", (c.id,), c.title[:80]) for c in cards)


def not_sure(near: tuple[Card, ...]) -> Reply:
    """No sure answer: a few likely statuses to choose from, or one line when nothing
    came close (an off-topic question gets no keyboard)."""
    if not near:
        return Reply(
            text=(
                "I explain AliExpress order statuses: try /why <status>, "
                "e.g. /why shipment cancelled."
            ),
            kind=ReplyKind.INFO,
            personal=False,
        )
    return Reply(
        text="I'm not sure which status that is, so I won't guess. Is it one of these?",
        actions=status_buttons(near[:MAX_NEAR]),
        kind=ReplyKind.INFO,
        personal=False,
    )


def triage(ctx: CommandContext, card_ids: tuple[str, ...]) -> Reply:
    """A generic "why was my order cancelled?": ask which status the order page shows."""
    cards = [ctx.matcher.cards[c] for c in card_ids if c in ctx.matcher.cards]
    return Reply(
        text=(
            "Orders are cancelled or closed for different reasons. "
            "Which status does your order page show?"
        ),
        actions=status_buttons(cards),
        kind=ReplyKind.INFO,
        personal=False,
        footer="Or paste the status: /why <status>",
    )


def index(ctx: CommandContext) -> Reply:
    """/why with nothing after it: how to ask, and the commonest statuses."""
    common = [ctx.matcher.cards[c] for c in ctx.matcher.triage if c in ctx.matcher.cards]
    return Reply(
        text="Paste the status from your order page, or ask your question.",
        actions=status_buttons(common),
        kind=ReplyKind.INFO,
        personal=False,
        footer="Example: /why shipment cancelled",
    )


async def why(ctx: CommandContext, request: Request) -> Reply:
    question = split_args(request, ("question",))["question"]
    question = check_text(question, "question", MAX_QUESTION)
    if not question:
        return index(ctx)
    compact = not request.is_private
    cards = ctx.matcher.cards
    exact = cards.get(question.lower())
    if exact is not None:  # a card id, as Discord's autocomplete sends it
        return render_card(exact, compact=compact)
    result = ctx.matcher.match(question)
    if result.triage:
        return triage(ctx, result.triage)
    alts = tuple(cards[a.card] for a in result.alternatives if a.card in cards)
    if result.card is None:
        return not_sure(alts)
    close = tuple(
        c for a, c in zip(result.alternatives, alts, strict=True) if result.score - a.score <= 15
    )
    return render_card(cards[result.card], close, compact=compact)


async def show_card(
    ctx: CommandContext, request: Request, card_id: str, *, full: bool = False
) -> Reply:
    """A card from a button: compact in a group unless ``full`` ("More")."""
    card = ctx.matcher.cards.get(card_id)
    if card is None:
        return error("That card no longer exists. Try /why <status>.")
    reply = render_card(card, compact=not (full or request.is_private))
    if full and not request.is_private:
        # The whole card is for the one who asked for it: ephemeral or in private,
        # not another 20 lines in the group.
        reply = replace(reply, personal=True)
    return reply


async def contacted_help(ctx: CommandContext, request: Request) -> Reply:
    hours = ctx.settings.seller_window.total_seconds() / 3600
    window = f"{hours:g}h"
    return Reply(
        text=(
            f"Tell me the order number: /contacted <order>. If the seller has not "
            f"answered in {window}, I'll remind you to open a dispute."
        ),
        kind=ReplyKind.INFO,
        personal=True,
        footer="Example: /contacted 8123456789012345 48h",
    )
