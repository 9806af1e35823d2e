"""``python -m bot stats``: the operator's view of every community's statistics.

    python -m bot stats                    answers per card, platform and community
    python -m bot stats --days 7           only the last 7 days (default 30)
    python -m bot stats --unanswered       the questions no card answered (texts only)
    python -m bot stats --plot FILE.png    a chart of answers per day by card

Reads DATABASE_URL like the bot. Errors are one line on stderr and exit code 1 (2 for a
wrong command line), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.config import ConfigError, load_settings
from bot.storage import store_for
from bot.storage.base import StatEvent, StatRow, UnansweredQuestion

ANSWERS = (StatEvent.ANSWER, StatEvent.AUTO)
MAX_PLOTTED = 8
"""Cards drawn one by one in the chart; the rest are summed as "other cards"."""


def table(rows: list[StatRow]) -> str:
    """Per platform, community and card: answers (auto), helpful, not helpful."""
    counts: dict[tuple[str, str, str], dict[StatEvent, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        counts[(row.platform, row.community_id or "-", row.card_id)][row.event] += row.count
    if not counts:
        return "no answers counted yet"
    head = ("platform", "community", "card", "answers", "auto", "helpful", "not helpful")
    lines = [head]
    for (platform, community, card), c in sorted(counts.items()):
        lines.append(
            (
                platform,
                community,
                card,
                str(c[StatEvent.ANSWER] + c[StatEvent.AUTO]),
                str(c[StatEvent.AUTO]),
                str(c[StatEvent.HELPFUL]),
                str(c[StatEvent.NOT_HELPFUL]),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            cell.ljust(w) if i < 3 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    )


def unanswered_lines(questions: list[UnansweredQuestion]) -> str:
    if not questions:
        return "no unanswered questions kept"
    return "\n".join(
        f"{q.created_at:%Y-%m-%d %H:%M}  {q.platform}  {q.community_id or '-'}  "
        f"{' '.join(q.text.split())}"
        for q in questions
    )


def answers_per_day(
    rows: list[StatRow], first: date, last: date
) -> tuple[list[date], dict[str, list[int]]]:
    """Days from ``first`` to ``last`` and, per card, its answers on each (the busiest
    :data:`MAX_PLOTTED` cards by name, the rest summed as "other cards")."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    index = {d.isoformat(): i for i, d in enumerate(days)}
    per_card: dict[str, list[int]] = defaultdict(lambda: [0] * len(days))
    for row in rows:
        if row.event in ANSWERS and row.day in index:
            per_card[row.card_id][index[row.day]] += row.count
    ranked = sorted(per_card, key=lambda c: (-sum(per_card[c]), c))
    shown = {c: per_card[c] for c in ranked[:MAX_PLOTTED]}
    rest = ranked[MAX_PLOTTED:]
    if rest:
        shown["other cards"] = [sum(per_card[c][i] for c in rest) for i in range(len(days))]
    return days, shown


def plot(rows: list[StatRow], path: Path, first: date, last: date) -> int:
    """Draw answers per day by card as a stacked bar chart into ``path`` (PNG); returns
    how many cards were drawn."""
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    days, series = answers_per_day(rows, first, last)
    fig, ax = plt.subplots(figsize=(max(8.0, len(days) * 0.4), 4.5), dpi=100)
    try:
        bottom = [0] * len(days)
        for card, values in series.items():
            ax.bar(days, values, bottom=bottom, label=card, width=0.8)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(f"Answers per day by card, {first} to {last} (UTC)", fontsize="medium")
        ax.set_ylabel("answers (asked and automatic)")
        ax.yaxis.get_major_locator().set_params(integer=True)
        if series:
            # beside the bars, not over them
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
        else:
            ax.text(0.5, 0.5, "no answers counted yet", ha="center", transform=ax.transAxes)
        fig.autofmt_xdate()
        fig.tight_layout()
        fig.savefig(path, format="png", bbox_inches="tight")
    finally:
        plt.close(fig)
    return len(series)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    store = store_for(settings.database_url)
    await store.open()
    try:
        today = datetime.now(UTC).date()
        first = today - timedelta(days=args.days - 1)
        if args.unanswered:
            print(unanswered_lines(await store.list_unanswered(limit=args.limit)))
            return 0
        rows = await store.stats(since=first.isoformat())
        if args.plot is not None:
            drawn = await asyncio.to_thread(plot, rows, args.plot, first, today)
            print(f"wrote {args.plot} ({drawn} cards, {args.days} days)")
            return 0
        print(table(rows))
        return 0
    finally:
        await store.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot stats",
        description="Answer statistics of every community (the operator's view).",
    )
    parser.add_argument("--days", type=int, default=30, help="how many days back (default 30)")
    parser.add_argument("--unanswered", action="store_true", help="list unanswered questions")
    parser.add_argument("--limit", type=int, default=200, help="at most this many questions")
    parser.add_argument("--plot", type=Path, metavar="FILE.png", help="draw answers per day")
    args = parser.parse_args(argv)
    if not 1 <= args.days <= 3660:
        parser.error("--days: from 1 to 3660")
    if args.plot is not None:
        if args.plot.suffix.lower() != ".png":
            parser.error("--plot: the file name must end in .png")
        if not args.plot.parent.is_dir():
            print(f"whybot stats: {args.plot.parent}: no such directory", file=sys.stderr)
            return 1
    try:
        return asyncio.run(run(args))
    except ConfigError as exc:
        print(f"whybot stats: configuration error: {exc}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as exc:
        print(f"whybot stats: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
