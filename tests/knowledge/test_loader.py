"""Broken card and lexicon files give one-line errors that name the file and the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from knowledge import Card, CardError, load_cards
from knowledge.lexicon import Lexicon, LexiconError
from knowledge.loader import CARDS_DIR


def good_card(card_id: str = "sample-card") -> dict:
    raw = yaml.safe_load((CARDS_DIR / "shipment-cancelled.yaml").read_text(encoding="utf-8"))
    raw["id"] = card_id
    raw["related"] = []
    return raw


def write(directory: Path, name: str, data: dict | str) -> Path:
    path = directory / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(directory: Path) -> str:
    with pytest.raises(CardError) as info:
        load_cards(directory)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def test_packaged_cards_load() -> None:
    cards = load_cards()
    assert len(cards) >= 12
    assert all(isinstance(c, Card) and c.id == cid for cid, c in cards.items())


def test_a_good_card_loads(tmp_path: Path) -> None:
    write(tmp_path, "sample-card.yaml", good_card())
    assert list(load_cards(tmp_path)) == ["sample-card"]


def test_contact_seller_is_optional_and_must_be_a_boolean(tmp_path: Path) -> None:
    card = good_card()
    card.pop("contact_seller", None)
    write(tmp_path, "sample-card.yaml", card)
    assert load_cards(tmp_path)["sample-card"].contact_seller is False
    card["contact_seller"] = "sometimes"
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "contact_seller" in message


CONTACTS_SELLER = re.compile(r"\b(message|ask|contact|write to)\b.{0,25}\bseller\b", re.I)
"""A step that tells the buyer to get in touch with the seller ("Message the seller...")."""


def test_contact_seller_only_where_a_step_contacts_the_seller() -> None:
    # The "I contacted the seller" button must match the steps the card gives.
    for card in load_cards().values():
        contacts = any(CONTACTS_SELLER.search(step) for step in card.steps)
        assert card.contact_seller == contacts, card.id


def test_invalid_yaml(tmp_path: Path) -> None:
    write(tmp_path, "sample-card.yaml", "id: sample-card\ntitle: [unclosed\nsummary: x\n")
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "not valid YAML" in message
    assert "line" in message


def test_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "sample-card.yaml", "- just\n- a list\n")
    assert "sample-card.yaml" in error_of(tmp_path)


def test_missing_field(tmp_path: Path) -> None:
    card = good_card()
    del card["summary"]
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "summary" in message


def test_wrong_type(tmp_path: Path) -> None:
    card = good_card()
    card["steps"] = 5
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "steps" in message


def test_wrong_type_inside(tmp_path: Path) -> None:
    card = good_card()
    card["refund"] = {"automatic": "sometimes", "text": "x"}
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "refund.automatic" in message


def test_unknown_field(tmp_path: Path) -> None:
    card = good_card()
    card["colour"] = "blue"
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "colour" in message


def test_missing_language_in_aliases(tmp_path: Path) -> None:
    card = good_card()
    del card["aliases"]["de"]
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "aliases" in message
    assert "de" in message


def test_unknown_language_in_aliases(tmp_path: Path) -> None:
    card = good_card()
    card["aliases"]["it"] = ["spedizione annullata"]
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "aliases" in message
    assert "it" in message


def test_id_must_match_file_name(tmp_path: Path) -> None:
    write(tmp_path, "other-name.yaml", good_card("sample-card"))
    message = error_of(tmp_path)
    assert "other-name.yaml" in message
    assert "id" in message


def test_unknown_related_id(tmp_path: Path) -> None:
    card = good_card()
    card["related"] = ["no-such-card"]
    write(tmp_path, "sample-card.yaml", card)
    message = error_of(tmp_path)
    assert "sample-card.yaml" in message
    assert "related" in message
    assert "no-such-card" in message


def test_empty_directory(tmp_path: Path) -> None:
    message = error_of(tmp_path)
    assert str(tmp_path) in message
    assert "no card files" in message


# -- the lexicon ---------------------------------------------------------------------------

LEXICON_OK = """
stopwords:
  en: [the, my]
concepts:
  not:
    en: [not]
  seller:
    en: [seller*, shop]
    de: [verkäufer*]
  cancel:
    en: [cancel*]
    de: [storn*]
negative_prefixes: [un]
near:
  - [seller, cancel]
context:
  en: [order]
"""


def lexicon_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, "lexicon.yaml", text)
    with pytest.raises(LexiconError) as info:
        Lexicon.load(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("lexicon.yaml")
    return message


def test_packaged_lexicon_loads() -> None:
    lexicon = Lexicon.load()
    assert lexicon.resolve("verkaufer") == ("#seller",)
    assert lexicon.resolve("in_cancel") == ("in_cancel",)


def test_small_lexicon(tmp_path: Path) -> None:
    lexicon = Lexicon.load(write(tmp_path, "lexicon.yaml", LEXICON_OK))
    assert lexicon.resolve("shop") == ("#seller",)
    assert lexicon.resolve("verkaufers") == ("#seller",)
    assert lexicon.resolve("storniert") == ("#cancel",)
    assert lexicon.resolve("verkauferstornierung") == ("#seller", "#cancel")
    assert lexicon.resolve("uncancelled") == ("#not", "#cancel")
    assert lexicon.resolve("parcel") == ("parce",)
    assert lexicon.near["#cancel"] == frozenset({"#seller"})


def test_lexicon_error_is_a_card_error() -> None:
    assert issubclass(LexiconError, CardError)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (("shop]", "shop, cancel*]"), "concepts.seller"),  # prefix in two concepts
        (("  cancel:\n    en: [cancel*]", "  cancel:\n    en: [cancel*, shop]"), "concepts.cancel"),
        (("en: [the, my]", "en: [the, my, shop]"), "concepts.seller"),  # also a stop word
        (("en: [cancel*]", "en: [ca*]"), "concepts.cancel"),  # prefix too short
        (("en: [cancel*]", "en: [cancel it]"), "concepts.cancel"),  # two words
        (("  - [seller, cancel]", "  - [seller, refund]"), "near"),  # unknown concept
        (("de: [storn*]", "xx: [storn*]"), "concepts.cancel.xx"),  # unknown language
        (("context:", "colour: 1\ncontext:"), "colour"),  # unknown field
        (("stopwords:\n  en: [the, my]", "stopwords: [the, my]"), "stopwords"),
    ],
)
def test_broken_lexicon(tmp_path: Path, change: tuple[str, str], field: str) -> None:
    old, new = change
    assert old in LEXICON_OK
    assert field in lexicon_error(tmp_path, LEXICON_OK.replace(old, new, 1))


def test_lexicon_invalid_yaml(tmp_path: Path) -> None:
    assert "not valid YAML" in lexicon_error(tmp_path, "concepts: [unclosed\n")
