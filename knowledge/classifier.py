"""A learned signal beside the lexicon: a small linear classifier trained on buyer messages.

The lexicon reads a text as concept keys ("shop", "vendedor", "Händler" are all
``#seller``); the cards' phrases say which keys belong to which card. That reads pasted
statuses and short questions well, but a story ("ordered a lamp for my mum's birthday,
paid on friday, today it just says closed, wtf") or slang ("seller bailed") has words no
phrase has, and a hand-set scoring cannot tell which of them matter. This classifier
learns that from labelled messages (``tests/data/training/*.yaml`` and the other sets
:data:`TRAINING_SETS` lists, written apart from the cards, plus the cards' own phrases):

- *features*: the same keys the lexicon reads (so a word learned in English also counts
  in the six other languages it maps from), stop words (``why``, ``still``, ``not``), pairs
  of neighbouring keys (``#seller #cancel`` is not ``#cancel #seller``), and the text's
  static embedding (:mod:`knowledge.semantic`) for words no key covers;
- *model*: multinomial logistic regression (softmax) over the cards, ``triage`` (the
  generic "why was my order cancelled") and ``null`` (anything else), trained by full-batch
  Adam with a little L2, in numpy, deterministically from zeros;
- *cost*: a query sums one row per feature and multiplies one 128-wide vector: a few
  microseconds beside the tokenizing the matcher does anyway.

The trained weights ship as ``knowledge/model/classifier.npz`` with a fingerprint of what
they were trained from; ``python -m knowledge train`` rebuilds them, and a test fails when
the cards' phrases, the lexicon or the training files changed since.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from knowledge.card import Card
from knowledge.loader import CardError
from knowledge.semantic import Embedder

__all__ = [
    "MODEL",
    "NULL",
    "TRAINING_DIR",
    "TRIAGE",
    "Classifier",
    "Example",
    "ModelError",
    "card_examples",
    "fingerprint",
    "load_examples",
    "packaged_classifier",
    "train",
    "training_files",
]

HERE = Path(__file__).resolve().parent
MODEL = HERE / "model" / "classifier.npz"
TRAINING_DIR = HERE.parent / "tests" / "data"
"""Where the labelled messages are in a source checkout (the installed package has only
the trained model)."""
TRAINING_SETS = (
    "training/*.yaml",
    "devset.yaml",
    "holdout.yaml",
    "tuneset.yaml",
    "tuneset2.yaml",
    "frozen.yaml",
)
"""The files (globs) under TRAINING_DIR the model learns from. ``frozen2.yaml`` stays out
to check the model on, and ``frozen3.yaml`` is the yardstick nobody tunes on."""
NULL = "null"
"""The class of a text that is about none of the cards."""
TRIAGE = "triage"
"""The class of the generic "why was my order cancelled?": ask which status it shows."""
FEATURES_VERSION = 1
"""Bump when :func:`features` changes: the shipped model no longer fits and is retrained."""
CHAR_GRAM = 4
CHAR_MIN = 4
"""Letter 4-grams of stems at least this long that no concept covers."""
EPOCHS = 600
LEARNING_RATE = 0.05
L2 = 1e-5


class ModelError(RuntimeError):
    """The shipped model is missing or unreadable."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    """A card id, TRIAGE or NULL."""
    lang: str = "en"


Reader = Callable[[list[str]], list[tuple[bool, str]]]
"""Words to (is a stop word, key) pairs, as the matcher reads them (typos corrected)."""


def features(read: list[tuple[bool, str]]) -> set[str]:
    """The sparse features of a text read as (stop word?, key) pairs."""
    out = {"bias"}
    content: list[str] = []
    for stop, key in read:
        if stop:
            out.add("s:" + key)
            continue
        out.add("u:" + key)
        content.append(key)
        if len(key) >= CHAR_MIN and key[0] != "#":
            # A stem no concept covers also counts by its letters, so an inflected or
            # misspelt form ("zamówka", "paczki") shares something with the ones seen.
            w = f"<{key}>"
            out.update("c:" + w[i : i + CHAR_GRAM] for i in range(len(w) - CHAR_GRAM + 1))
    for a, b in itertools.pairwise(content):
        out.add(f"b:{a} {b}")
    return out


class Classifier:
    """Class probabilities for a text; built by :func:`train` or loaded from a file."""

    def __init__(
        self,
        classes: Sequence[str],
        vocabulary: Sequence[str],
        weights: np.ndarray,
        dense: np.ndarray,
        meta: dict[str, object] | None = None,
    ) -> None:
        self.classes = tuple(classes)
        self.index = {f: i for i, f in enumerate(vocabulary)}
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)  # (features, classes)
        self.dense = np.ascontiguousarray(dense, dtype=np.float32)  # (dimensions, classes)
        self.meta = dict(meta or {})

    @property
    def dimensions(self) -> int:
        return int(self.dense.shape[0])

    def logits(self, feats: Iterable[str], vector: np.ndarray | None) -> np.ndarray:
        ids = [i for f in feats if (i := self.index.get(f)) is not None]
        z = self.weights[ids].sum(axis=0)
        if vector is not None and vector.shape[0] == self.dimensions:
            z += vector @ self.dense
        return z

    def proba(self, feats: Iterable[str], vector: np.ndarray | None) -> np.ndarray:
        """Probability of each of :attr:`classes` (softmax of the logits)."""
        z = self.logits(feats, vector)
        z = np.exp(z - z.max())
        return z / z.sum()

    # -- files ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        vocabulary = sorted(self.index, key=self.index.__getitem__)
        with path.open("wb") as f:
            np.savez_compressed(
                f,
                classes=np.array(self.classes),
                vocabulary=np.array(vocabulary),
                weights=self.weights.astype(np.float16),
                dense=self.dense,
                meta=np.array(json.dumps(self.meta, sort_keys=True)),
            )

    @classmethod
    def load(cls, path: Path = MODEL) -> Classifier:
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(
                    [str(c) for c in data["classes"]],
                    data["vocabulary"].tolist(),
                    data["weights"].astype(np.float32),
                    data["dense"],
                    json.loads(str(data["meta"])),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"{path}: cannot read the classifier ({exc})") from exc


@lru_cache(maxsize=1)
def packaged_classifier() -> Classifier:
    """The shipped classifier, loaded once per process."""
    return Classifier.load(MODEL)


# -- training data --------------------------------------------------------------------


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """Labelled messages from YAML lists of ``{q, card, lang}`` (card null: off-topic)."""
    import yaml  # only for training: the bot never reads these files

    out: list[Example] = []
    for path in paths:
        rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(rows, list):
            raise CardError(f"{path}: expected a list of {{q, card, lang}}")
        for n, row in enumerate(rows, 1):
            if not isinstance(row, dict) or not isinstance(row.get("q"), str):
                raise CardError(f"{path}: entry {n} has no text (q)")
            out.append(Example(row["q"], row.get("card") or NULL, row.get("lang") or "en"))
    return out


def training_files(directory: Path = TRAINING_DIR) -> list[Path]:
    """The training files, in a fixed order; an error when the folder has none."""
    out: list[Path] = []
    for pattern in TRAINING_SETS:
        found = sorted(directory.glob(pattern))
        if not found:
            raise CardError(f"{directory}: no training file {pattern} (run from a checkout)")
        out.extend(found)
    return out


def card_examples(cards: dict[str, Card]) -> list[Example]:
    """Every card's title, questions and aliases (every language) as labelled examples."""
    out: list[Example] = []
    for card in cards.values():
        for text in (card.title, *card.questions):
            out.append(Example(text, card.id, "en"))
        for lang, forms in card.aliases.items():
            out.extend(Example(text, card.id, lang) for text in forms)
    return out


