"""Time parsing and button ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.actions import MAX_BYTES, decode, encode
from bot.model import Action
from bot.timeparse import parse_duration, parse_when

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("10m", 600),
        ("3h", 10800),
        ("2d", 172800),
        ("1w", 604800),
        ("1d12h", 129600),
        ("2h 30m", 9000),
        ("in 3 days", 259200),
        ("90 minutes", 5400),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "3", "3x", "d3", "soon", "-3d", "3d ago", "1" * 50])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_longest_leading_time_then_note() -> None:
    when = parse_when("tomorrow 9:00 check the tracking", NOW, WARSAW)
    assert when is not None
    assert when.at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert when.rest == "check the tracking"
    bare = parse_when("2026-12-05 pay", NOW, WARSAW)
    assert bare is not None and bare.at == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)  # 9:00 CET
    assert bare.rest == "pay"
    assert parse_when("check 3d", NOW, WARSAW) is None
    assert parse_when("5 things", NOW, WARSAW) is None


def test_action_ids_fit_both_platforms() -> None:
    longest = Action("replied", ("9" * 30,))
    data = encode(longest)
    assert len(data.encode()) <= MAX_BYTES <= 100
    assert decode(data) == Action("replied", ("9" * 30,))
    assert decode(encode(Action("forget_confirm"))) == Action("forget_confirm")


@pytest.mark.parametrize(
    "data",
    ["", "wb", "wb:launch", "xx:card:a", "wb:card:a b", "wb:card:" + "a" * 80, "wb:card:<b>"],
)
def test_foreign_or_broken_ids_decode_to_nothing(data: str) -> None:
    assert decode(data) is None


def test_encode_refuses_what_would_not_fit() -> None:
    with pytest.raises(ValueError):
        encode(Action("card", ("a b",)))
    with pytest.raises(ValueError):
        encode(Action("card", ("x" * 40, "y" * 40)))
