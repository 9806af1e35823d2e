"""The matching vocabulary shared by every card (lexicon.yaml): stop words, concepts
(words that mean the same thing across the seven languages), near concepts, and the
words that show a text is about a shop order.

A word is read as one *key*, in this order:

1. an API code (``in_cancel``, ``buyer_pay_timeout``) is its own key, never cut;
2. a word listed in a concept (exactly, after folding) is that concept (``#seller``);
3. a word that starts with a negative prefix and goes on with a concept word is "not"
   plus that concept ("unpaid" = not + pay, "nieopłacone" = nie + opłacone);
4. a long word made of two concept words (German compounds: ``stornierungsanfrage`` =
   Stornierung + Anfrage, also ``autocancel``) is both concepts;
5. a word that starts with a concept's prefix entry (``verif*``) is that concept; the
   longest prefix wins, so ``shipment*`` can sit apart from the verb forms of "ship";
6. anything else is cut to a 5-letter prefix stem (:func:`knowledge.text.stem`).

Loading checks the file: unknown fields, empty or too short entries, and collisions (the
same word or prefix in two concepts, or a word that is both a stop word and a concept
word) are :class:`LexiconError`, one line naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from knowledge.card import LANGUAGES
from knowledge.loader import CardError, read_mapping
from knowledge.text import fold, is_code, stem

LEXICON = Path(__file__).with_name("lexicon.yaml")

LEXICON_LANGUAGES: tuple[str, ...] = (*LANGUAGES, "ru-latn")
"""Languages a lexicon list may be filed under (ru-latn: Russian typed in Latin letters)."""

MIN_PREFIX = 4
"""A prefix entry (``verif*``) must keep at least this many letters."""
MIN_COMPOUND = 9
"""Only words at least this long are tried as two-word compounds."""
MIN_PART = 4
"""Each part of a compound has at least this many letters."""
FIELDS = (
    "stopwords",
    "concepts",
    "negative_prefixes",
    "near",
    "context",
    "triage",
    "elsewhere",
)
NOT = "not"
"""The concept negative prefixes add (un-paid = not + pay)."""


class LexiconError(CardError):
    """lexicon.yaml is broken. The message names the file and the field, in one line."""


def concept_key(name: str) -> str:
    """The key a concept is matched under; never equal to a word stem or an API code."""
    return "#" + name


class Lexicon:
    """Stop words, concepts and context words, with :meth:`resolve` for one token."""

    def __init__(
        self,
        stopwords: Iterable[str] = (),
        exact: dict[str, str] | None = None,
        prefixes: dict[str, str] | None = None,
        near: dict[str, frozenset[str]] | None = None,
        context: Iterable[str] = (),
        negative_prefixes: Iterable[str] = (),
        triage_keys: Iterable[str] = (),
        triage_cards: Iterable[str] = (),
        elsewhere: Iterable[str] = (),
        ours: Iterable[str] = (),
    ) -> None:
        self.stopwords = frozenset(stopwords)
        self.exact = dict(exact or {})
        self.prefixes = dict(prefixes or {})
        self.near = dict(near or {})
        self.context = frozenset(context)
        self.negative_prefixes = tuple(sorted(negative_prefixes, key=len, reverse=True))
        self.not_key = concept_key(NOT)
        self.triage_keys = frozenset(triage_keys)
        """Keys of a generic question ("why was my order cancelled?"): a text that says
        nothing else is answered with a question back, not a card."""
        self.triage_cards = tuple(triage_cards)
        """The cards offered to choose from then, in order."""
        self.elsewhere = frozenset(elsewhere)
        """Other shops and apps: a text naming one is not about an AliExpress order..."""
        self.ours = frozenset(ours)
        """...unless it names AliExpress too."""
        self._longest = max((len(p) for p in self.prefixes), default=0)
        self.resolve = lru_cache(maxsize=16384)(self._resolve)

    # -- reading one token -------------------------------------------------------------

    def concept(self, word: str) -> str | None:
        """The concept a word belongs to, by exact form or by its longest prefix entry."""
        found = self.exact.get(word)
        if found is not None:
            return found
        for n in range(min(len(word), self._longest), MIN_PREFIX - 1, -1):
            found = self.prefixes.get(word[:n])
            if found is not None:
                return found
        return None

    def split(self, word: str) -> tuple[str, str] | None:
        """Two concepts a compound word is made of (Stornierungsanfrage), or None."""
        if len(word) < MIN_COMPOUND or "_" in word:
            return None
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            right = self.concept(word[i:])
            if right is None:
                continue
            left_word = word[:i]
            left = self.concept(left_word)
            if left is None and left_word.endswith("s") and i - 1 >= MIN_PART:
                left = self.concept(left_word[:-1])  # German linking s: Sicherheit-s-
            if left is not None:
                return left, right
        return None

    def _resolve(self, word: str) -> tuple[str, ...]:
        """The key(s) a folded, non-stop-word token is read as (see the module doc)."""
        if is_code(word):
            return (word,)
        found = self.exact.get(word)
        if found is not None:
            return (found,)
        for neg in self.negative_prefixes:
            if word.startswith(neg) and len(word) - len(neg) >= MIN_PART:
                rest = self.concept(word[len(neg) :])
                if rest is not None and rest != self.not_key:
                    return (self.not_key, rest)
        parts = self.split(word)
        if parts is not None:
            return parts
        found = self.concept(word)
        if found is not None:
            return (found,)
        return (stem(word),)

    # -- loading -----------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path = LEXICON) -> Lexicon:
        """Read and check lexicon.yaml; raise :class:`LexiconError` when it is broken."""
        name = path.name
        raw = read_mapping(path, LexiconError)
        unknown = sorted(str(k) for k in raw if k not in FIELDS)
        if unknown:
            raise LexiconError(f"{name}: {unknown[0]}: unknown field; use {', '.join(FIELDS)}")

        def words_by_language(field: str, value: object) -> list[str]:
            if value is None:
                return []
            if not isinstance(value, dict):
                raise LexiconError(f"{name}: {field}: expected languages mapped to word lists")
            out: list[str] = []
            for lang, words in value.items():
                where = f"{field}.{lang}"
                if lang not in LEXICON_LANGUAGES:
                    raise LexiconError(
                        f"{name}: {where}: unknown language; use {', '.join(LEXICON_LANGUAGES)}"
                    )
                if not isinstance(words, list):
                    raise LexiconError(f"{name}: {where}: expected a list of words")
                for w in words:
                    if not isinstance(w, str) or not w.strip():
                        raise LexiconError(f"{name}: {where}: {w!r} is not a word")
                    out.append(fold(w.strip()))
            return out

        stopwords = set(words_by_language("stopwords", raw.get("stopwords")))
        concepts = raw.get("concepts") or {}
        if not isinstance(concepts, dict):
            raise LexiconError(f"{name}: concepts: expected concept names mapped to languages")
        exact: dict[str, str] = {}
        prefixes: dict[str, str] = {}
        owner: dict[tuple[str, str], str] = {}  # (kind, entry) -> concept name
        for concept, by_lang in concepts.items():
            field = f"concepts.{concept}"
            key = concept_key(str(concept))
            for entry in words_by_language(field, by_lang):
                if entry.endswith("*"):
                    kind, word, table = "prefix", entry[:-1], prefixes
                    if len(word) < MIN_PREFIX or not word.isalpha():
                        raise LexiconError(
                            f"{name}: {field}: prefix '{entry}' needs at least "
                            f"{MIN_PREFIX} letters before '*'"
                        )
                else:
                    kind, word, table = "word", entry, exact
                    if " " in word or "*" in word:
                        raise LexiconError(
                            f"{name}: {field}: '{entry}' must be one word (or a prefix*)"
                        )
                    if word in stopwords:
                        raise LexiconError(
                            f"{name}: {field}: '{entry}' is also a stop word (stopwords)"
                        )
                other = owner.get((kind, word))
                if other is not None and other != concept:
                    raise LexiconError(
                        f"{name}: {field}: {kind} '{entry}' collides with concepts.{other}"
                    )
                owner[(kind, word)] = str(concept)
                table[word] = key

        near: dict[str, set[str]] = {}
        raw_near = raw.get("near") or []
        if not isinstance(raw_near, list):
            raise LexiconError(f"{name}: near: expected a list of concept groups")
        for group in raw_near:
            if not isinstance(group, list) or len(group) < 2:
                raise LexiconError(f"{name}: near: {group!r} must list two or more concepts")
            for c in group:
                if c not in concepts:
                    raise LexiconError(f"{name}: near: unknown concept '{c}'")
            for c in group:
                near.setdefault(concept_key(c), set()).update(
                    concept_key(o) for o in group if o != c
                )
        context = words_by_language("context", raw.get("context"))
        negative = raw.get("negative_prefixes") or []
        if not isinstance(negative, list) or not all(
            isinstance(p, str) and p.strip() for p in negative
        ):
            raise LexiconError(f"{name}: negative_prefixes: expected a list of word beginnings")
        if negative and NOT not in concepts:
            raise LexiconError(f"{name}: negative_prefixes: needs a concept named '{NOT}'")
        triage = raw.get("triage") or {}
        if not isinstance(triage, dict) or set(triage) - {"concepts", "cards"}:
            raise LexiconError(f"{name}: triage: expected a mapping with concepts and cards")
        triage_concepts = triage.get("concepts") or []
        triage_cards = triage.get("cards") or []
        for field, items in (("concepts", triage_concepts), ("cards", triage_cards)):
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise LexiconError(f"{name}: triage.{field}: expected a list of names")
        for c in triage_concepts:
            if c not in concepts:
                raise LexiconError(f"{name}: triage.concepts: unknown concept '{c}'")
        elsewhere = raw.get("elsewhere") or {}
        if not isinstance(elsewhere, dict) or set(elsewhere) - {"names", "unless"}:
            raise LexiconError(f"{name}: elsewhere: expected a mapping with names and unless")
        lists: dict[str, list[str]] = {}
        for field in ("names", "unless"):
            items = elsewhere.get(field) or []
            if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                raise LexiconError(f"{name}: elsewhere.{field}: expected a list of words")
            lists[field] = [fold(i.strip()) for i in items]
        return cls(
            stopwords,
            exact,
            prefixes,
            {k: frozenset(v) for k, v in near.items()},
            context,
            [fold(p.strip()) for p in negative],
            [concept_key(c) for c in triage_concepts],
            triage_cards,
            lists["names"],
            lists["unless"],
        )
