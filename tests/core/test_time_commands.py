"""Dates through the commands: what is stored, what the confirmation shows, the question
with one button per reading, refusals that show the date as read, and forged buttons."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.actions import MAX_BYTES, decode, encode
from bot.model import Action, ReplyKind, Request
from bot.timefmt import format_relative, zone_name
from bot.timeparse import MAX_AHEAD
from tests.core.conftest import PLATFORM, Harness

ORDER = "8123456789012345"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # the ManualClock's start: Thu 26 Nov, 13:00 CET


async def due_dates(harness: Harness, user: str = "u1") -> list[datetime]:
    return sorted(r.due_at for r in await harness.bot.store.list_pending(PLATFORM, user))


async def test_protection_27_jan_warns_on_22_and_25_january(harness: Harness) -> None:
    await harness.ask("/timezone Europe/Warsaw")
    reply = await harness.ask(f"/protection {ORDER} 27 jan")
    assert reply.kind is ReplyKind.INFO, reply.text
    ends = await harness.bot.store.get_protection(PLATFORM, "u1", ORDER)
    assert ends == datetime(2027, 1, 27, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert await due_dates(harness) == [
        datetime(2027, 1, 22, 8, 0, tzinfo=UTC),
        datetime(2027, 1, 25, 8, 0, tzinfo=UTC),
    ]
    assert "ends Wed 27 Jan 2027, 09:00 Central European Time (in 61 days 20 hours)" in reply.text
    assert "no time was given, so 09:00" in reply.text
    assert "5 days before (Fri 22 Jan 2027, 09:00 Central European Time)" in reply.text


async def test_remind_confirmation_shows_what_was_stored(harness: Harness) -> None:
    await harness.ask("/timezone America/Sao_Paulo")
    reply = await harness.ask(f"/remind {ORDER} 27 dec 18:00 pay the rest")
    assert reply.text == (
        f"OK, I'll remind you about order {ORDER} on Sun 27 Dec, 18:00 Brasilia Time "
        "(in 31 days 9 hours): pay the rest."
    )
    assert await due_dates(harness) == [datetime(2026, 12, 27, 21, 0, tzinfo=UTC)]
    listing = await harness.ask("/reminders")
    assert (
        listing.sections[0]
        .items[0]
        .endswith("(pay the rest), Sun 27 Dec, 18:00 Brasilia Time (in 31 days 9 hours)")
    )


async def test_a_slash_date_that_reads_both_ways_asks_and_the_button_stores_it(
    harness: Harness,
) -> None:
    await harness.ask("/timezone Europe/Warsaw")
    question = await harness.ask(f"/remind {ORDER} 05/12/2026 18:00")
    assert question.kind is ReplyKind.INFO and "reads two ways" in question.text
    assert await harness.rows() == []  # nothing stored until a reading is chosen
    day_first, month_first = question.actions
    assert day_first.label == "Sat 5 Dec, 18:00 Central European Time"
    assert month_first.label == "Tue 12 May, 18:00 Central European Summer Time" or (
        month_first.label == "Tue 12 May, 18:00 Central European Time"
    )
    for action in question.actions:  # fits a Telegram button even with a 30-digit order
        assert len(encode(action).encode()) <= MAX_BYTES
        assert decode(encode(action)) == Action(action.name, action.args)
    stored = await harness.press(decode(encode(day_first)))  # type: ignore[arg-type]
    assert stored.kind is ReplyKind.INFO, stored.text
    assert "Sat 5 Dec, 18:00 Central European Time" in stored.text
    assert await due_dates(harness) == [datetime(2026, 12, 5, 17, 0, tzinfo=UTC)]
    past = await harness.press(month_first)  # 12 May 2026 is gone
    assert past.kind is ReplyKind.ERROR and "12 May 2026" in past.text
    assert len(await harness.rows()) == 1


async def test_longest_order_button_fits(harness: Harness) -> None:
    order = "9" * 30
    question = await harness.ask(f"/protection {order} 12/05")
    assert len(question.actions) == 2
    for action in question.actions:
        assert len(encode(action).encode()) <= MAX_BYTES
    pressed = await harness.press(question.actions[1])  # month first: 5 Dec 2026
    assert pressed.kind is ReplyKind.INFO, pressed.text
    ends = await harness.bot.store.get_protection(PLATFORM, "u1", order)
    assert ends == datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


async def test_past_and_too_far_are_refused_with_the_date_as_read(harness: Harness) -> None:
    past = await harness.ask(f"/remind {ORDER} 2026-01-05")
    assert past.kind is ReplyKind.ERROR and "Mon 5 Jan 2026, 09:00 UTC" in past.text
    far = await harness.ask(f"/protection {ORDER} 1.1.2030")
    assert far.kind is ReplyKind.ERROR and "Tue 1 Jan 2030, 09:00 UTC" in far.text
    assert "2 years" in far.text
    assert await harness.rows() == []


async def test_lone_numbers_are_refused_with_examples(harness: Harness) -> None:
    for text in ("5", "in 5", "12 check"):
        reply = await harness.ask(f"/remind {ORDER} {text}")
        assert reply.kind is ReplyKind.ERROR
        assert "could mean" in reply.text and "d," in reply.text
    unreadable = await harness.ask(f"/remind {ORDER} someday")
    assert unreadable.kind is ReplyKind.ERROR and "tomorrow 9:00" in unreadable.text
    assert await harness.rows() == []


async def test_a_day_no_calendar_has_is_named_as_such(harness: Harness) -> None:
    for text in ("31 feb", "april 31 check", "30 february 2027"):
        reply = await harness.ask(f"/remind {ORDER} {text}")
        assert reply.kind is ReplyKind.ERROR, text
        assert "is not a date on the calendar" in reply.text, reply.text
    leap = await harness.ask(f"/remind {ORDER} 29 feb")  # 2028 is a leap year
    assert leap.kind is ReplyKind.INFO and "29 Feb 2028" in leap.text, leap.text
    assert len(await harness.rows()) == 1


async def test_request_language_reads_its_dates(harness: Harness) -> None:
    await harness.ask("/timezone Europe/Moscow")
    reply = await harness.ask(f"/remind {ORDER} завтра в 18:00 позвонить", language="ru")
    assert reply.kind is ReplyKind.INFO, reply.text
    assert await due_dates(harness) == [datetime(2026, 11, 27, 15, 0, tzinfo=UTC)]  # MSK +3
    # a Russian-locale user gets the confirmation, the date and the zone in Russian
    assert "напомню" in reply.text and "Москва" in reply.text and "нояб" in reply.text


async def test_forged_or_stale_date_buttons_store_nothing(harness: Harness) -> None:
    forged = [
        ("r", ORDER, "10000000000000000000"),  # overflows any integer column
        ("x", ORDER, "1796112000"),
        ("r", "12345", "1796112000"),
        ("r", "०१२३४५६७", "1796112000"),
        ("r", ORDER, "١٧٩٦١١٢٠٠٠"),
        ("r", ORDER, str(int((NOW + MAX_AHEAD).timestamp()) + 60)),
        ("p", ORDER),
    ]
    for args in forged:
        reply = await harness.press(Action("when", args))
        assert reply.kind is ReplyKind.ERROR and reply.text == "This button has expired.", args
    stale = await harness.press(Action("when", ("r", ORDER, str(int(NOW.timestamp()) - 60))))
    assert stale.kind is ReplyKind.ERROR and "has passed" in stale.text
    assert await harness.rows() == []


async def test_timezone_shows_the_zone_by_name(harness: Harness) -> None:
    reply = await harness.ask("/timezone Asia/Kolkata")
    assert reply.text == "Time zone set to Asia/Kolkata. It is Thu 26 Nov, 17:30 India Time there."


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("Europe/Warsaw", "Central European Time"),
        ("America/Sao_Paulo", "Brasilia Time"),
        ("America/New_York", "Eastern Time"),
        ("US/Eastern", "Eastern Time"),
        ("Asia/Kolkata", "India Time"),
        ("UTC", "UTC"),
        ("Factory", "UTC"),
        ("Etc/GMT+3", "GMT-03:00"),  # POSIX sign: three hours behind
        ("Antarctica/Troll", "UTC"),  # no CLDR name; +00 in November
    ],
)
def test_zone_names_a_person_recognises(zone: str, name: str) -> None:
    assert zone_name(ZoneInfo(zone), NOW) == name


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=30), "in 30 seconds"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(hours=1, minutes=30), "in 1 hour 30 minutes"),
        (timedelta(days=2, hours=20, minutes=5), "in 2 days 20 hours"),
        (timedelta(days=1, minutes=3), "in 1 day"),
        (-timedelta(days=3), "3 days ago"),
    ],
)
def test_relative_time(delta: timedelta, shown: str) -> None:
    assert format_relative(NOW + delta, NOW) == shown


_users = itertools.count()
PHRASES = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.sampled_from(
            [
                "in",
                "5",
                "12/05",
                "27",
                "dec",
                "tomorrow",
                "9:00",
                "2026-12-05",
                "1.1.2030",
                "3d",
                "friday",
                "0d",
                "noon",
                "mañana",
                "grudnia",
                "2099",
                "24",
                "a",
                "week",
                "note",
            ]
        ),
        min_size=1,
        max_size=6,
    ).map(" ".join),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=PHRASES)
async def test_any_when_stores_a_future_time_within_the_limit_or_nothing(
    harness: Harness, text: str
) -> None:
    user = f"h{next(_users)}"
    for command in ("remind", "protection"):
        before = await due_dates(harness, user)
        reply = await harness.bot.core.handle(
            Request(PLATFORM, user, user, True, command=command, args=f"{ORDER} {text}")
        )
        due = await due_dates(harness, user)
        if reply.kind is ReplyKind.ERROR or reply.actions:
            assert due == before, (text, reply.text)
        for at in due:
            assert NOW < at <= NOW + MAX_AHEAD, (text, at)
        assert "Traceback" not in reply.text and "went wrong" not in reply.text
