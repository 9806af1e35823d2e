"""``python -m bot.i18n_check``: fails (exit 1, one line per gap) when the interface
strings and their catalogs disagree:

* the template ``bot/locale/whybot.pot`` misses a string the code marks, or keeps one
  it no longer marks (run ``pybabel extract``, see the README);
* a language has no catalog, or a catalog misses a string, leaves it empty or fuzzy;
* a translation drops, renames or adds a placeholder (``%(order)s``), or has a stray ``%``;
* an option name is not one lowercase word Discord accepts, or a command description is
  longer than Discord's 100 characters;
* a compiled ``.mo`` is missing or differs from what its ``.po`` compiles to.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALE_DIR
from knowledge import LANGUAGES

ROOT = Path(__file__).resolve().parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
STRAY = re.compile(r"%(?!\(\w+\)[sd]|%)")
OPTION_NAME = re.compile(r"^[-_\w]{1,32}$")
DESCRIPTIONS_MAX = 100
MENU_CONTEXT = "option name"


def _key(message: Message) -> tuple[str | None, str]:
    mid = message.id[0] if isinstance(message.id, tuple) else message.id
    return (message.context, str(mid))


def marked_strings(root: Path = ROOT) -> set[tuple[str | None, str]]:
    """Every string the code marks for translation, as pybabel extract sees it."""
    found: set[tuple[str | None, str]] = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(root), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        mid = message[0] if isinstance(message, tuple) else message
        found.add((context, mid))
    return found


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return [str(s) for s in message.string]
    return [str(message.string or "")]


def menu_texts() -> set[str]:
    """Command summaries and option descriptions: Discord allows 100 characters."""
    from bot.commands.catalog import COMMANDS

    return {t for c in COMMANDS for t in (c.summary, *(o.description for o in c.options))}


def check_catalog(
    lang: str, template: Catalog, po: Path, menu: set[str] | None = None
) -> list[str]:
    name = f"{lang}/{po.name}"
    if not po.is_file():
        return [f"{name}: missing (pybabel init, see README)"]
    with po.open("rb") as f:
        catalog = read_po(f, locale=None)
    problems: list[str] = []
    by_key = {_key(m): m for m in catalog if m.id}
    for wanted in template:
        if not wanted.id:
            continue
        key = _key(wanted)
        shown = key[1][:50]
        got = by_key.get(key)
        if got is None:
            problems.append(f"{name}: no entry for {shown!r} (pybabel update)")
            continue
        forms = _forms(got)
        if got.fuzzy or not all(s.strip() for s in forms):
            problems.append(f"{name}: {shown!r} is not translated")
            continue
        ids = wanted.id if isinstance(wanted.id, tuple) else (wanted.id,)
        expected = set().union(*(placeholders(i) for i in ids))
        for form in forms:
            if placeholders(form) != expected:
                problems.append(
                    f"{name}: {shown!r}: placeholders {sorted(placeholders(form))} "
                    f"instead of {sorted(expected)}"
                )
            elif STRAY.search(form):
                problems.append(f"{name}: {shown!r}: a lone '%%' (write %%%%)")
            if menu and key[1] in menu and len(form) > DESCRIPTIONS_MAX:
                problems.append(f"{name}: {shown!r}: over {DESCRIPTIONS_MAX} characters")
            if key[0] == MENU_CONTEXT and not (OPTION_NAME.match(form) and form == form.lower()):
                problems.append(f"{name}: option name {form!r} must be one lowercase word")
    problems.extend(_stale_mo(catalog, po, name))
    return problems


def _stale_mo(catalog: Catalog, po: Path, name: str) -> list[str]:
    mo = po.with_suffix(".mo")
    if not mo.is_file():
        return [f"{name}: no compiled {mo.name} (pybabel compile)"]
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    if fresh.getvalue() != mo.read_bytes():
        return [f"{name}: {mo.name} is stale (pybabel compile)"]
    return []


def check(locale_dir: Path = LOCALE_DIR, languages: Iterable[str] = LANGUAGES[1:]) -> list[str]:
    """Every gap, one line each; an empty list when the catalogs are complete."""
    template_path = locale_dir / f"{DOMAIN}.pot"
    if not template_path.is_file():
        return [f"{template_path.name}: missing (pybabel extract, see README)"]
    with template_path.open("rb") as f:
        template = read_po(f)
    problems: list[str] = []
    in_template = {_key(m) for m in template if m.id}
    in_code = marked_strings()
    for _ctx, mid in sorted(in_code - in_template, key=str):
        problems.append(f"{template_path.name}: lacks {mid[:50]!r} (pybabel extract)")
    for _ctx, mid in sorted(in_template - in_code, key=str):
        problems.append(f"{template_path.name}: {mid[:50]!r} is no longer used (pybabel extract)")
    menu = menu_texts()
    problems.extend(
        f"menu: {text[:40]!r} is over {DESCRIPTIONS_MAX} characters"
        for text in sorted(menu)
        if len(text) > DESCRIPTIONS_MAX
    )
    for lang in languages:
        po = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        problems.extend(check_catalog(lang, template, po, menu))
    return problems


def main() -> int:
    problems = check()
    for line in problems:
        print(f"i18n: {line}", file=sys.stderr)
    if problems:
        return 1
    print(f"i18n: {len(LANGUAGES) - 1} catalogs complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
