"""``python -m bot migrate-data --from URL --to URL``: copy every table from one store to
another (SQLite to PostgreSQL, or back), into an empty target, and verify the counts."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.storage import store_for
from bot.storage.base import TABLES

BATCH = 5000
"""Rows read and written at a time: memory stays flat whatever the table's size."""


class MigrateError(Exception):
    """The copy cannot be done or did not add up; the message is one line."""


def _check_url(url: str, role: str) -> None:
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
        if role == "source" and (not path or path == ":memory:" or not Path(path).is_file()):
            raise MigrateError(f"--from: no SQLite file at {path or '(empty path)'}")
        return
    if url.startswith(("postgresql://", "postgres://")):
        return
    raise MigrateError(
        f"--{'from' if role == 'source' else 'to'}: expected sqlite:///path.db or postgresql://..."
    )


async def migrate_data(source_url: str, target_url: str, out: Any = sys.stdout) -> None:
    """Copy every table; raise :class:`MigrateError` when the target is not empty, a
    store cannot be opened, or the copied counts differ from the source's."""
    if source_url == target_url:
        raise MigrateError("--from and --to name the same database")
    _check_url(source_url, "source")
    _check_url(target_url, "target")
    source: Any = store_for(source_url)
    target: Any = store_for(target_url)
    try:
        await source.open()  # brings an older SQLite file up to this schema first
    except Exception as exc:
        raise MigrateError(f"--from: cannot open: {type(exc).__name__}: {exc}") from None
    try:
        try:
            await target.open()
        except Exception as exc:
            raise MigrateError(f"--to: cannot open: {type(exc).__name__}: {exc}") from None
        try:
            for table in TABLES:
                count = await target.count_rows(table)
                if count:
                    raise MigrateError(
                        f"refusing to copy: the target is not empty ({table} has {count} rows)"
                    )
            for table in TABLES:
                copied = 0
                async for rows in source.table_batches(table, BATCH):
                    await target.insert_rows(table, rows)
                    copied += len(rows)
                expected = await source.count_rows(table)
                got = await target.count_rows(table)
                if not expected == got == copied:
                    raise MigrateError(
                        f"{table}: {expected} rows in the source, {copied} copied,"
                        f" {got} in the target"
                    )
                print(f"{table}: {got} rows copied", file=out)
        finally:
            await target.close()
    finally:
        await source.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot migrate-data",
        description="Copy every table from one database to another, empty one, and verify "
        "the row counts (e.g. --from sqlite:///whybot.db --to postgresql://host/whybot). "
        "Stop the bot first.",
    )
    parser.add_argument("--from", dest="source", required=True, help="source DATABASE_URL")
    parser.add_argument("--to", dest="target", required=True, help="target DATABASE_URL")
    args = parser.parse_args(argv)
    try:
        asyncio.run(migrate_data(args.source, args.target))
    except MigrateError as exc:
        print(f"whybot migrate-data: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a database error mid-copy: one line, not a traceback
        print(f"whybot migrate-data: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print("whybot migrate-data: done; every table's row count matches", file=sys.stderr)
    return 0
