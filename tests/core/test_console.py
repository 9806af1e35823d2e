"""The console adapter through a real process: pipes, files, junk, exit codes."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.adapters.console import ConsoleAdapter
from bot.app import WhyBot
from bot.clock import ManualClock
from tests.core.conftest import bot_env, make_settings


def run_bot(
    stdin: bytes | Path, tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess:
    environ = bot_env(tmp_path / "console.db", **env)
    kwargs: dict = {"input": stdin} if isinstance(stdin, bytes) else {"stdin": stdin.open("rb")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        timeout=60,
        check=False,
        **kwargs,
    )


def test_piped_session_answers_each_line_and_exits_zero(tmp_path: Path) -> None:
    lines = (
        b"\n".join(
            [
                b"/why Payment being verified",
                b"/remind 8123456789012345 2d check tracking",
                b"/reminders",
                b"/cancel 1",
                b"/reminders",
            ]
        )
        + b"\n"
    )
    proc = run_bot(lines, tmp_path, "--console")
    out = proc.stdout.decode()
    assert proc.returncode == 0, proc.stderr
    assert "== Payment being verified" in out
    assert "OK, I'll remind you about order 8123456789012345" in out
    assert "1: order 8123456789012345, reminder (check tracking)" in out
    assert "Reminder 1 cancelled." in out
    assert out.rstrip().endswith(
        "You have no pending reminders. Add one: /remind <order> <when> [note]"
    )
    assert "Traceback" not in proc.stderr.decode()


def test_buttons_are_numbers(tmp_path: Path) -> None:
    proc = run_bot(b"/forgetme\n1\n", tmp_path)  # no token configured: the console runs
    out = proc.stdout.decode()
    assert "[1] Delete my data" in out and "I had nothing stored about you." in out


def test_plain_text_is_a_question_and_a_missing_button_says_so(tmp_path: Path) -> None:
    proc = run_bot(b"7\nshipment cancelled\n9\n1\n", tmp_path)
    out = proc.stdout.decode()
    assert "There is no button 7: the last reply had none." in out
    assert "== Shipment cancelled" in out  # a private chat: the whole card
    assert "There is no button 9: the last reply had" in out
    assert "What it means" in out.split("There is no button 9")[0]


def test_reminders_survive_a_restart(tmp_path: Path) -> None:
    run_bot(b"/remind 8123456789012345 3d keep me\n", tmp_path)
    proc = run_bot(b"/reminders\n", tmp_path)
    assert "keep me" in proc.stdout.decode()


def test_input_from_a_file_and_junk(tmp_path: Path) -> None:
    script = tmp_path / "commands.txt"
    script.write_bytes(
        b"\xff\xfe\x00junk\n" + b"/why " + b"A" * 100_000 + b"\n" + b"hello\n/why frozen order\n"
    )
    proc = run_bot(script, tmp_path)
    out = proc.stdout.decode()
    assert proc.returncode == 0
    assert "That line is too long" in out
    assert "I explain AliExpress order statuses" in out  # "hello" is a question, off-topic
    assert "== Order frozen" in out
    assert "Traceback" not in proc.stderr.decode()


def test_bad_configuration_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    proc = run_bot(b"", tmp_path, WHYBOT_SELLER_WINDOW="soon")
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2
    assert err.startswith("whybot: configuration error: WHYBOT_SELLER_WINDOW:")
    assert len(err.splitlines()) == 1
    proc = run_bot(b"", tmp_path, DATABASE_URL="mysql://x")
    assert proc.returncode == 2 and "DATABASE_URL" in proc.stderr.decode()
    proc = run_bot(b"", tmp_path, WHYBOT_LEASE="1s")
    assert proc.returncode == 2 and "WHYBOT_LEASE: at least 5s" in proc.stderr.decode()
    # a PostgreSQL server that is not there: one line, exit 1 (the supervisor retries)
    proc = run_bot(b"", tmp_path, DATABASE_URL="postgresql://whybot@127.0.0.1:1/whybot")
    err = proc.stderr.decode().strip()
    assert proc.returncode == 1 and err.startswith("whybot: could not start:"), err
    assert len(err.splitlines()) == 1


def test_seller_window_from_the_environment(tmp_path: Path) -> None:
    proc = run_bot(b"/contacted 8123456789012345\n", tmp_path, WHYBOT_SELLER_WINDOW="3d")
    assert "UTC (in 3 days)," in proc.stdout.decode()


def test_sigint_while_waiting_for_input_exits_zero(tmp_path: Path) -> None:
    environ = bot_env(tmp_path / "int.db")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--console"],
        cwd=tmp_path,
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"/remind 8123456789012345 3d keep\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 30
    seen = b""
    while b"OK, I'll remind you" not in seen and time.monotonic() < deadline:
        seen += proc.stdout.readline()
    proc.send_signal(signal.SIGINT)  # the pipe stays open: only the signal can stop it
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    again = run_bot(b"/reminders\n", tmp_path, DATABASE_URL=environ["DATABASE_URL"])
    assert "keep" in again.stdout.decode()


def _one_cpu() -> None:
    """Run the child on one CPU, where thread-vs-loop races show every time."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _quick_run(tmp_path: Path, database: Path, **popen: object) -> subprocess.CompletedProcess:
    """``python -m bot --console`` with no input of its own; a hang fails by the timeout."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "--console"],
        cwd=tmp_path,
        env=bot_env(database),
        capture_output=True,
        timeout=30,
        check=False,
        **popen,  # type: ignore[arg-type]
    )


def test_stdin_from_dev_null_is_end_of_input(tmp_path: Path) -> None:
    proc = _quick_run(tmp_path, tmp_path / "null.db", stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert proc.stdout.decode().startswith("whybot console:")


def test_closed_stdin_is_end_of_input(tmp_path: Path) -> None:
    def close_stdin() -> None:
        os.close(0)

    proc = _quick_run(tmp_path, tmp_path / "closed.db", stdin=None, preexec_fn=close_stdin)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""


def test_database_path_that_is_a_directory_gives_one_line(tmp_path: Path) -> None:
    where = tmp_path / "a-directory.db"
    where.mkdir()
    for _ in range(3):  # a race would show on some runs only
        proc = _quick_run(tmp_path, where, stdin=subprocess.DEVNULL, preexec_fn=_one_cpu)
        assert proc.returncode == 1
        lines = proc.stderr.decode().splitlines()
        assert len(lines) == 1, proc.stderr.decode()
        assert lines[0].startswith("whybot: could not start: ")
        assert "unable to open database file" in lines[0]


def test_database_in_a_directory_that_cannot_be_made_gives_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database directory should be")
    proc = _quick_run(tmp_path, blocker / "whybot.db", stdin=subprocess.DEVNULL)
    assert proc.returncode == 1
    assert len(proc.stderr.decode().splitlines()) == 1, proc.stderr.decode()


def test_a_file_that_is_not_a_database_gives_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not an SQLite database" * 100)
    proc = _quick_run(tmp_path, junk, stdin=subprocess.DEVNULL, preexec_fn=_one_cpu)
    assert proc.returncode == 1
    assert proc.stderr.decode().splitlines() == [
        "whybot: could not start: DatabaseError: file is not a database"
    ]


async def test_console_shows_an_owed_failure_notice_once(tmp_path: Path) -> None:
    """The console is the user's own terminal (always private): the notice shows, once."""
    bot = WhyBot(make_settings(tmp_path / "notice.db"), clock=ManualClock())
    read_end, write_end = os.pipe()
    out = io.StringIO()
    with os.fdopen(read_end, "rb") as stdin:
        adapter = ConsoleAdapter(bot.core, stdin=stdin, stdout=out)
        bot.add_adapter(adapter)
        await bot.start()
        try:
            await bot.store.set_notice("console", "local", "Heads-up: order 81234567 failed")
            os.write(write_end, b"/help\n/why shipment cancelled\n")
            os.close(write_end)
            await asyncio.wait_for(adapter.finished.wait(), 30)
        finally:
            await bot.stop()
    assert out.getvalue().count("Heads-up: order 81234567 failed") == 1


