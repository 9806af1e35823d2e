"""Bad input: a one-line message, nothing stored, no traceback, only your own data."""

from __future__ import annotations

import logging

import pytest

from bot.model import Action, ReplyKind, Request
from tests.core.conftest import Harness

ORDER = "8123456789012345"

BAD = [
    "/remind",
    f"/remind {ORDER}",
    "/remind 12345 3d",  # too short for an order number
    "/remind 1234567890123456789012345678901 3d",  # 31 digits
    "/remind abc123456 3d",
    "/remind '; DROP TABLE reminders; -- 3d",
    f"/remind {ORDER} soonish",
    f"/remind {ORDER} yesterday",
    f"/remind {ORDER} 2020-01-01",
    f"/remind {ORDER} 3000-01-01",
    f"/remind {ORDER} 3d " + "x" * 201,
    f"/remind {ORDER} 3d bell\x07ring",
    f"/remind {ORDER} 3d " + "a" * 5000,
    "/remind " + "9" * 1_000_000,
    "/contacted",
    "/contacted 12ab",
    f"/contacted {ORDER} forever",
    f"/contacted {ORDER} 0s",
    f"/contacted {ORDER} 90d",
    "/replied",
    "/replied <b>123</b>",
    "/protection",
    f"/protection {ORDER}",
    f"/protection {ORDER} whenever",
    f"/protection {ORDER} 2020-01-01",
    f"/protection {ORDER} 20d and more words",
    "/cancel",
    "/cancel abc",
    "/cancel -1",
    "/cancel 1 OR 1=1",
    "/cancel " + "1" * 50,
    "/timezone Mars/Olympus",
    "/timezone ../../etc/passwd",
    "/timezone " + "A" * 200,
    "/forgetme please",
    "/why " + "\x00\x01",
]


@pytest.mark.parametrize("line", BAD, ids=lambda s: s[:40])
async def test_bad_input_gets_one_line_and_changes_nothing(harness: Harness, line: str) -> None:
    before_rows = await harness.rows()
    before_prefs = await harness.bot.store.get_prefs("fake", "u1")
    reply = await harness.ask(line)
    assert reply.kind is ReplyKind.ERROR, (line, reply)
    assert reply.text and "\n" not in reply.text
    assert len(reply.text) <= 300
    assert "Traceback" not in reply.text and "Error:" not in reply.text
    assert await harness.rows() == before_rows
    assert await harness.bot.store.get_prefs("fake", "u1") == before_prefs


async def test_markup_and_mentions_are_stored_as_plain_text(harness: Harness) -> None:
    note = "<b>bold</b> & @everyone 'x'; DROP TABLE reminders;--"
    reply = await harness.ask(f"/remind {ORDER} 3d {note}")
    assert reply.kind is ReplyKind.INFO
    [row] = await harness.rows()
    assert row[5] == note  # kept verbatim; each adapter escapes it when shown
    assert (await harness.ask("/reminders")).sections[0].items[0].endswith("12:00 UTC (in 3 days)")


async def test_fifty_pending_reminders_at_most(harness: Harness) -> None:
    for i in range(50):
        assert (await harness.ask(f"/remind {ORDER} {i + 1}h")).kind is ReplyKind.INFO
    over = await harness.ask(f"/remind {ORDER} 3d")
    assert over.kind is ReplyKind.ERROR and "50" in over.text
    nudge = await harness.ask(f"/contacted {ORDER}")
    assert nudge.kind is ReplyKind.ERROR
    prot = await harness.ask(f"/protection {ORDER} 20d")
    assert prot.kind is ReplyKind.ERROR
    assert len(await harness.rows()) == 50


