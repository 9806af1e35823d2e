"""A date that reads both ways, through python-telegram-bot: the question's two buttons fit
Telegram's callback data, and pressing one stores exactly that reading."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import actions
from tests.tg_adapter.conftest import USER, Harness

ORDER = "9" * 30  # the longest order still fits the 64-byte callback data


async def test_ambiguous_date_asks_and_the_pressed_reading_is_stored(tg: Harness) -> None:
    await tg.ask("/timezone Europe/Warsaw")
    question = await tg.ask(f"/protection {ORDER} 12/05")
    assert "reads two ways" in question.text
    labels = [b["text"] for b in question.buttons]
    assert labels == [
        "Wed 12 May 2027, 09:00 Central European Time",
        "Sat 5 Dec, 09:00 Central European Time",
    ]
    for button in question.buttons:
        assert len(button["callback_data"].encode()) <= actions.MAX_BYTES
    assert await tg.store.get_protection("telegram", str(USER), ORDER) is None
    done = await tg.press(question, "Sat 5 Dec, 09:00 Central European Time")
    assert "ends Sat 5 Dec, 09:00 Central European Time" in done.text
    stored = await tg.store.get_protection("telegram", str(USER), ORDER)
    assert stored == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