def test_the_console_speaks_the_terminals_language(tmp_path: Path) -> None:
    proc = run_bot(b"/forgetme\n9\nenvio cancelado\n", tmp_path, LANG="es_ES.UTF-8")
    out = proc.stdout.decode()
    assert out.startswith("Consola de whybot")
    assert "[1] Borrar mis datos" in out
    assert "No hay botón 9: la última respuesta tenía 2 (del 1 al 2)." in out
    assert "Qué significa:" in out  # a section heading of the Spanish card


def test_console_language_choice_survives_a_restart_and_forgetme_clears_it(
    tmp_path: Path,
) -> None:
    polish = run_bot("moje zamówienie anulowane przez sprzedawcę\n".encode(), tmp_path)
    assert "== Anulowane przez sprzedawcę" in polish.stdout.decode()  # English locale
    first = run_bot(b"/language de\n", tmp_path, LANG="es_ES.UTF-8")
    assert "Okay: Ich antworte dir jetzt auf Deutsch." in first.stdout.decode()
    second = run_bot(b"/help\n/forgetme confirm\n/language\n", tmp_path, LANG="es_ES.UTF-8")
    out = second.stdout.decode()
    assert "Befehle:" in out
    assert "Erledigt: Alles, was ich über dich gespeichert hatte, ist gelöscht." in out
    assert "Te respondo en Español (según tu app o tu pregunta)." in out
