"""Forged button ids through the real gateway path: an ephemeral "expired", no traceback."""

from __future__ import annotations

import logging

import pytest

from tests.discord_adapter.conftest import Harness, text_of

EPHEMERAL = 64


@pytest.mark.parametrize(
    "custom_id", ["wb:snooze:10000000000000000000", "wb:snooze:0001234567890", "wb:disputed:12"]
)
async def test_forged_button_expires_without_a_traceback(
    running: Harness, custom_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        call = await running.press(custom_id, guild=True)
    assert text_of(call.message) == "This button has expired."
    assert call.flags & EPHEMERAL
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
