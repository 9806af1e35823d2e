"""``python -m bot migrate-data``: every table from SQLite to a real PostgreSQL database,
a refused non-empty target, and a count that does not add up."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from bot.scheduler import LEASE
from bot.storage.base import TABLES, CommunitySettings, Kind, NewReminder, StatEvent
from bot.storage.postgres import PostgresReminderStore
from bot.storage.sqlite import SQLiteReminderStore
from tests.core.conftest import bot_env

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def run_migrate(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate-data",
        *args,
        cwd=tmp_path,
        env=bot_env(tmp_path / "unused.db"),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def filled_sqlite(path: Path) -> SQLiteReminderStore:
    store = SQLiteReminderStore(str(path))
    await store.open()
    for i in range(1200):  # more than one batch would be nice, but keep it quick
        await store.add(
            NewReminder(
                "telegram" if i % 2 else "discord",
                f"u{i % 7}",
                None if i % 3 else f"c{i}",
                Kind.NUDGE,
                f"8123456{i:04d}",
                NOW + timedelta(minutes=i),
                f"note {i} «ü»",
                {"i": i},
            )
        )
    claimed = await store.claim_due(NOW + timedelta(minutes=5), 3, ["telegram"], "h:1:x", LEASE)
    await store.mark_sent(claimed[0].id, "h:1:x", NOW)
    await store.cancel("discord", "u0", 1)
    await store.set_timezone("telegram", "u1", "Europe/Warsaw")
    await store.set_language("discord", "u2", "pt-BR")
    await store.set_notice("telegram", "u3", "owed")
    await store.set_protection("telegram", "u1", "81234567", NOW)
    await store.set_meta("discord:commands", "abc")
    await store.first_seen("telegram:update:5", NOW, timedelta(days=1))
    await store.set_community(
        "discord", "g1", CommunitySettings("de", "Europe/Berlin", False, frozenset({"c1"}))
    )
    await store.count_event("discord", "g1", "payment-failed", "de", "2026-11-26", StatEvent.AUTO)
    await store.add_unanswered("telegram", "-100", "wo ist mein paket", NOW)
    return store


async def test_every_table_is_copied_and_ids_continue(tmp_path: Path, pg_url: str) -> None:
    source = await filled_sqlite(tmp_path / "whybot.db")
    code, out, err = await run_migrate(
        tmp_path, "--from", f"sqlite:///{tmp_path / 'whybot.db'}", "--to", pg_url
    )
    assert code == 0, err
    assert "reminders: 1200 rows copied" in out
    target = PostgresReminderStore(pg_url)
    await target.open()
    try:
        for table in TABLES:
            want = [r async for b in source.table_batches(table, 500) for r in b]
            got = [r async for b in target.table_batches(table, 500) for r in b]
            assert sorted(got, key=repr) == sorted(want, key=repr), table
            assert want, f"the fixture left {table} empty"
        assert await target.get_prefs("telegram", "u3") == await source.get_prefs("telegram", "u3")
        added = await target.add(NewReminder("telegram", "u1", None, Kind.REMIND, "8123", NOW))
        assert added.id == 1201
        # a second copy into the now non-empty target is refused, and changes nothing
        before = await target.count_rows("reminders")
        code, out, err = await run_migrate(
            tmp_path, "--from", f"sqlite:///{tmp_path / 'whybot.db'}", "--to", pg_url
        )
        assert code == 1 and len(err.strip().splitlines()) == 1, err
        assert "target is not empty (reminders has 1201 rows)" in err
        assert await target.count_rows("reminders") == before
        # and back from PostgreSQL into a new SQLite file
        back = tmp_path / "back.db"
        code, out, err = await run_migrate(tmp_path, "--from", pg_url, "--to", f"sqlite:///{back}")
        assert code == 0, err
        copy = SQLiteReminderStore(str(back))
        await copy.open()
        try:
            for table in TABLES:
                want = [r async for b in target.table_batches(table, 500) for r in b]
                got = [r async for b in copy.table_batches(table, 500) for r in b]
                assert sorted(got, key=repr) == sorted(want, key=repr), table
        finally:
            await copy.close()
    finally:
        await target.close()
        await source.close()


async def test_a_missing_source_or_a_bad_url_is_one_line(tmp_path: Path, pg_url: str) -> None:
    code, _out, err = await run_migrate(
        tmp_path, "--from", f"sqlite:///{tmp_path / 'nope.db'}", "--to", pg_url
    )
    assert (
        code == 1
        and err.strip() == f"whybot migrate-data: --from: no SQLite file at {tmp_path / 'nope.db'}"
    )
    assert not (tmp_path / "nope.db").exists()
    code, _out, err = await run_migrate(tmp_path, "--from", "mysql://x", "--to", pg_url)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "--from" in err


async def test_a_count_that_does_not_add_up_fails(tmp_path: Path, pg_url: str) -> None:
    source = await filled_sqlite(tmp_path / "whybot.db")
    await source.close()
    target = PostgresReminderStore(pg_url)
    await target.open()
    await target.close()
    # the target silently drops one row on insert (as a broken copy would)
    con = await asyncpg.connect(pg_url)
    try:
        await con.execute(
            "CREATE FUNCTION drop_one() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN IF NEW.key = 'discord:commands' THEN RETURN NULL; END IF;"
            " RETURN NEW; END $$;"
            " CREATE TRIGGER drop_one BEFORE INSERT ON meta"
            " FOR EACH ROW EXECUTE FUNCTION drop_one()"
        )
    finally:
        await con.close()
    code, _out, err = await run_migrate(
        tmp_path, "--from", f"sqlite:///{tmp_path / 'whybot.db'}", "--to", pg_url
    )
    assert code == 1, err
    assert err.strip() == (
        "whybot migrate-data: meta: 1 rows in the source, 1 copied, 0 in the target"
    )