async def test_users_only_see_and_touch_their_own_reminders(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 3d alice's secret", user="alice")
    [row] = await harness.rows()
    rid = row[0]
    listing = await harness.ask("/reminders", user="mallory")
    assert "no pending reminders" in listing.text
    stolen = await harness.ask(f"/cancel {rid}", user="mallory")
    assert stolen.kind is ReplyKind.ERROR and "secret" not in stolen.text
    snoozed = await harness.press(Action("snooze", (str(rid),)), user="mallory")
    assert snoozed.kind is ReplyKind.ERROR
    await harness.press(Action("forget_confirm"), user="mallory")
    await harness.press(Action("replied", (ORDER,)), user="mallory")
    [after] = await harness.rows()
    assert after == row  # untouched
    # the same user id on another platform is another person
    other = await harness.bot.core.handle(
        Request("console", "alice", "alice", True, command="reminders")
    )
    assert "no pending reminders" in other.text


@pytest.mark.parametrize(
    "action",
    [
        Action("snooze", ("abc",)),
        Action("snooze", ("999",)),
        Action("nope"),
        Action("card", ()),
        Action("replied", ()),
    ],
)
async def test_stale_or_forged_buttons(harness: Harness, action: Action) -> None:
    reply = await harness.press(action)
    assert reply.kind is ReplyKind.ERROR and "\n" not in reply.text


@pytest.mark.parametrize(
    "data",
    [
        "wb:snooze:10000000000000000000",  # past SQLite's int64
        "wb:snooze:9223372036854775808",
        "wb:snooze:1234567890123",  # 13 digits
        "wb:snooze:-1",
        "wb:snooze:1e5",
        "wb:snooze:1:2",
        "wb:replied:12",
        "wb:disputed:" + "9" * 31,
        "wb:card:x:y",
        "wb:forget_confirm:1",
    ],
)
async def test_forged_button_data_is_expired_without_a_traceback(
    harness: Harness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.actions import decode

    action = decode(data)
    assert action is not None  # it passes the id codec; the core must refuse it
    before = await harness.rows()
    with caplog.at_level(logging.DEBUG):
        reply = await harness.press(action)
    assert reply.kind is ReplyKind.ERROR
    assert reply.text == "This button has expired."
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert await harness.rows() == before


async def test_unicode_digits_in_an_order_number_are_stored_as_ascii(harness: Harness) -> None:
    reply = await harness.ask("/contacted ०१२३४५६७ 1m")
    assert reply.kind is ReplyKind.INFO, reply
    [row] = await harness.rows()
    assert row[4] == "01234567"
    full_width = await harness.ask("/remind ８１２３４５６７ 1h")
    assert full_width.kind is ReplyKind.INFO
    assert (await harness.rows())[-1][4] == "81234567"


@pytest.mark.parametrize("order", ["1234567²", "12345678⁹", "١٢٣٤٥x", "12345６x７"])
async def test_other_digit_like_characters_are_refused(harness: Harness, order: str) -> None:
    reply = await harness.ask(f"/remind {order} 1h")
    assert reply.kind is ReplyKind.ERROR and "\n" not in reply.text
    assert await harness.rows() == []


async def test_cancel_takes_ascii_ids_only(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 3d")
    [row] = await harness.rows()
    arabic = str(row[0]).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    reply = await harness.ask(f"/cancel {arabic}")
    assert reply.kind is ReplyKind.ERROR
    assert (await harness.rows())[0][6] == "pending"


async def test_failure_notice_only_in_private_or_personal_replies(harness: Harness) -> None:
    await harness.bot.store.set_notice("fake", "u1", "Heads-up: private matter")
    public = await harness.ask("/why shipment cancelled", private=False)
    assert not public.personal and "private matter" not in public.footer
    private = await harness.ask("/why shipment cancelled")
    assert "private matter" in private.footer
    assert "private matter" not in (await harness.ask("/help")).footer  # once
    await harness.bot.store.set_notice("fake", "u1", "Heads-up: private matter")
    personal = await harness.ask("/reminders", private=False)  # answered privately
    assert personal.personal and "private matter" in personal.footer
