"""The learned signal: a softmax classifier over the lexicon's keys and the static
embedding, trained on labelled messages, shipped as a small file, kept in step with its
training data, and never answering a card the card set does not have."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from knowledge import Matcher, default_matcher, load_cards
from knowledge.classifier import (
    MODEL,
    NULL,
    TRIAGE,
    Classifier,
    Example,
    ModelError,
    card_examples,
    features,
    fingerprint,
    packaged_classifier,
    train,
    training_files,
)
from knowledge.lexicon import LEXICON

DATA = Path(__file__).resolve().parents[1] / "data"
"""The labelled sets beside the tests (CI runs the tests outside the source tree)."""


def test_the_shipped_model_was_trained_on_the_current_cards_lexicon_and_data() -> None:
    """Editing a card's phrases, the lexicon or a training file without running
    ``python -m knowledge train`` leaves a stale model: this says so."""
    model = packaged_classifier()
    files = training_files(DATA)
    assert model.meta["fingerprint"] == fingerprint(load_cards(), files, LEXICON), (
        "the classifier is stale: run `python -m knowledge train` and commit "
        "knowledge/model/classifier.npz"
    )
    assert set(model.meta["files"]) == {f.name for f in files}


def test_the_model_knows_every_card_triage_and_null() -> None:
    model = packaged_classifier()
    assert set(model.classes) == {*load_cards(), TRIAGE, NULL}


def test_frozen_sets_are_not_trained_on() -> None:
    names = {f.name for f in training_files(DATA)}
    assert "frozen2.yaml" not in names and "frozen3.yaml" not in names


def test_features_are_keys_stop_words_ordered_pairs_and_letters_of_unknown_stems() -> None:
    got = features([(True, "why"), (False, "#seller"), (False, "#cancel"), (False, "paczk")])
    assert got == {
        "bias",
        "s:why",
        "u:#seller",
        "u:#cancel",
        "u:paczk",
        "b:#seller #cancel",
        "b:#cancel paczk",
        # a stem no concept covers also counts by its letter 4-grams
        "c:<pac",
        "c:pacz",
        "c:aczk",
        "c:czk>",
    }
    assert "b:#cancel #seller" not in got


def _words(words: list[str]) -> list[tuple[bool, str]]:
    return [(w in {"the", "my"}, w) for w in words]


def test_training_learns_what_separates_the_classes() -> None:
    examples = [
        Example("parcel lost", "a"),
        Example("my parcel lost again", "a"),
        Example("the parcel is lost", "a"),
        Example("refund late", "b"),
        Example("my refund is late", "b"),
        Example("the refund late again", "b"),
        Example("nice weather", NULL),
        Example("the weather", NULL),
    ]
    model = train(examples, _words, None, ["a", "b", NULL], epochs=200)
    from knowledge.text import tokens

    def best(text: str) -> str:
        p = model.proba(features(_words(tokens(text))), None)
        return model.classes[int(np.argmax(p))]

    assert best("lost parcel") == "a"
    assert best("late refund") == "b"
    assert best("weather") == NULL


def test_training_refuses_labels_that_are_no_class() -> None:
    from knowledge import CardError

    with pytest.raises(CardError, match="no card: nope"):
        train([Example("x", "nope")], _words, None, ["a", NULL], epochs=1)


def test_a_saved_model_loads_back_the_same(tmp_path: Path) -> None:
    examples = [Example("parcel lost", "a"), Example("weather", NULL)]
    model = train(examples, _words, None, ["a", NULL], epochs=20, meta={"k": 1})
    path = tmp_path / "m.npz"
    model.save(path)
    back = Classifier.load(path)
    assert back.classes == model.classes and back.meta == {"k": 1}
    feats = features(_words(["parcel", "lost"]))
    assert np.allclose(back.proba(feats, None), model.proba(feats, None), atol=1e-3)


def test_a_broken_model_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="cannot read the classifier"):
        Classifier.load(path)


def test_a_card_missing_from_the_card_set_is_never_answered() -> None:
    """A live card folder without a card: the classifier's class for it is ignored."""
    cards = load_cards()
    text = "the shop guy told me he cant send it and wants me to hit cancel"
    assert default_matcher().match(text).card == "seller-cancelled"
    del cards["seller-cancelled"]
    found = Matcher(cards).match(text)
    assert found.card != "seller-cancelled"
    assert all(a.card != "seller-cancelled" for a in found.alternatives)


def test_card_phrases_in_every_language_are_training_examples() -> None:
    examples = card_examples(load_cards())
    assert {ex.lang for ex in examples} >= {"en", "es", "pt", "fr", "ru", "pl", "de"}
    assert len({ex.label for ex in examples}) == len(load_cards())


@pytest.mark.parametrize(
    "text, card",
    [
        ("my stuff never showed up and its been two months", "item-not-received"),
        ("opened the box and the glass was smashed to pieces", "item-not-as-described"),
        ("got 3 of the 5 things i ordered, where is the rest", "partial-shipment"),
    ],
)
def test_the_classifier_reads_what_the_lexicon_alone_does_not(text: str, card: str) -> None:
    lexicon_only = Matcher(load_cards(), classifier=False)
    assert lexicon_only.match(text).card is None
    assert Matcher(load_cards(), classifier=False, embedder=False).match(text).card is None
    assert default_matcher().match(text).card == card


def test_python_m_knowledge_train_writes_a_model_that_loads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "training").mkdir(parents=True)
    rows = [
        {"q": "seller cancelled my order out of stock", "card": "seller-cancelled", "lang": "en"},
        {"q": "best phone case", "card": None, "lang": "en"},
    ]
    for name in (
        "training/a.yaml",
        *(f"{n}.yaml" for n in ("devset", "holdout", "tuneset", "tuneset2", "frozen")),
    ):
        (data / name).write_text(yaml.safe_dump(rows), encoding="utf-8")
    out = tmp_path / "model.npz"
    done = subprocess.run(
        [sys.executable, "-m", "knowledge", "train", "--data", str(data), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "trained on" in done.stdout
    model = Classifier.load(out)
    assert model.meta["files"] == [
        "a.yaml",
        "devset.yaml",
        "holdout.yaml",
        "tuneset.yaml",
        "tuneset2.yaml",
        "frozen.yaml",
    ]
    assert json.loads(json.dumps(model.meta))["examples"] > len(rows) * 6


def test_python_m_knowledge_train_without_data_says_so_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "knowledge",
            "train",
            "--data",
            str(tmp_path),
            "--out",
            str(tmp_path / "m.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "no training file" in done.stderr
    assert not (tmp_path / "m.npz").exists()
    assert MODEL.is_file()


@pytest.mark.parametrize(
    "text",
    ["frozen vegetables", "frozen yogurt shop near me", "closed on sundays?", "my laptop froze"],
)
def test_a_status_word_in_a_text_about_other_things_needs_the_lexicon_too(text: str) -> None:
    """One status word in a text about something else: the classifier alone would say
    "frozen" is the frozen order; the matcher answers nothing, and no triage."""
    found = default_matcher().match(text)
    assert found.card is None and found.triage == ()
