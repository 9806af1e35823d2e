"""Forged button data through the real Bot API path: refused quietly, nothing stored."""

from __future__ import annotations

import logging

import pytest

from tests.tg_adapter.conftest import USER, Harness

FORGED = [
    "wb:snooze:10000000000000000000",  # past SQLite's int64: overflowed in v0
    "wb:snooze:0001234567890",  # 13 digits
    "wb:replied:1",
]


@pytest.mark.parametrize("data", FORGED)
async def test_forged_button_expires_without_a_traceback(
    tg: Harness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    card = await tg.ask("/why shipment cancelled")
    with caplog.at_level(logging.INFO):
        reply = await tg.press(card, data=data)
    assert reply.text == "This button has expired."
    assert reply.chat_id == USER
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert await tg.store.list_pending("telegram", str(USER)) == []
