"""The semantic signal: embeddings shipped in the wordllama wheel, loaded offline, used
only when the lexicon is not sure, and never to answer another shop's question."""

from __future__ import annotations

import socket
import sys

import numpy as np
import pytest

from knowledge import Matcher, default_matcher, load_cards
from knowledge.semantic import Embedder, ModelMissing, package_files


def test_weights_and_tokenizer_come_from_the_installed_wheel() -> None:
    weights, tokenizer = package_files()
    assert weights.is_file() and tokenizer.is_file()
    assert "site-packages" in str(weights) or "dist-packages" in str(weights)


def test_loading_needs_no_network_and_does_not_import_wordllama(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the embeddings must load without any network access")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.delitem(sys.modules, "wordllama", raising=False)
    embedder = Embedder.from_package()
    assert "wordllama" not in sys.modules  # its import configures the root logger
    vector = embedder.embed("my parcel never arrived")
    assert vector is not None and vector.shape == (embedder.dimensions,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert embedder.embed("") is None


def test_alike_texts_are_closer_than_unrelated_ones() -> None:
    embedder = Embedder.from_package()
    a, b, c = (
        embedder.embed(t)
        for t in ("my package never arrived", "the parcel did not come", "best phone under 200")
    )
    assert a is not None and b is not None and c is not None
    assert float(a @ b) > float(a @ c) + 0.2


def test_a_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("knowledge.semantic.PACKAGE", "no_such_package_here")
    with pytest.raises(ModelMissing, match="not installed"):
        package_files()


@pytest.mark.parametrize(
    "text, card",
    [
        ("never got my package", "item-not-received"),
        ("tracking says no information", "tracking-not-updating"),
    ],
)
def test_semantic_signal_answers_what_the_lexicon_alone_does_not(text: str, card: str) -> None:
    lexicon_only = Matcher(load_cards(), embedder=False)
    with_semantic = default_matcher()
    assert lexicon_only.match(text).card is None
    assert with_semantic.match(text).card == card


@pytest.mark.parametrize(
    "text",
    [
        "amazon cancelled my order why",
        "shein refund how long",
        "ebay seller not responding what do i do",
        "meu pedido da shein foi cancelado",
        "amazon bestellung storniert warum",
    ],
)
def test_another_shops_order_gets_no_answer(text: str) -> None:
    found = default_matcher().match(text)
    assert found.card is None and found.triage == ()


def test_naming_aliexpress_too_keeps_it_in_scope() -> None:
    found = default_matcher().match("bought it on aliexpress not amazon, shipment cancelled")
    assert found.card == "shipment-cancelled"
