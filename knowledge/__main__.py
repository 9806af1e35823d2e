"""Command line for the knowledge core (a stable interface other tools use).

    python -m knowledge match "QUERY"          one JSON object
    python -m knowledge match --jsonl < FILE   one JSON object per input line, in order
    python -m knowledge show ID                a card as a person reads it
    python -m knowledge list                   card ids and titles
    python -m knowledge check                  validate every card and the lexicon
    python -m knowledge train                  retrain the classifier (source checkout)

Every command takes ``--cards DIR`` and ``--lexicon FILE`` to use other card files. Errors
are one line on stderr and a non-zero exit code, never a traceback: 1 for broken cards
or lexicon, 2 for a wrong command line or an unknown card id.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from knowledge import classifier
from knowledge.card import LANGUAGES, Card
from knowledge.lexicon import LEXICON, Lexicon
from knowledge.loader import CARDS_DIR, I18N_DIR, CardError, load_cards, missing_translations
from knowledge.matcher import Match, Matcher

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_USAGE = 2
WIDTH = 88

EMPTY = Match(None, 0.0)


def _number(value: float) -> float | int:
    """100.0 -> 100, 0.0 -> 0: the JSON reads as people write it."""
    return int(value) if float(value).is_integer() else value


def match_json(result: Match) -> str:
    """One line of JSON for a match: {"card", "score", "alternatives"}."""
    data = result.to_json()
    data["score"] = _number(result.score)
    data["alternatives"] = [
        {"card": a.card, "score": _number(a.score)} for a in result.alternatives
    ]
    return json.dumps(data, ensure_ascii=False)


def _matcher(args: argparse.Namespace) -> Matcher:
    # The shipped classifier reads the packaged lexicon's keys: another lexicon is
    # matched with the lexicon and the semantic signal only.
    packaged = args.lexicon.resolve() == LEXICON.resolve()
    return Matcher(load_cards(args.cards), Lexicon.load(args.lexicon), classifier=packaged)


def _out(text: str = "", stream: TextIO | None = None) -> None:
    print(text, file=stream or sys.stdout)


# -- commands ------------------------------------------------------------------------------


def cmd_match(args: argparse.Namespace) -> int:
    if args.jsonl == (args.query is not None):
        raise _Usage("match needs a QUERY or --jsonl (not both)")
    matcher = _matcher(args)
    if not args.jsonl:
        text = args.query
        _out(match_json(matcher.match(text) if text.strip() else EMPTY))
        return EXIT_OK
    out = sys.stdout
    # Bytes in, so that invalid UTF-8 or binary junk is replaced, not fatal; one line at
    # a time, so that large input streams and a caller can talk to us line by line.
    for raw in sys.stdin.buffer:
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        result = matcher.match(text) if text.strip() else EMPTY
        out.write(match_json(result) + "\n")
        out.flush()
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    cards = load_cards(args.cards)
    card = cards.get(args.id)
    if card is None:
        _out(f"unknown card '{args.id}'; try: python -m knowledge list", sys.stderr)
        return EXIT_USAGE
    _out(render(card, cards))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    cards = load_cards(args.cards)
    width = max(len(cid) for cid in cards)
    for cid, card in sorted(cards.items()):
        _out(f"{cid:<{width}}  {card.title}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    cards = load_cards(args.cards)
    lexicon = Lexicon.load(args.lexicon)
    matcher = Matcher(cards, lexicon)
    for warning in matcher.overlaps():
        _out(f"warning: {warning}", sys.stderr)
    missing = missing_translations(cards)
    if missing:
        raise CardError(
            f"{I18N_DIR}/: no card texts in {', '.join(missing)} "
            f"(add {I18N_DIR}/<lang>.yaml with every card; see the README)"
        )
    languages = ", ".join(LANGUAGES)
    _out(f"ok: {len(cards)} cards in {len(LANGUAGES)} languages ({languages})")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    cards = load_cards(args.cards)
    lexicon = Lexicon.load(args.lexicon)
    files = classifier.training_files(args.data)
    examples = classifier.card_examples(cards) + classifier.load_examples(files)
    matcher = Matcher(cards, lexicon, classifier=False)
    classes = [*sorted(cards), classifier.TRIAGE, classifier.NULL]
    started = time.perf_counter()
    meta = {
        "fingerprint": classifier.fingerprint(cards, files, args.lexicon),
        "examples": len(examples),
        "files": [f.name for f in files],
    }
    model = classifier.train(examples, matcher.read_words, matcher.embedder, classes, meta=meta)
    model.save(args.out)
    seconds = time.perf_counter() - started
    _out(
        f"trained on {len(examples)} examples ({len(files)} files and the cards' phrases), "
        f"{len(model.index)} features, {len(classes)} classes, in {seconds:.1f} s: {args.out}"
    )
    return EXIT_OK


# -- rendering a card ----------------------------------------------------------------------


def _wrap(text: str, indent: str = "  ", hang: str | None = None) -> str:
    return textwrap.fill(
        " ".join(text.split()),
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=hang if hang is not None else indent,
        break_on_hyphens=False,
        break_long_words=False,
    )


def render(card: Card, cards: dict[str, Card] | None = None) -> str:
    """A card as plain text, in the order a person reads it."""
    lines = [card.title, "=" * min(len(card.title), WIDTH), _wrap(card.summary, ""), ""]
    lines += ["What it means", _wrap(card.meaning), ""]
    lines += ["Why it happens", *(_wrap(c, "  - ", "    ") for c in card.causes), ""]
    lines.append("What to do")
    width = len(str(len(card.steps)))
    for n, step in enumerate(card.steps, 1):
        head = f"  {n:>{width}}. "
        lines.append(_wrap(step, head, " " * len(head)))
    lines += ["", f"Refund (automatic: {card.refund.automatic})", _wrap(card.refund.text), ""]
    if card.related:
        lines.append("Related")
        for rid in card.related:
            title = cards[rid].title if cards and rid in cards else ""
            lines.append(f"  - {rid}" + (f": {title}" if title else ""))
        lines.append("")
    lines.append("Sources")
    lines += [f"  - {s}" for s in card.sources]
    lines += ["", f"(card id: {card.id})"]
    return "\n".join(lines)


# -- the command line ----------------------------------------------------------------------


class _Usage(Exception):
    """A wrong command line, found after parsing."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--cards",
        type=Path,
        default=CARDS_DIR,
        metavar="DIR",
        help="directory of card files (*.yaml); default: the packaged cards",
    )
    common.add_argument(
        "--lexicon",
        type=Path,
        default=LEXICON,
        metavar="FILE",
        help="matching vocabulary; default: the packaged lexicon.yaml",
    )
    parser = _Parser(
        prog="python -m knowledge",
        description="whybot's answer cards and matcher, from the command line.",
        epilog="Errors are one line on stderr; exit code 1 for broken cards or lexicon, "
        "2 for a wrong command line or an unknown card id.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser(
        "match",
        parents=[common],
        help="the best card for a text, as JSON",
        description='Print {"card": ID or null, "score": 0-100, "alternatives": '
        '[{"card", "score"}, ...]} for a text; card is null when the matcher is not sure.',
    )
    p.add_argument("query", nargs="?", metavar="QUERY", help="the text to match")
    p.add_argument(
        "--jsonl",
        action="store_true",
        help="read one query per line on stdin, print one JSON object per line in order "
        "(an empty line gives a null card)",
    )
    p.set_defaults(func=cmd_match)

    p = sub.add_parser(
        "show",
        parents=[common],
        help="print a card as a person reads it",
        description="Print a card: title, summary, what it means, why it happens, what to "
        "do, refund, related cards and sources.",
    )
    p.add_argument("id", metavar="ID", help="card id, e.g. shipment-cancelled")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("list", parents=[common], help="list card ids and titles")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "check",
        parents=[common],
        help="validate every card and the lexicon",
        description='Load and validate every card and the lexicon; print "ok: N cards", '
        "or one line naming the broken file and field and exit 1.",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "train",
        parents=[common],
        help="retrain the classifier from the labelled messages",
        description="Train the matcher's classifier on the cards' phrases and the labelled "
        "messages in a source checkout, and write the model the package ships.",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=classifier.TRAINING_DIR,
        metavar="DIR",
        help="folder of the labelled sets; default: tests/data of this checkout",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=classifier.MODEL,
        metavar="FILE",
        help="where to write the model; default: the packaged knowledge/model/classifier.npz",
    )
    p.set_defaults(func=cmd_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except _Usage as exc:
        _out(f"python -m knowledge {args.command}: error: {exc}", sys.stderr)
        return EXIT_USAGE
    except CardError as exc:
        _out(str(exc), sys.stderr)
        return EXIT_BROKEN
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining
        # about the unflushed stdout on exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, never a traceback
        _out(f"error: {type(exc).__name__}: {exc}", sys.stderr)
        return EXIT_BROKEN


if __name__ == "__main__":
    sys.exit(main())
