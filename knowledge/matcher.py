"""Maps free text to the card it is about, or to nothing when it is not sure.

How it decides, in short: every alias, question and title of a card is a *phrase*.
The query's words are folded (case, accents), typos are corrected against the words
the cards use (RapidFuzz), words are cut to a prefix stem so that "cancelled",
"canceled" and "cancellation" meet, and stop words are dropped. Each word a card uses
weighs by how few cards use it (a word in every card says little). A card scores by
its best phrase: how much of that phrase's weight the query covers, times how sure the
typo corrections were. Below a threshold, or when no distinctive word matched at all,
there is no answer.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from knowledge.card import Card
from knowledge.text import fold, stem, tokens

LEXICON = Path(__file__).with_name("lexicon.yaml")

ACCEPT = 65.0
"""A card is answered only at or above this score (0-100)."""
ALTERNATIVE = 45.0
"""Other cards at or above this score are offered as alternatives."""
MIN_EVIDENCE = 1.2
"""At least this much matched word weight is needed: one rare word, or two common ones."""
TYPO_CUTOFF = 82.0
"""How alike (fuzz.ratio) an unknown word must be to a card word to count as a typo of it."""
MIN_TYPO_LEN = 4
UNKNOWN_WEIGHT = 0.3
"""What a word no card uses weighs in the query's total (a card word weighs 0.4 to 2.6)."""
QUERY_COVER_SHARE = 0.25
"""How much of the score depends on explaining the whole query rather than the phrase."""
LONE_WORD_MAX_CONTENT = 2
"""A one-word phrase answers a text without order context only if it has this few words."""


@dataclass(frozen=True, slots=True)
class Alternative:
    card: str
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """The answer to a query: ``card`` is None when the matcher is not sure."""

    card: str | None
    score: float
    alternatives: tuple[Alternative, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "card": self.card,
            "score": self.score,
            "alternatives": [{"card": a.card, "score": a.score} for a in self.alternatives],
        }


@dataclass(frozen=True, slots=True)
class _Query:
    stems: dict[str, float]
    unknown: int
    context: bool


@dataclass(frozen=True, slots=True)
class _Phrase:
    card: str
    stems: frozenset[str]
    weight: float


class Lexicon:
    def __init__(
        self,
        stopwords: frozenset[str],
        synonyms: dict[str, str],
        context: frozenset[str] = frozenset(),
    ) -> None:
        self.stopwords = stopwords
        self.synonyms = synonyms
        self.context = context
        self.context_stems = frozenset(stem(synonyms.get(w, w)) for w in context)

    @classmethod
    def load(cls, path: Path = LEXICON) -> Lexicon:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        stop = frozenset(fold(w) for words in raw.get("stopwords", {}).values() for w in words)
        syn: dict[str, str] = {}
        for head, forms in (raw.get("synonyms") or {}).items():
            for form in forms:
                syn[fold(form)] = fold(head)
        context = frozenset(fold(w) for words in raw.get("context", {}).values() for w in words)
        return cls(stop, syn, context)


