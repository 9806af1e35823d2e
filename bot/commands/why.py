"""/why: the answer card for a status or question."""

from __future__ import annotations

from bot.commands.context import CommandContext, check_text, split_args
from bot.model import Action, Reply, ReplyKind, Request, Section
from knowledge import Card

REFUND_LABEL = {"yes": "automatic", "no": "not automatic", "depends": "depends"}
MAX_QUESTION = 1000


def render_card(card: Card, alternatives: tuple[Card, ...] = ()) -> Reply:
    """A card as a reply: the summary first (what a phone user reads), then the detail."""
    sections = (
        Section("What it means", text=card.meaning),
        Section("Why it happens", items=card.causes),
        Section("What to do", items=card.steps, numbered=True),
        Section(f"Refund: {REFUND_LABEL[card.refund.automatic]}", text=card.refund.text),
    )
    actions: list[Action] = [Action("contacted_help", (), "I contacted the seller")]
    for alt in alternatives:
        actions.append(Action("card", (alt.id,), f"Did you mean: {alt.title}"[:80]))
    shown = {a.id for a in alternatives}
    for rel in card.related[:3]:
        if rel not in shown:
            actions.append(Action("card", (rel,), f"See: {rel.replace('-', ' ')}"))
    return Reply(
        title=card.title,
        text=card.summary,
        sections=sections,
        actions=tuple(actions),
        kind=ReplyKind.CARD,
        personal=False,
        footer="Source: " + "; ".join(card.sources[:2]),
    )


def known_statuses(ctx: CommandContext, lead: str, near: tuple[Card, ...] = ()) -> Reply:
    cards = list(ctx.matcher.cards.values())
    actions = [Action("card", (c.id,), f"Did you mean: {c.title}"[:80]) for c in near]
    actions += [Action("card", (c.id,), c.title[:80]) for c in cards if c not in near]
    return Reply(
        text=f"{lead} Statuses I know:",
        actions=tuple(actions),
        kind=ReplyKind.INFO,
        personal=False,
        footer="Try: /why shipment cancelled",
    )


async def why(ctx: CommandContext, request: Request) -> Reply:
    question = split_args(request, ("question",))["question"]
    question = check_text(question, "question", MAX_QUESTION)
    if not question:
        return known_statuses(ctx, "Paste the status from the app or ask your question.")
    cards = ctx.matcher.cards
    exact = cards.get(question.lower())
    if exact is not None:  # a card id, as Discord's autocomplete sends it
        return render_card(exact)
    result = ctx.matcher.match(question)
    alts = tuple(cards[a.card] for a in result.alternatives if a.card in cards)
    if result.card is None:
        return known_statuses(
            ctx, "I'm not sure which status that is, so I won't guess.", near=alts
        )
    close = tuple(
        c for a, c in zip(result.alternatives, alts, strict=True) if result.score - a.score <= 15
    )
    return render_card(cards[result.card], close)


async def show_card(ctx: CommandContext, request: Request, card_id: str) -> Reply:
    card = ctx.matcher.cards.get(card_id)
    if card is None:
        return known_statuses(ctx, "That card no longer exists. Here is what I know:")
    return render_card(card)


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
