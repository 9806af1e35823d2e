"""Maps free text to the card it is about, or to nothing when it is not sure.

How it decides, in short: every alias, question and title of a card is a *phrase*. The
words of phrases and queries are folded (case, accents) and read as *keys* through the
lexicon (lexicon.yaml, see :mod:`knowledge.lexicon`): words that mean the same thing in
any of the seven languages become one concept ("shop", "vendedor", "Händler" are all
``#seller``; "verified", "under review", "geprüft" are ``#verify``), "unpaid" is not + pay,
German compounds are split, API codes stay whole, other words are cut to a 5-letter stem.
Unknown words are corrected as typos of the words the cards and the lexicon use
(RapidFuzz). Each key weighs by how few cards use it.

A card scores by its best phrase: the share of that phrase's weight the query covers,
squared (a near concept, "closed" for "cancelled", counts at a discount), times how sure
the typo corrections were, times how much of the query the phrase and the card explain.
A phrase found word for word in a longer story ("...it says cancelled by the seller...")
gains a little; a one-word phrase ("frozen") needs order context, and counts less in a
text full of unknown words. Below a threshold, or when no distinctive key matched, there
is no answer: a wrong answer in a community channel is worse than none.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.card import Card
from knowledge.classifier import NULL, TRIAGE, Classifier, features, packaged_classifier
from knowledge.lexicon import LEXICON, Lexicon
from knowledge.semantic import Embedder, packaged_embedder
from knowledge.text import MAX_QUERY_CHARS, fold, is_code, tokens

__all__ = ["LEXICON", "Alternative", "Lexicon", "Match", "Matcher"]

ACCEPT = 65.0
"""A card is answered only at or above this score (0-100)."""
ALTERNATIVE = 45.0
"""Other cards at or above this score are offered as alternatives."""
MIN_EVIDENCE = 1.2
"""At least this much matched key weight is needed: one rare key, or two common ones."""
TYPO_CUTOFF = 82.0
"""How alike (fuzz.ratio) an unknown word must be to a card word to count as a typo of it."""
MIN_TYPO_LEN = 4
MAX_TYPO_LEN = 40
MIN_TYPO_TRUNCATED = 6
"""A word shorter than this that only gains or loses an ending is not a typo (cart/carte)."""
UNKNOWN_WEIGHT = 0.3
"""What a word no card uses weighs in the query's total (a card key weighs 0.4 to 2.6)."""
PHRASE_QUERY_SHARE = 0.2
"""How much of the score depends on the best phrase explaining the whole query..."""
CARD_QUERY_SHARE = 0.15
"""...and how much on the card (all its phrases together) explaining it."""
COVER_POWER = 2.0
"""A phrase that is only partly covered loses more than its missing share."""
VERBATIM_GAIN = 0.3
"""A multi-word phrase found word for word in the text ("...says cancelled by the seller...",
stop words aside) closes this share of the gap between its score and 100."""
MIN_COVER = 0.5
"""Phrases the query covers less than this are not scored at all (they could not reach
an answer or an alternative)."""
NEAR_CREDIT = 0.7
"""How much a near concept counts for the one a phrase has ("closed" for "cancelled")."""
LONE_WORD_MAX_CONTENT = 1
"""A one-key phrase answers a text without order context only if it has this few words
(the lexicon's context words: "frozen" answers "order frozen" but not "frozen pizza")."""
SUGGEST_MIN = 50.0
"""Cards below this score are not suggested."""
SUGGEST_STARTS = 90.0
"""Suggestion score of a card with a title or status alias that starts with the typed text,
plus up to SUGGEST_LENGTH for how much of the label the text already is."""
SUGGEST_WORD_STARTS = 80.0
"""...with a word that starts with the typed text (plus up to SUGGEST_LENGTH)."""
SUGGEST_LENGTH = 10.0
SUGGEST_FUZZY = 0.85
"""...and this share of how alike (partial ratio) the text and a title or alias are,"""
SUGGEST_FUZZY_CUTOFF = 80.0
"""...when they are at least this alike, and the text has at least 3 characters."""
SUGGEST_FUZZY_MIN_CHARS = 3
SEMANTIC_ALONE = 0.80
"""When the lexicon is not sure, a card whose English phrasing is this alike (cosine of
static embeddings) to the text answers on that alone..."""
SEMANTIC_AGREE = 0.70
"""A card the lexicon also ranks first (at least LEXICON_AGREE) needs only this much..."""
LEXICON_AGREE = 30.0
SEMANTIC_NEAR = 0.70
"""...and one among the lexicon's first three (at least LEXICON_NEAR), this much."""
LEXICON_NEAR = 40.0
SEMANTIC_ALTERNATIVE = 0.4
"""A not-sure answer offers a card as an alternative only if it is at least this alike."""
CLASSIFIER_ACCEPT = 0.4
"""The classifier's first class answers at this probability or more (it has a class for
off-topic text, so a low probability means it saw nothing like the text)..."""
CLASSIFIER_ALONE = 0.8
"""...on its own at this probability; below it, only where the lexicon agrees: ranks
the card first, or scores it at least CLASSIFIER_LEXICON."""
CLASSIFIER_LEXICON = 20.0
CLASSIFIER_SECOND = 0.3
"""Where the lexicon is sure (ACCEPT) of a card the classifier ranks second to "none"
at this probability or more, the lexicon's card is answered."""
CLASSIFIER_ALTERNATIVE = 0.1
"""A not-sure answer offers the cards the classifier gives at least this probability."""
TRIAGE_MAX_UNKNOWN = 2
"""A generic question ("why did my order get cancelled so suddenly") may carry this many
words no card uses; more, and it is about something else."""


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
    triage: tuple[str, ...] = ()
    """Set (with ``card`` None) for a generic question such as "why was my order
    cancelled?": the cards to ask the user to choose from, by which status they see."""

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "card": self.card,
            "score": self.score,
            "alternatives": [{"card": a.card, "score": a.score} for a in self.alternatives],
        }
        if self.triage:
            out["triage"] = list(self.triage)
        return out


