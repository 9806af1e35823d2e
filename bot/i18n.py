"""The language of every reply: gettext catalogs (bot/locale/<ll>/LC_MESSAGES/whybot.mo,
managed with Babel) and the one function that decides which language a request gets.

Strings are marked with ``_()`` (or ``N_()`` where they are defined before any request,
translated at use with ``_()``), plurals with ``ngettext``; placeholders are named,
``%(order)s``, so a translation may put them in any order. The language of the request
being answered is a context variable set by :meth:`bot.core.Core.handle` (and by the
scheduler for a reminder), so a string is translated where it is built."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from knowledge import LANGUAGES
from knowledge.detect import detect_language
from knowledge.text import fold

DOMAIN = "whybot"
LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT = "en"

NAMES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "pt": "Português (Brasil)",
    "fr": "Français",
    "ru": "Русский",
    "pl": "Polski",
    "de": "Deutsch",
}
"""Each language by its own name (what /language lists)."""

_BABEL = {"pt": "pt_BR"}
"""Babel/CLDR locale of a whybot language where the bare code would mean another one."""

_WORDS: dict[str, str] = {
    **{code: code for code in LANGUAGES},
    "english": "en",
    "ingles": "en",
    "englisch": "en",
    "anglais": "en",
    "angielski": "en",
    "английский": "en",
    "espanol": "es",
    "spanish": "es",
    "castellano": "es",
    "espanhol": "es",
    "spanisch": "es",
    "hiszpanski": "es",
    "espagnol": "es",
    "испанскии": "es",
    "portugues": "pt",
    "portuguese": "pt",
    "brasileiro": "pt",
    "portugiesisch": "pt",
    "portugalski": "pt",
    "portugais": "pt",
    "португальскии": "pt",
    "br": "pt",
    "francais": "fr",
    "french": "fr",
    "frances": "fr",
    "franzosisch": "fr",
    "francuski": "fr",
    "французскии": "fr",
    "русскии": "ru",
    "russian": "ru",
    "russe": "ru",
    "ruso": "ru",
    "russo": "ru",
    "russisch": "ru",
    "rosyjski": "ru",
    "russkii": "ru",
    "russkiy": "ru",
    "polski": "pl",
    "polish": "pl",
    "polaco": "pl",
    "polones": "pl",
    "polonais": "pl",
    "polnisch": "pl",
    "польскии": "pl",
    "deutsch": "de",
    "german": "de",
    "aleman": "de",
    "alemao": "de",
    "allemand": "de",
    "niemiecki": "de",
    "немецкии": "de",
}
"""What /language accepts for each language (folded: no accents, lower case)."""

AUTO_WORDS = frozenset({"auto", "automatic", "reset", "default", "clear"})

_current: ContextVar[str] = ContextVar("whybot_language", default=DEFAULT)


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, [lang], fallback=True)


def current() -> str:
    """The language of the request being answered."""
    return _current.get()


@contextmanager
def using(lang: str) -> Iterator[str]:
    """Translate into ``lang`` inside the block."""
    token = _current.set(lang if lang in LANGUAGES else DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, with ``_()``."""
    return message


def babel_locale(lang: str | None = None) -> str:
    """The Babel locale of ``lang`` (the current language when None): pt -> pt_BR."""
    lang = lang or current()
    return _BABEL.get(lang, lang)


def from_locale(code: str | None) -> str | None:
    """A platform locale as a whybot language: ``pt-br``/``pt-BR``/``pt`` -> pt,
    ``es-419``/``es-ES`` -> es, ``en-GB`` -> en; None for anything else."""
    if not code:
        return None
    base = str(code).strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def parse_choice(text: str) -> str | None:
    """What /language was given: a language code, a locale (``pt-br``) or a name in any of
    the languages (``deutsch``, ``português``); ``""`` for auto; None when unknown."""
    word = fold(text.strip())
    if word in AUTO_WORDS:
        return ""
    found = _WORDS.get(word)
    if found is None and ("-" in word or "_" in word):
        found = from_locale(word)
    return found


def resolve(
    choice: str | None,
    question: str | None,
    platform_locale: str | None,
    detect: Callable[[str], str | None] = detect_language,
) -> str:
    """The language of a reply: the user's /language choice, else the language of the
    question when it is clear (``detect``), else the platform's locale, else English."""
    if choice in LANGUAGES:
        return choice
    if question:
        detected = detect(question)
        if detected:
            return detected
    return from_locale(platform_locale) or DEFAULT