class Matcher:
    """Built once from the cards; ``match`` is pure and fast (no I/O)."""

    def __init__(self, cards: dict[str, Card], lexicon: Lexicon | None = None) -> None:
        self.cards = cards
        self.lexicon = lexicon or Lexicon.load()
        phrases: list[tuple[str, list[str]]] = []
        for card in cards.values():
            texts = [card.title, *card.questions]
            for forms in card.aliases.values():
                texts.extend(forms)
            for text in texts:
                words = [w for w in tokens(text) if w not in self.lexicon.stopwords]
                if words:
                    phrases.append((card.id, words))
        self.vocabulary: tuple[str, ...] = tuple(sorted({w for _, ws in phrases for w in ws}))
        self._known = frozenset(self.vocabulary)
        cards_using: dict[str, set[str]] = defaultdict(set)
        for card_id, words in phrases:
            for w in words:
                cards_using[self._stem(w)].add(card_id)
        n = len(cards)
        self.weights: dict[str, float] = {
            s: math.log(1 + n / len(ids)) for s, ids in cards_using.items()
        }
        self._phrases: dict[str, list[_Phrase]] = defaultdict(list)
        seen: set[tuple[str, frozenset[str]]] = set()
        for card_id, words in phrases:
            stems = frozenset(self._stem(w) for w in words)
            if (card_id, stems) in seen:
                continue
            seen.add((card_id, stems))
            entry = _Phrase(card_id, stems, sum(self.weights[s] for s in stems))
            for s in stems:
                self._phrases[s].append(entry)
        self._titles = {cid: fold(c.title) for cid, c in cards.items()}
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)

    def _stem(self, word: str) -> str:
        return stem(self.lexicon.synonyms.get(word, word))

    def _correct_uncached(self, word: str) -> tuple[str, float] | None:
        """The card word an unknown word is a typo of, with how sure (0-1)."""
        if len(word) < MIN_TYPO_LEN:
            return None
        found = process.extractOne(
            word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
        )
        if found is None:
            return None
        return found[0], found[1] / 100.0

    def _read_query(self, text: str) -> _Query:
        """The query's stems with how sure each is (1.0 for a known word, less for a
        corrected typo), and what else it says."""
        stems: dict[str, float] = {}
        unknown = 0
        context = False
        for word in tokens(text):
            if word in self.lexicon.context:
                context = True
            if word in self.lexicon.stopwords:
                continue
            s, conf = self._stem(word), 1.0
            if s not in self.weights:
                fixed = self._correct(word)
                if fixed is None:
                    unknown += 1
                    continue
                s, conf = self._stem(fixed[0]), fixed[1]
            if s in self.lexicon.context_stems:
                context = True
            if stems.get(s, 0.0) < conf:
                stems[s] = conf
        return _Query(stems, unknown, context)

    def scores(self, text: str) -> dict[str, float]:
        """Every card with any evidence, scored 0-100."""
        query = self._read_query(text)
        q_stems = query.stems
        if not q_stems:
            return {}
        # Weight of everything the query says: its card words, and a little for words
        # no card uses (a long story is mostly those, so they count for little).
        q_weight = sum(self.weights[s] for s in q_stems) + UNKNOWN_WEIGHT * query.unknown
        content_words = len(q_stems) + query.unknown
        best: dict[str, float] = {}
        checked: set[int] = set()
        for s in q_stems:
            for phrase in self._phrases.get(s, ()):
                key = id(phrase)
                if key in checked:
                    continue
                checked.add(key)
                if (
                    len(phrase.stems) == 1
                    and not query.context
                    and content_words > LONE_WORD_MAX_CONTENT
                ):
                    # "frozen" alone is a status only when the text is about an order:
                    # "my phone screen is frozen" is not.
                    continue
                matched = 0.0
                sure = 0.0
                for ps in phrase.stems:
                    conf = q_stems.get(ps)
                    if conf is not None:
                        w = self.weights[ps]
                        matched += w
                        sure += w * conf
                if matched < MIN_EVIDENCE:
                    continue
                phrase_cover = matched / phrase.weight
                query_cover = matched / q_weight
                score = (
                    100.0
                    * phrase_cover
                    * (sure / matched)
                    * (1.0 - QUERY_COVER_SHARE + QUERY_COVER_SHARE * query_cover)
                )
                if score > best.get(phrase.card, 0.0):
                    best[phrase.card] = score
        return best

    def match(self, text: str) -> Match:
        """The best card for ``text`` with a 0-100 score and up to three alternatives,
        or ``card=None`` when no card is a sure answer."""
        if not isinstance(text, str) or not text.strip():
            return Match(None, 0.0)
        ranked = sorted(self.scores(text).items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked:
            return Match(None, 0.0)
        top_id, top = ranked[0]
        alts = tuple(Alternative(cid, round(sc, 1)) for cid, sc in ranked[1:4] if sc >= ALTERNATIVE)
        if top < ACCEPT:
            # Not sure: offer what came closest as alternatives, answer nothing.
            near = tuple(
                Alternative(cid, round(sc, 1)) for cid, sc in ranked[:3] if sc >= ALTERNATIVE
            )
            return Match(None, round(top, 1), near)
        return Match(top_id, round(top, 1), alts)

    def suggest(self, text: str, limit: int = 25) -> list[tuple[str, float]]:
        """Cards for a partly typed status, best first (for autocomplete and inline search).

        More forgiving than :meth:`match`: it also ranks by how the titles and aliases
        start, so "ship" already offers shipment-cancelled. Empty text lists every card."""
        if not text.strip():
            return [(cid, 0.0) for cid in self.cards][:limit]
        ranked = dict(self.scores(text))
        folded = fold(text)[:100]
        for cid, title in self._titles.items():
            sim = fuzz.partial_ratio(folded, title) * 0.9
            if sim > ranked.get(cid, 0.0):
                ranked[cid] = sim
        out = sorted(ranked.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(cid, round(sc, 1)) for cid, sc in out if sc >= 50.0][:limit]
