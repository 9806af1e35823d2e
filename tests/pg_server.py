"""A throwaway PostgreSQL server for the tests: ``initdb`` + ``pg_ctl`` in a temporary
directory, on a free 127.0.0.1 port, with trust authentication for one superuser.

PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres``
user (created by Debian's package) and its tools run through ``runuser``. With
``WHYBOT_TEST_PG_URL`` set, that server is used instead (a database per test is created
on it). Under ``CI=true`` a server that cannot be had fails the tests; elsewhere they are
skipped with the reason."""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "whybot"


class NoPostgres(RuntimeError):
    """No PostgreSQL server could be started; the message says why."""


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    # Debian keeps the server tools out of PATH, one directory per major version
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise NoPostgres(f"{name} not found (install PostgreSQL: apt-get install -y postgresql)")
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    admin_url: str
    """A URL of the maintenance database (``postgres``), for creating test databases."""
    base_url: str
    """The URL without a database name: append one."""
    _stop: list[str] | None = None
    _dir: Path | None = None
    _as: list[str] | None = None

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def stop(self) -> None:
        if self._stop is not None:
            subprocess.run(self._stop, capture_output=True, timeout=60, check=False, cwd=self._dir)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def start_server() -> PostgresServer:
    """Start a cluster, or use ``WHYBOT_TEST_PG_URL``; raise :class:`NoPostgres`."""
    given = os.environ.get("WHYBOT_TEST_PG_URL")
    if given:
        base, _, _db = given.rstrip("/").rpartition("/")
        return PostgresServer(admin_url=given, base_url=base)
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    run_as: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="whybot-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise NoPostgres("running as root and there is no 'postgres' user") from None
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, sockets = workdir / "data", workdir
    port = _free_port()

    def run(cmd: list[str]) -> None:
        done = subprocess.run(  # from a directory the server's user can enter
            [*run_as, *cmd], capture_output=True, text=True, timeout=120, check=False, cwd=workdir
        )
        if done.returncode != 0:
            raise NoPostgres(f"{Path(cmd[0]).name} failed: {(done.stderr or done.stdout)[-500:]}")

    try:
        run([initdb, "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"])
        options = (
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        run([pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"])
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    base = f"postgresql://{SUPERUSER}@127.0.0.1:{port}"
    return PostgresServer(
        admin_url=f"{base}/postgres",
        base_url=base,
        _stop=[*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
        _dir=workdir,
    )


async def create_database(server: PostgresServer) -> str:
    """A new empty database on ``server``; returns its URL."""
    import asyncpg

    name = f"t_{uuid.uuid4().hex[:12]}"
    con = await asyncpg.connect(server.admin_url)
    try:
        await con.execute(f'CREATE DATABASE "{name}"')
    finally:
        await con.close()
    return server.url(name)


def create_database_sync(server: PostgresServer) -> str:
    """:func:`create_database` from synchronous code (a fixture), in a thread of its own
    so it works whether or not an event loop runs in the caller's."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, create_database(server)).result(timeout=60)
