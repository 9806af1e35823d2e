"""/why: the answer card for a status or question."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from bot import i18n
from bot.commands.context import CommandContext, check_text, error, split_args
from bot.i18n import N_, _
from bot.model import Action, Reply, ReplyKind, Request, Section
from knowledge import Card

log = logging.getLogger(__name__)

REFUND_LABEL = {
    "yes": N_("Refund: automatic"),
    "no": N_("Refund: not automatic"),
    "depends": N_("Refund: depends"),
}
MAX_QUESTION = 1000


MAX_NEAR = 4
"""A not-sure reply offers at most this many likely statuses."""
COMPACT_RELATED = 2
FULL_RELATED = 3


def render_card(
    card: Card,
    alternatives: tuple[Card, ...] = (),
    *,
    compact: bool = False,
    cards: Mapping[str, Card] | None = None,
) -> Reply:
    """A card as a reply, in the current language: the summary first (what a phone user
    reads), then the detail.

    ``compact`` (an answer in a group or server) keeps the title, the two-line summary
    and the buttons; "More" shows the whole card."""
    lang = i18n.current()
    text = card.text(lang)
    cards = cards or {}
    actions: list[Action] = []
    if compact:
        actions.append(Action("more", (card.id,), _("More")))
    if card.contact_seller:
        actions.append(Action("contacted_help", (), _("I contacted the seller")))
    for alt in alternatives:
        label = _("Did you mean: %(status)s") % {"status": status_label(alt.text(lang).title)}
        actions.append(Action("card", (alt.id,), label[:80]))
    shown = {a.id for a in alternatives}
    related = [rel for rel in card.related if rel not in shown]
    for rel in related[: COMPACT_RELATED if compact else FULL_RELATED]:
        actions.append(
            Action("card", (rel,), _("See: %(status)s") % {"status": rel_title(rel, cards)})
        )
    actions += feedback_buttons(card.id)
    if compact:
        return Reply(
            title=text.title,
            text=text.summary,
            actions=tuple(actions),
            kind=ReplyKind.CARD,
            personal=False,
            card_id=card.id,
        )
    sections = (
        Section(_("What it means"), text=text.meaning),
        Section(_("Why it happens"), items=text.causes),
        Section(_("What to do"), items=text.steps, numbered=True),
        Section(_(REFUND_LABEL[card.refund.automatic]), text=text.refund),
    )
    return Reply(
        title=text.title,
        text=text.summary,
        sections=sections,
        actions=tuple(actions),
        kind=ReplyKind.CARD,
        personal=False,
        footer=_("Source: %(sources)s") % {"sources": "; ".join(card.sources[:2])},
        card_id=card.id,
    )


def feedback_buttons(card_id: str) -> tuple[Action, ...]:
    """ "Helpful" and "Not helpful" under every answer (counted per card)."""
    return (
        Action("fb", ("y", card_id), _("Helpful")),
        Action("fb", ("n", card_id), _("Not helpful")),
    )


def rel_title(card_id: str, cards: Mapping[str, Card]) -> str:
    """A short name for a related card on a button: in English its id's words (``open
    dispute``), in another language its status name (``Versand storniert``)."""
    card = cards.get(card_id)
    lang = i18n.current()
    if card is None or lang == i18n.DEFAULT:
        return card_id.replace("-", " ")
    return status_label(card.text(lang).title)


BUTTON_LABEL = 48
"""Status buttons stay short enough to read on a phone (Telegram cuts long ones)."""


def status_label(title: str) -> str:
    """A card title as a button: the status part ("Shipment cancelled: the parcel got
    stuck..." is "Shipment cancelled"), cut at a word when still long."""
    label = title.split(": ", 1)[0].split(" (", 1)[0].strip()
    if len(label) <= BUTTON_LABEL:
        return label
    first = label.split(", ", 1)[0]  # "Payment being verified, not confirmed, or ..."
    if len(first) <= BUTTON_LABEL:
        return first
    return label[: BUTTON_LABEL - 1].rsplit(" ", 1)[0].rstrip(",;") + "…"


def status_buttons(cards: list[Card] | tuple[Card, ...]) -> tuple[Action, ...]:
    lang = i18n.current()
    return tuple(Action("card", (c.id,), status_label(c.text(lang).title)) for c in cards)


def not_sure(near: tuple[Card, ...]) -> Reply:
    """No sure answer: a few likely statuses to choose from, or one line when nothing
    came close (an off-topic question gets no keyboard)."""
    if not near:
        return Reply(
            text=_(
                "I explain AliExpress order statuses: try /why <status>, "
                "e.g. /why shipment cancelled."
            ),
            kind=ReplyKind.INFO,
            personal=False,
            not_sure=True,
        )
    return Reply(
        text=_("I'm not sure which status that is, so I won't guess. Is it one of these?"),
        actions=status_buttons(near[:MAX_NEAR]),
        kind=ReplyKind.INFO,
        personal=False,
        not_sure=True,
    )


def triage(ctx: CommandContext, card_ids: tuple[str, ...]) -> Reply:
    """A generic "why was my order cancelled?": ask which status the order page shows."""
    cards = [ctx.matcher.cards[c] for c in card_ids if c in ctx.matcher.cards]
    return Reply(
        text=_(
            "Orders are cancelled or closed for different reasons. "
            "Which status does your order page show?"
        ),
        actions=status_buttons(cards),
        kind=ReplyKind.INFO,
        personal=False,
        footer=_("Or paste the status: /why <status>"),
    )


def index(ctx: CommandContext) -> Reply:
    """/why with nothing after it: how to ask, and the commonest statuses."""
    common = [ctx.matcher.cards[c] for c in ctx.matcher.triage if c in ctx.matcher.cards]
    return Reply(
        text=_("Paste the status from your order page, or ask your question."),
        actions=status_buttons(common),
        kind=ReplyKind.INFO,
        personal=False,
        footer=_("Example: /why shipment cancelled"),
    )


async def why(ctx: CommandContext, request: Request) -> Reply:
    question = split_args(request, ("question",))["question"]
    question = check_text(question, _("Question"), MAX_QUESTION)
    if not question:
        return index(ctx)
    compact = not request.is_private
    if compact and request.community_id:
        settings = await ctx.store.get_community(request.platform, request.community_id)
        compact = settings.compact
    cards = ctx.matcher.cards
    exact = cards.get(question.lower())
    if exact is not None:  # a card id, as Discord's autocomplete sends it
        return render_card(exact, compact=compact, cards=cards)
    result = ctx.matcher.match(question)
    if result.triage:
        return triage(ctx, result.triage)
    alts = tuple(cards[a.card] for a in result.alternatives if a.card in cards)
    if result.card is None:
        await keep_unanswered(ctx, request, question)
        return not_sure(alts)
    close = tuple(
        c for a, c in zip(result.alternatives, alts, strict=True) if result.score - a.score <= 15
    )
    return render_card(cards[result.card], close, compact=compact, cards=cards)


async def keep_unanswered(ctx: CommandContext, request: Request, question: str) -> None:
    """Keep the text of a question no card answered, without who asked it, so card
    authors can add aliases; older ones than WHYBOT_UNANSWERED_RETENTION go."""
    now = ctx.clock.now()
    try:
        await ctx.store.add_unanswered(request.platform, request.community_id, question, now)
        await ctx.store.prune_unanswered(now - ctx.settings.unanswered_retention, 100)
    except Exception:  # never worth failing the answer over
        log.exception("keeping an unanswered question failed")


async def show_card(
    ctx: CommandContext, request: Request, card_id: str, *, full: bool = False
) -> Reply:
    """A card from a button: compact in a group unless ``full`` ("More")."""
    card = ctx.matcher.cards.get(card_id)
    if card is None:
        return error(_("That card no longer exists. Try /why <status>."))
    reply = render_card(card, compact=not (full or request.is_private), cards=ctx.matcher.cards)
    if full and not request.is_private:
        # The whole card is for the one who asked for it: ephemeral or in private,
        # not another 20 lines in the group.
        reply = replace(reply, personal=True)
    return reply


async def contacted_help(ctx: CommandContext, request: Request) -> Reply:
    hours = ctx.settings.seller_window.total_seconds() / 3600
    window = f"{hours:g}h"
    return Reply(
        text=_(
            "Tell me the order number: /contacted <order>. If the seller has not "
            "answered in %(window)s, I'll remind you to open a dispute."
        )
        % {"window": window},
        kind=ReplyKind.INFO,
        personal=True,
        footer=_("Example: /contacted 8123456789012345 48h"),
    )
