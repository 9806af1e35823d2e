"""A date that reads both ways, through discord.py: the question comes ephemerally with one
button per reading, and pressing one stores exactly that reading."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.discord_adapter.conftest import Harness, buttons_of, text_of

ORDER = "8123456789012345"
EPHEMERAL = 64
USER = "801"  # the fake's default user


async def test_ambiguous_date_asks_and_the_pressed_reading_is_stored(running: Harness) -> None:
    assert running.bot is not None
    store = running.bot.store
    await running.ask("timezone", {"zone": "America/New_York"})
    call = await running.ask("remind", {"order": ORDER, "when": "05/12/2026 18:00"})
    assert call.flags & EPHEMERAL
    assert "reads two ways" in text_of(call.message)
    ids = {b["label"]: b["custom_id"] for b in buttons_of(call.message)}
    assert set(ids) == {"Sat 5 Dec, 18:00 Eastern Time", "Tue 12 May, 18:00 Eastern Time"}
    assert await store.list_pending("discord", USER) == []
    done = await running.press(ids["Sat 5 Dec, 18:00 Eastern Time"], guild=True)
    assert done.flags & EPHEMERAL
    assert "on Sat 5 Dec, 18:00 Eastern Time" in text_of(done.message)
    [reminder] = await store.list_pending("discord", USER)
    assert reminder.due_at == datetime(2026, 12, 5, 23, 0, tzinfo=UTC)  # 18:00 EST
