"""Loading and validating the card files."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from knowledge.card import LANGUAGES, Card, CardText

CARDS_DIR = Path(__file__).with_name("cards")

_Yaml = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (several times faster), else the pure one."""


class CardError(Exception):
    """A card file is broken. The message names the file and the field, in one line."""


def _describe(exc: ValidationError) -> str:
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err.get("loc", ())) or "(card)"
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    return f"{field}: {msg}" + (f" (and {more} more problem(s))" if more else "")


def read_mapping(path: Path, error: type[CardError] = CardError) -> dict[object, object]:
    """The YAML mapping in ``path``; ``error`` (one line naming the file) when it cannot be
    read, is not YAML, or is not a mapping."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Yaml)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path.name}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise error(f"{path.name}:{line} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise error(f"{path.name}: expected a mapping of fields, got {type(raw).__name__}")
    return raw


def load_card(path: Path) -> Card:
    raw = read_mapping(path)
    try:
        card = Card.model_validate(raw)
    except ValidationError as exc:
        raise CardError(f"{path.name}: {_describe(exc)}") from None
    if card.id != path.stem:
        raise CardError(f"{path.name}: id: '{card.id}' must match the file name '{path.stem}'")
    return card


def load_cards(directory: Path | None = None) -> dict[str, Card]:
    """Load every ``*.yaml`` card in ``directory`` (the packaged cards by default).

    Raises :class:`CardError` for the first broken file or a broken cross-reference."""
    directory = directory or CARDS_DIR
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise CardError(f"{directory}: no card files (*.yaml) found")
    cards: dict[str, Card] = {}
    for path in paths:
        card = load_card(path)
        cards[card.id] = card
    for card in cards.values():
        for rel in card.related:
            if rel not in cards:
                raise CardError(f"{card.id}.yaml: related: unknown card id '{rel}'")
    return with_translations(cards, directory / I18N_DIR)


I18N_DIR = "i18n"
"""Beside the cards: ``i18n/<lang>.yaml``, every card's texts in one more language."""


def load_translations(path: Path, cards: dict[str, Card]) -> dict[str, CardText]:
    """The texts of every card in one language file; CardError naming the file and the
    field when a card or a field is missing, unknown, or has items the English lacks."""
    raw = read_mapping(path)
    unknown = sorted(str(k) for k in raw if k not in cards)
    if unknown:
        raise CardError(f"{path.name}: {unknown[0]}: no such card")
    out: dict[str, CardText] = {}
    for card_id, card in cards.items():
        entry = raw.get(card_id)
        if entry is None:
            raise CardError(f"{path.name}: {card_id}: missing (every card needs a translation)")
        try:
            text = CardText.model_validate(entry)
        except ValidationError as exc:
            raise CardError(f"{path.name}: {card_id}.{_describe(exc)}") from None
        for field in ("causes", "steps"):
            if len(getattr(text, field)) != len(getattr(card, field)):
                raise CardError(
                    f"{path.name}: {card_id}.{field}: {len(getattr(text, field))} items, "
                    f"the English card has {len(getattr(card, field))}"
                )
        out[card_id] = text
    return out


def with_translations(cards: dict[str, Card], directory: Path) -> dict[str, Card]:
    """The cards with their texts in every language of LANGUAGES that has a file in
    ``directory``; a card set without that folder stays English only."""
    if not directory.is_dir():
        return cards
    extra = sorted(p.stem for p in directory.glob("*.yaml") if p.stem not in LANGUAGES)
    if extra:
        raise CardError(f"{directory.name}/{extra[0]}.yaml: not one of {', '.join(LANGUAGES)}")
    by_language = {
        lang: load_translations(directory / f"{lang}.yaml", cards)
        for lang in LANGUAGES[1:]
        if (directory / f"{lang}.yaml").is_file()
    }
    return {
        cid: card.model_copy(
            update={"translations": {lang: texts[cid] for lang, texts in by_language.items()}}
        )
        for cid, card in cards.items()
    }


def missing_translations(cards: dict[str, Card]) -> list[str]:
    """Languages some card has no texts in (for ``python -m knowledge check``)."""
    return [
        lang for lang in LANGUAGES[1:] if any(lang not in c.translations for c in cards.values())
    ]