@dataclass(frozen=True, slots=True)
class _Query:
    keys: dict[str, float]
    unknown: int
    context: bool
    sequence: tuple[str, ...] = ()
    """The keys in the order the words came, "?" for a word no card uses."""
    read: tuple[tuple[bool, str], ...] = ()
    """Every word as (is a stop word, key) for the classifier: card keys as above, and
    the stem of a word no card uses."""


@dataclass(frozen=True, slots=True)
class _Phrase:
    card: str
    keys: frozenset[str]
    weight: float
    lone: bool
    """One key that is not an API code: it needs order context in a longer text."""


class Matcher:
    """Built once from the cards; ``match`` is pure and fast (no I/O)."""

    def __init__(
        self,
        cards: dict[str, Card],
        lexicon: Lexicon | None = None,
        embedder: Embedder | bool | None = True,
        classifier: Classifier | bool | None = True,
    ) -> None:
        """``embedder``: the static embeddings for the semantic signal (True: the packaged
        ones; False or None: lexicon only). ``classifier``: the learned signal (True: the
        shipped model, which needs the packaged embeddings; False or None: none)."""
        self.cards = cards
        self.lexicon = lexicon or Lexicon.load()
        self.embedder = packaged_embedder() if embedder is True else (embedder or None)
        if classifier is True:
            classifier = packaged_classifier() if self.embedder is not None else None
        self.classifier: Classifier | None = classifier or None
        if self.classifier is not None:
            # Only the classes this card set has: a card removed from a live card folder
            # is never answered, and one added is left to the lexicon.
            known = {*cards, TRIAGE, NULL}
            self._c_usable = np.array([c in known for c in self.classifier.classes])
        self._build_semantic()
        lex = self.lexicon
        phrases: list[tuple[str, list[str], frozenset[str], str, str]] = []
        for card in cards.values():
            texts = [card.title, *card.questions]
            for forms in card.aliases.values():
                texts.extend(forms)
            for text in texts:
                words = [w for w in tokens(text) if w not in lex.stopwords]
                sequence = [k for w in words for k in lex.resolve(w)]
                keys = frozenset(sequence)
                if keys:
                    verbatim = f" {' '.join(sequence)} " if len(sequence) > 1 else ""
                    phrases.append((card.id, words, keys, verbatim, text))
        # Typos are corrected towards the words the cards use, the lexicon's words, and
        # the longer stop and context words ("ordr" is "order": no content, but context).
        vocab = {w for _, ws, *_ in phrases for w in ws} | set(lex.exact)
        vocab |= {w for w in lex.stopwords | lex.context if len(w) >= MIN_TYPO_LEN}
        self.vocabulary: tuple[str, ...] = tuple(sorted(vocab))
        # Typos rarely hit the first letter: looking only at words that start the same
        # keeps a correction to a few microseconds.
        by_initial: dict[str, list[str]] = defaultdict(list)
        for w in self.vocabulary:
            by_initial[w[0]].append(w)
        self._by_initial = {c: tuple(ws) for c, ws in by_initial.items()}
        cards_using: dict[str, set[str]] = defaultdict(set)
        for card_id, _, keys, *_ in phrases:
            for k in keys:
                cards_using[k].add(card_id)
        n = len(cards)
        self.weights: dict[str, float] = {
            k: math.log(1 + n / len(ids)) for k, ids in cards_using.items()
        }
        self._card_keys: dict[str, frozenset[str]] = {
            cid: frozenset(k for k, ids in cards_using.items() if cid in ids) for cid in cards
        }
        # The phrase index: for each key, the phrases that have it (by position in
        # self._phrases), and the phrases that have a near concept of it.
        self._phrases: list[_Phrase] = []
        postings: dict[str, list[int]] = defaultdict(list)
        near_postings: dict[str, list[tuple[int, str]]] = defaultdict(list)
        seen: dict[tuple[str, frozenset[str]], int] = {}
        verbatims: list[set[str]] = []
        self._p_text: list[str] = []
        for card_id, _, keys, verbatim, text in phrases:
            index = seen.get((card_id, keys))
            if index is not None:
                if verbatim:
                    verbatims[index].add(verbatim)
                continue
            index = seen[(card_id, keys)] = len(self._phrases)
            self._p_text.append(text)
            verbatims.append({verbatim} if verbatim else set())
            lone = len(keys) == 1 and not is_code(next(iter(keys)))
            self._phrases.append(_Phrase(card_id, keys, sum(self.weights[k] for k in keys), lone))
            for k in keys:
                postings[k].append(index)
                for other in lex.near.get(k, ()):
                    near_postings[other].append((index, k))
        self._postings = {k: tuple(v) for k, v in postings.items()}
        # The key sequences of multi-word phrases ("cancelled by the seller" is
        # "#cancel #seller"), to spot a status pasted whole into a longer story.
        self._verbatim = tuple(tuple(sorted(v)) for v in verbatims)
        self._p_weight = tuple(p.weight for p in self._phrases)
        self._p_card = tuple(p.card for p in self._phrases)
        self._p_lone = tuple(p.lone for p in self._phrases)
        self._p_keys = tuple(p.keys for p in self._phrases)
        self._near_postings = {k: tuple(v) for k, v in near_postings.items()}
        # For suggest(): every title and status alias, folded, with its card.
        labels: dict[str, str] = {}
        for cid, card in cards.items():
            for label in (card.title, *(a for forms in card.aliases.values() for a in forms)):
                labels.setdefault(" ".join(fold(label).split()), cid)
        self._labels = tuple(labels)
        self._spaced_labels = tuple(f" {label}" for label in labels)
        self._label_cards = tuple(labels.values())
        self._correct = lru_cache(maxsize=8192)(self._correct_uncached)
        self.triage: tuple[str, ...] = tuple(c for c in lex.triage_cards if c in cards)

    def _build_semantic(self) -> None:
        """Every card's English title, questions and aliases as unit vectors: the static
        embeddings read English best, and the lexicon already serves the other languages."""
        if self.embedder is None:
            return
        texts: list[str] = []
        starts: list[int] = []
        self._sem_ids = tuple(self.cards)
        for card in self.cards.values():
            # each card's phrases are one run of rows, so a card's best is one reduceat
            starts.append(len(texts))
            texts.extend((card.title, *card.questions, *card.aliases.get("en", ())))
        self._sem_vectors = self.embedder.embed_many(texts)
        self._sem_starts = np.asarray(starts, dtype=np.intp)

    def semantic(self, text: str) -> list[tuple[str, float]]:
        """Cards by how alike their nearest English phrasing is to ``text`` (cosine), best
        first; empty without an embedder or for a text without tokens."""
        if self.embedder is None or not isinstance(text, str):
            return []
        vector = self.embedder.embed(text[:MAX_QUERY_CHARS])
        if vector is None:
            return []
        best = np.maximum.reduceat(self._sem_vectors @ vector, self._sem_starts)
        order = np.argsort(-best)
        return [(self._sem_ids[i], float(best[i])) for i in order]

    @staticmethod
    def _semantic_answer(
        ranked: list[tuple[str, float]], lexicon: list[tuple[str, float]]
    ) -> str | None:
        """The card the semantic signal (``ranked``) answers when the lexicon (``lexicon``,
        its cards best first) is not sure: alone when very alike, or where both agree."""
        if not ranked:
            return None
        card, sim = ranked[0]
        if sim >= SEMANTIC_ALONE:
            return card
        for i, (cid, score) in enumerate(lexicon[:3]):
            if cid != card:
                continue
            if i == 0 and score >= LEXICON_AGREE and sim >= SEMANTIC_AGREE:
                return card
            if score >= LEXICON_NEAR and sim >= SEMANTIC_NEAR:
                return card
        return None

    def overlaps(self) -> list[str]:
        """Phrases of different cards that read the same (same keys): a text that says
        just that cannot tell the cards apart. For ``python -m knowledge check``."""
        by_keys: dict[frozenset[str], list[int]] = defaultdict(list)
        for i, phrase in enumerate(self._phrases):
            by_keys[phrase.keys].append(i)
        out = []
        for same in by_keys.values():
            if len({self._phrases[i].card for i in same}) > 1:
                out.append(
                    " and ".join(f"{self._phrases[i].card}: '{self._p_text[i]}'" for i in same)
                    + " read the same"
                )
        return out

    # -- reading the query -------------------------------------------------------------

    def _correct_uncached(self, word: str) -> tuple[str, float] | None:
        """The known word an unknown word is a typo of, with how sure (0-1), or None."""
        if len(word) < MIN_TYPO_LEN or len(word) > MAX_TYPO_LEN:
            return None
        found = process.extractOne(
            word, self._by_initial.get(word[0], ()), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
        )
        if found is None:
            return None
        fixed = found[0]
        if min(len(word), len(fixed)) < MIN_TYPO_TRUNCATED and (
            fixed.startswith(word) or word.startswith(fixed)
        ):
            # "cart" is not a typo of "carte", nor "later" of "late": a short word that
            # only grows or loses an ending is another word ("progres" is a typo).
            return None
        return fixed, found[1] / 100.0

    def _read_query(self, words: list[str]) -> _Query:
        """The query's keys with how sure each is (1.0 for a known word, less for a
        corrected typo), how many words no card uses, and whether it is about an order."""
        lex = self.lexicon
        stopwords = lex.stopwords
        weights = self.weights
        keys: dict[str, float] = {}
        sequence: list[str] = []
        read: list[tuple[bool, str]] = []
        unknown = 0
        context = False
        for word in words:
            if word in lex.context:
                context = True
            if word in stopwords:
                read.append((True, word))
                continue
            conf = 1.0
            resolved = lex.resolve(word)
            found = [k for k in resolved if k in weights]
            if not found:
                fixed = self._correct(word)
                if fixed is not None:
                    word, conf = fixed
                    if word in lex.context:
                        context = True
                    if word in stopwords:
                        read.append((True, word))
                        continue
                    found = [k for k in lex.resolve(word) if k in weights]
                if not found:
                    unknown += 1
                    sequence.append("?")
                    read.extend((False, k) for k in resolved)
                    continue
            sequence.extend(found)
            read.extend((False, k) for k in found)
            for k in found:
                if keys.get(k, 0.0) < conf:
                    keys[k] = conf
        return _Query(keys, unknown, context, tuple(sequence), tuple(read))

    def read_words(self, words: list[str]) -> list[tuple[bool, str]]:
        """Words as the classifier reads them: (is a stop word, key) pairs."""
        return list(self._read_query(words).read)

    # -- scoring -----------------------------------------------------------------------

    def scores(self, text: str) -> dict[str, float]:
        """Every card with any evidence, scored 0-100."""
        words = tokens(text) if isinstance(text, str) else []
        return self._score(self._read_query(words))

    def _elsewhere(self, words: list[str]) -> bool:
        """The text names another shop or app ("amazon", "mercado livre") and not ours."""
        lex = self.lexicon
        if not lex.elsewhere or not lex.ours.isdisjoint(words):
            return False
        if not lex.elsewhere.isdisjoint(words):
            return True
        pairs = {f"{a} {b}" for a, b in itertools.pairwise(words)}
        return not lex.elsewhere.isdisjoint(pairs)

    def _is_generic(self, query: _Query) -> bool:
        """The text says only that the order was cancelled or closed (and perhaps asks
        why), about an order: which status it is cannot be told."""
        # "for no reason" / "sin motivo" is still the generic question, and a word read
        # only as a typo of a card word ("mano" as "mando") counts as an unknown word.
        sure = {k for k, conf in query.keys.items() if conf >= 1.0} - {self.lexicon.not_key}
        guessed = sum(1 for conf in query.keys.values() if conf < 1.0)
        return (
            bool(sure)
            and sure <= self.lexicon.triage_keys
            and query.unknown + guessed <= TRIAGE_MAX_UNKNOWN
            and (query.context or query.unknown == 0)
        )

    def _score(self, query: _Query) -> dict[str, float]:
        q_keys = query.keys
        if not q_keys:
            return {}
        weights = self.weights
        # Weight of everything the query says: its card keys, and a little for words no
        # card uses (a long story is mostly those, so they count for little).
        q_weight = sum(weights[k] for k in q_keys) + UNKNOWN_WEIGHT * query.unknown
        content_words = len(q_keys) + query.unknown
        # Key at a time: add up, for every phrase that shares a key with the query, the
        # weight it matched, and what it lost to unsure typo corrections.
        matched: dict[int, float] = {}
        doubt: dict[int, float] = {}
        postings = self._postings
        for k, conf in q_keys.items():
            w = weights[k]
            for i in postings.get(k, ()):
                matched[i] = matched.get(i, 0.0) + w
            if conf < 1.0:
                lost = w * (1.0 - conf)
                for i in postings.get(k, ()):
                    doubt[i] = doubt.get(i, 0.0) + lost
        # A near concept stands in for a key the query lacks ("closed" for "cancelled").
        if self._near_postings:
            near_credit: dict[tuple[int, str], float] = {}
            p_keys = self._p_keys
            for k, conf in q_keys.items():
                credit = conf * NEAR_CREDIT
                for i, pk in self._near_postings.get(k, ()):
                    # Only for a key the query lacks, and only with a word the phrase
                    # does not use already ("cancelled" is not also "closed").
                    if (
                        pk not in q_keys
                        and k not in p_keys[i]
                        and credit > near_credit.get((i, pk), 0.0)
                    ):
                        near_credit[(i, pk)] = credit
            for (i, pk), credit in near_credit.items():
                matched[i] = matched.get(i, 0.0) + weights[pk] * credit
        best: dict[str, float] = {}
        explained: dict[str, float] = {}
        lone_ok = query.context or content_words <= LONE_WORD_MAX_CONTENT
        p_weight, p_card, p_lone, p_verbatim = (
            self._p_weight,
            self._p_card,
            self._p_lone,
            self._verbatim,
        )
        card_keys = self._card_keys
        q_text: str | None = None
        base = 1.0 - PHRASE_QUERY_SHARE - CARD_QUERY_SHARE
        known_share = 1.0 - UNKNOWN_WEIGHT * query.unknown / q_weight
        for i, got in matched.items():
            if got < MIN_EVIDENCE:
                continue
            cover = got / p_weight[i]
            if cover < MIN_COVER:
                continue
            if p_lone[i] and not lone_ok:
                # "frozen" alone is a status only when the text is about an order:
                # "my phone screen is frozen" is not.
                continue
            card = p_card[i]
            if 100.0 * cover <= best.get(card, 0.0):
                continue  # cannot beat this card's best phrase
            explains = explained.get(card)
            if explains is None:
                keys = card_keys[card]
                explains = sum(weights[k] for k in q_keys if k in keys) / q_weight
                explained[card] = explains
            score = (
                100.0
                * cover**COVER_POWER
                * (1.0 - doubt.get(i, 0.0) / got)
                * (
                    base
                    + PHRASE_QUERY_SHARE * min(1.0, got / q_weight)
                    + CARD_QUERY_SHARE * explains
                )
            )
            if p_lone[i] and query.unknown:
                # One word ("Refund") in a text that is mostly about other things
                # ("refund policy for digital goods on steam") is weak evidence.
                score *= math.sqrt(known_share)
            if cover >= 1.0 and p_verbatim[i]:
                if q_text is None:
                    q_text = f" {' '.join(query.sequence)} "
                for v in p_verbatim[i]:
                    if v in q_text:
                        score += (100.0 - score) * VERBATIM_GAIN
                        break
            if score > best.get(card, 0.0):
                best[card] = score
        return best

    def classify(self, text: str) -> list[tuple[str, float]]:
        """The classifier's classes (card ids, ``triage``, ``null``) by probability, best
        first; empty without a classifier."""
        if self.classifier is None or not isinstance(text, str) or not text.strip():
            return []
        words = tokens(text)
        return self._classify(words, self._read_query(words))

    def _classify(self, words: list[str], query: _Query) -> list[tuple[str, float]]:
        clf = self.classifier
        if clf is None or not query.read:
            return []
        vector = self.embedder.embed_words(words) if self.embedder else None
        p = clf.proba(features(list(query.read)), vector)
        p = np.where(self._c_usable, p, 0.0)
        order = np.argsort(-p)[:5]
        return [(clf.classes[i], float(p[i])) for i in order]

    def match(self, text: str) -> Match:
        """The best card for ``text`` with a 0-100 score and up to three alternatives,
        or ``card=None`` when no card is a sure answer."""
        if not isinstance(text, str) or not text.strip():
            return Match(None, 0.0)
        words = tokens(text)
        if self._elsewhere(words):
            return Match(None, 0.0)  # "amazon cancelled my order": another shop's order
        query = self._read_query(words)
        if self.classifier is not None:
            return self._decide(words, query)
        ranked = sorted(self._score(query).items(), key=lambda kv: (-kv[1], kv[0]))
        return self._decide_lexicon(text, query, ranked)

    def _decide(self, words: list[str], query: _Query) -> Match:
        """Lexicon and classifier together: the classifier's class when it is sure, or
        fairly sure and the lexicon agrees; the generic question gets triage."""
        classes = self._classify(words, query)
        best, prob = classes[0] if classes else (NULL, 0.0)
        # A text that hinges on one status word among others ("frozen yogurt near me",
        # "closed on sundays?"), with no order word, is answered only where the lexicon's
        # phrases find the card too.
        grounded = query.context or query.unknown == 0 or len(query.keys) > query.unknown
        if prob >= CLASSIFIER_ALONE and grounded and best not in (NULL, TRIAGE):
            # Sure on its own: the lexicon's scores would change nothing (and cost most
            # of the time a query takes).
            alts = tuple(
                Alternative(cid, round(100.0 * p, 1))
                for cid, p in classes[1:4]
                if cid not in (NULL, TRIAGE) and p >= CLASSIFIER_ALTERNATIVE
            )
            return Match(best, round(100.0 * prob, 1), alts)
        ranked = sorted(self._score(query).items(), key=lambda kv: (-kv[1], kv[0]))
        top_id, top = ranked[0] if ranked else ("", 0.0)
        lexicon = dict(ranked)
        generic = top < ACCEPT and self._is_generic(query)
        # ...unless the lexicon is sure of a card the classifier barely doubts
        lexicon_sure = top >= ACCEPT and prob < CLASSIFIER_ACCEPT
        if generic or (best == TRIAGE and grounded and not lexicon_sure):
            return Match(None, round(top, 1), triage=self.triage)
        likely = dict(classes)
        if best == NULL and top >= ACCEPT and likely.get(top_id, 0.0) >= CLASSIFIER_SECOND:
            # The lexicon is sure and the classifier torn between it and nothing ("bought
            # it on aliexpress not amazon, shipment cancelled"): the lexicon's card.
            best, prob = top_id, max(likely[top_id], CLASSIFIER_ACCEPT)
        if (
            best not in (NULL, TRIAGE)
            and prob >= CLASSIFIER_ACCEPT
            and (
                lexicon.get(best, 0.0) >= ACCEPT
                or (
                    grounded
                    and (
                        prob >= CLASSIFIER_ALONE
                        or best == top_id
                        or lexicon.get(best, 0.0) >= CLASSIFIER_LEXICON
                    )
                )
            )
        ):
            alts = tuple(
                Alternative(cid, round(sc, 1))
                for cid, sc in ranked[:4]
                if sc >= ALTERNATIVE and cid != best
            )[:3]
            return Match(best, round(max(lexicon.get(best, 0.0), 100.0 * prob), 1), alts)
        # Not sure: offer what the classifier or the lexicon found likely, answer nothing.
        near: list[Alternative] = []
        for cid, p in classes:
            if cid not in (NULL, TRIAGE) and p >= CLASSIFIER_ALTERNATIVE:
                near.append(Alternative(cid, round(max(lexicon.get(cid, 0.0), 100.0 * p), 1)))
        for cid, sc in ranked[:3]:
            if sc >= ALTERNATIVE and all(a.card != cid for a in near):
                near.append(Alternative(cid, round(sc, 1)))
        near.sort(key=lambda a: -a.score)
        return Match(None, round(top, 1), tuple(near[:3]))

    def _decide_lexicon(self, text: str, query: _Query, ranked: list[tuple[str, float]]) -> Match:
        """Lexicon, with the semantic signal when it is not sure (no classifier)."""
        top_id, top = ranked[0] if ranked else ("", 0.0)
        if top < ACCEPT and self._is_generic(query):
            return Match(None, round(top, 1), triage=self.triage)
        likeness: dict[str, float] | None = None
        if top < ACCEPT and query.keys:
            # Only a text with at least one word the cards use: "order order order" or
            # pure chatter must not be answered by likeness alone.
            alike = self.semantic(text)
            found = self._semantic_answer(alike, ranked)
            if found is not None:
                alts = tuple(
                    Alternative(cid, round(sc, 1))
                    for cid, sc in ranked[:3]
                    if sc >= ALTERNATIVE and cid != found
                )
                return Match(found, round(max(top, ACCEPT), 1), alts)
            likeness = dict(alike) if alike else None
        if not ranked:
            return Match(None, 0.0)
        if top < ACCEPT:
            # Not sure: offer what came closest as alternatives (when the semantic signal
            # does not find them unlike the text), answer nothing.
            near = tuple(
                Alternative(cid, round(sc, 1))
                for cid, sc in ranked[:3]
                if sc >= ALTERNATIVE
                and (likeness is None or likeness.get(cid, 0.0) >= SEMANTIC_ALTERNATIVE)
            )
            return Match(None, round(top, 1), near)
        alts = tuple(Alternative(cid, round(sc, 1)) for cid, sc in ranked[1:4] if sc >= ALTERNATIVE)
        return Match(top_id, round(top, 1), alts)

    def suggest(self, text: str, limit: int = 25) -> list[tuple[str, float]]:
        """Cards for a partly typed status, best first (for autocomplete and inline search).

        More forgiving than :meth:`match`: it also ranks by the titles and status aliases
        (every language) that start with the text, have a word that starts with it, or
        contain something like it, so "ship" already offers shipment-cancelled and
        "отмен" the Russian "cancelled" statuses. Empty text lists every card."""
        limit = max(limit, 0)
        if not isinstance(text, str) or not text.strip():
            return [(cid, 0.0) for cid in self.cards][:limit]
        ranked = dict(self.scores(text))
        typed = " ".join(fold(text[:MAX_QUERY_CHARS]).split())[:100]

        def offer(cid: str, score: float) -> None:
            if score > ranked.get(cid, 0.0):
                ranked[cid] = score

        # The more of a label the text already is, the better ("ship" is more of
        # "Shipment cancelled" than of "shipping deadline passed").
        word_start = f" {typed}"
        n = len(typed)
        for label, spaced, cid in zip(
            self._labels, self._spaced_labels, self._label_cards, strict=True
        ):
            if label.startswith(typed):
                offer(cid, SUGGEST_STARTS + SUGGEST_LENGTH * n / len(label))
            elif word_start in spaced:
                offer(cid, SUGGEST_WORD_STARTS + SUGGEST_LENGTH * n / len(label))
        if n >= SUGGEST_FUZZY_MIN_CHARS:
            for _, sim, i in process.extract(
                typed,
                self._labels,
                scorer=fuzz.partial_ratio,
                score_cutoff=SUGGEST_FUZZY_CUTOFF,
                limit=None,
            ):
                offer(self._label_cards[i], sim * SUGGEST_FUZZY)
        out = sorted(ranked.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(cid, round(sc, 1)) for cid, sc in out if sc >= SUGGEST_MIN][:limit]
