"""Which of whybot's languages a question is written in: pure, from the lexicon's stop
words per language and the cards' aliases. ``None`` when the text does not say clearly."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from knowledge.card import LANGUAGES, Card
from knowledge.lexicon import LEXICON, LexiconError
from knowledge.loader import read_mapping
from knowledge.text import fold, tokens

MIN_SCORE = 1.5
"""More than one word of the language (a lone "ok" or "no" says too little)."""
MARGIN = 1.5
"""The best language must score this many times the runner-up."""

# Letters that only some of the languages write: strong evidence, read before folding.
_LETTERS: dict[str, str] = {
    **dict.fromkeys("ąćęłńśźż", "pl"),
    **dict.fromkeys("ñ¿¡", "es"),
    **dict.fromkeys("ãõ", "pt"),
    **dict.fromkeys("ßäöü", "de"),
    **dict.fromkeys("èêëîïûùœ", "fr"),
}


def _words(texts: Iterable[str]) -> set[str]:
    return {t for text in texts for t in tokens(text)}


class LanguageDetector:
    """Scores each language by the words of a text that its vocabulary holds, a word shared
    by n languages counting 1/n; letters of one language count one each; Cyrillic is Russian."""

    def __init__(self, vocab: dict[str, set[str]]) -> None:
        owners: dict[str, set[str]] = defaultdict(set)
        for lang, words in vocab.items():
            for w in words:
                owners[w].add(lang)
        self.owners = {w: frozenset(langs) for w, langs in owners.items()}

    @classmethod
    def build(cls, cards: Iterable[Card], stopwords: dict[str, list[str]]) -> LanguageDetector:
        vocab: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
        for lang, words in stopwords.items():
            if lang in vocab:
                vocab[lang] |= {fold(w) for w in words}
        for card in cards:
            for lang, aliases in card.aliases.items():
                if lang in vocab:
                    vocab[lang] |= _words(aliases)
        return cls(vocab)

    def scores(self, text: str) -> dict[str, float]:
        score: dict[str, float] = defaultdict(float)
        sample = text[:600]
        cyrillic = sum(1 for ch in sample if "\u0400" <= ch <= "\u04ff")
        if cyrillic:
            score["ru"] += cyrillic / 3
        for ch in sample.casefold():
            lang = _LETTERS.get(ch)
            if lang:
                score[lang] += 1
        for word in tokens(sample):
            langs = self.owners.get(word)
            if langs:
                for lang in langs:
                    score[lang] += 1 / len(langs)
        return dict(score)

    def detect(self, text: str) -> str | None:
        """The language of ``text``, or None when it is unclear (too short, mixed, unknown)."""
        ranked = sorted(self.scores(text).items(), key=lambda kv: kv[1], reverse=True)
        if not ranked or ranked[0][1] < MIN_SCORE:
            return None
        if len(ranked) > 1 and ranked[0][1] < MARGIN * ranked[1][1]:
            return None
        return ranked[0][0]


def lexicon_stopwords() -> dict[str, list[str]]:
    raw = read_mapping(LEXICON, LexiconError)
    stop = raw.get("stopwords") or {}
    return {str(k): [str(w) for w in v] for k, v in stop.items() if isinstance(v, list)}


@lru_cache(maxsize=1)
def default_detector() -> LanguageDetector:
    from knowledge import default_matcher

    return LanguageDetector.build(default_matcher().cards.values(), lexicon_stopwords())


def detect_language(text: str) -> str | None:
    """One of ``knowledge.LANGUAGES`` for a question written clearly in it, else None."""
    return default_detector().detect(text)
