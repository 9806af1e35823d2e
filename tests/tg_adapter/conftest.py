"""Fixtures: a fake Bot API server, and the real bot (WhyBot + core + Telegram adapter on
python-telegram-bot) pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.tg_adapter.fake_bot_api import FakeBotAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    assert not server.unknown_methods, f"the adapter called unknown methods: " \
                                       f"{server.unknown_methods}"
    assert not server.rejected, f"the fake refused requests: {server.rejected}"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "whybot.db"