def fingerprint(cards: dict[str, Card], files: Sequence[Path], lexicon_file: Path) -> str:
    """What a model is trained from, as one hash: the card phrases, the lexicon file, the
    training files and the feature version."""
    h = hashlib.sha256(f"features {FEATURES_VERSION} epochs {EPOCHS} l2 {L2}\n".encode())
    for ex in card_examples(cards):
        h.update(f"{ex.label}\t{ex.lang}\t{ex.text}\n".encode())
    h.update(lexicon_file.read_bytes())
    for path in files:
        h.update(path.name.encode() + b"\n" + path.read_bytes())
    return h.hexdigest()


def train(
    examples: Sequence[Example],
    read: Reader,
    embedder: Embedder | None,
    classes: Sequence[str],
    *,
    epochs: int = EPOCHS,
    l2: float = L2,
    learning_rate: float = LEARNING_RATE,
    meta: dict[str, object] | None = None,
) -> Classifier:
    """Fit the softmax regression on ``examples`` (labels outside ``classes`` are an error)."""
    from knowledge.text import tokens

    position = {c: i for i, c in enumerate(classes)}
    unknown = sorted({ex.label for ex in examples} - set(position))
    if unknown:
        raise CardError(f"training labels that are no card: {', '.join(unknown)}")
    words = [tokens(ex.text) for ex in examples]
    feats = [features(read(ws)) for ws in words]
    vocabulary: dict[str, int] = {}
    for fs in feats:
        for f in sorted(fs):
            vocabulary.setdefault(f, len(vocabulary))
    n, c, v = len(examples), len(classes), len(vocabulary)
    lengths = np.array([len(fs) for fs in feats])
    flat = np.array([vocabulary[f] for fs in feats for f in sorted(fs)], dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.intp)
    rows = np.repeat(np.arange(n), lengths)
    if embedder is not None:
        dense_in = np.zeros((n, embedder.dimensions))
        for row, ws in enumerate(words):
            vector = embedder.embed_words(ws)
            if vector is not None:
                dense_in[row] = vector
    else:
        dense_in = np.zeros((n, 0))
    target = np.zeros((n, c))
    target[np.arange(n), [position[ex.label] for ex in examples]] = 1.0
    w = np.zeros((v, c))
    u = np.zeros((dense_in.shape[1], c))
    moments = [(np.zeros_like(w), np.zeros_like(w)), (np.zeros_like(u), np.zeros_like(u))]
    for t in range(1, epochs + 1):
        z = np.add.reduceat(w[flat], starts) + dense_in @ u
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - target) / n
        gw = np.zeros_like(w)
        np.add.at(gw, flat, g[rows])
        gw += l2 * w
        gu = dense_in.T @ g + l2 * u
        for param, grad, (m1, m2) in ((w, gw, moments[0]), (u, gu, moments[1])):
            m1 *= 0.9
            m1 += 0.1 * grad
            m2 *= 0.999
            m2 += 0.001 * grad * grad
            param -= learning_rate * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
    return Classifier(classes, list(vocabulary), w, u, meta)
