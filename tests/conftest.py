"""Fixtures shared by every test package: a throwaway PostgreSQL server (one per test
session, started only when a test asks for it) and an empty database per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg_server import NoPostgres, PostgresServer, create_database_sync, start_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except NoPostgres as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs PostgreSQL and could not start it: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL server for these tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> str:
    """The URL of a new, empty database on the test server."""
    return create_database_sync(pg_server)
