"""Property-based tests: arbitrary text, ids and button data thrown at the parsers and at
the core on a real SQLite store. No exception escapes, a refused input gets a one-line
error and changes nothing. Example counts stay moderate (CI has 2 cores)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import actions
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.commands.catalog import BY_NAME, parse_command
from bot.model import Action, Reply, ReplyKind, Request
from tests.core.conftest import RecordingAdapter, make_settings

PROPERTY = settings(
    max_examples=120,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",  # CI repeats one run; developers explore
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ORDER = re.compile(r"[0-9]{6,30}")
SOMETHING_WRONG = "Sorry, something went wrong on my side. Please try again."

# -- inputs -----------------------------------------------------------------------------

# digits of several scripts, signs and separators: what order numbers and ids are made of
digitish = st.text(
    alphabet=st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩०१२३४५६७८９１²⁹#-+.e ,_"), max_size=40
)
huge_numbers = st.integers(min_value=0, max_value=10**40).map(str)
ids = st.one_of(huge_numbers, digitish, st.text(max_size=30))
whens = st.one_of(
    st.sampled_from(
        ["1h", "3d", "0s", "90d", "1m", "tomorrow", "2020-01-01", "3000-01-01", "soon", ""]
    ),
    st.text(max_size=30),
)
words = st.text(max_size=60)
# an order number in digits of any script (Nd): read as ASCII, or refused
script_orders = st.text(alphabet=st.characters(categories=["Nd"]), min_size=6, max_size=30)
arguments = st.one_of(
    st.text(max_size=300),
    st.tuples(script_orders, st.sampled_from(["1h", "3d", "48h"])).map(" ".join),
    st.tuples(ids, whens, words).map(" ".join),
    st.tuples(ids, words).map(" ".join),
    ids,
)
command_names = st.one_of(st.sampled_from(sorted(BY_NAME)), st.text(max_size=20))
action_names = st.one_of(st.sampled_from(sorted(actions.KNOWN)), st.text(max_size=20))
action_args = st.lists(ids, max_size=3).map(tuple)
users = st.sampled_from(["u1", "u2"])


# -- parsers ----------------------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=500))
def test_parse_command_never_raises(text: str) -> None:
    parsed = parse_command(text)
    if parsed is not None:
        name, args = parsed
        assert text.strip().startswith("/")
        assert name == name.lower() and "@" not in name
        assert args == args.strip()


@PROPERTY
@given(st.one_of(st.text(max_size=120), st.binary(max_size=80).map(repr)))
def test_decoding_arbitrary_button_data_never_raises(data: str) -> None:
    action = actions.decode(data)
    if action is not None:
        assert action.name in actions.KNOWN
        assert actions.encode(action) == data  # only what we could have sent decodes


@PROPERTY
@given(action_names, st.lists(st.text(max_size=50), max_size=4))
def test_forged_wb_data_decodes_to_known_actions_or_nothing(name: str, args: list[str]) -> None:
    action = actions.decode(":".join(("wb", name, *args)))
    assert action is None or (action.name in actions.KNOWN and action.name == name)


# -- the core on a real store -----------------------------------------------------------


class CoreUnderTest:
    def __init__(self, runner: asyncio.Runner, bot: WhyBot) -> None:
        self.runner = runner
        self.bot = bot

    async def snapshot(self) -> dict[str, list[tuple[object, ...]]]:
        db = self.bot.store.db
        tables: dict[str, list[tuple[object, ...]]] = {}
        for table in ("reminders", "users", "orders", "meta"):
            async with db.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cur:
                tables[table] = [tuple(row) for row in await cur.fetchall()]
        return tables

    async def check(self, request: Request) -> Reply:
        before = await self.snapshot()
        reply = await self.bot.core.handle(request)  # must not raise
        assert isinstance(reply, Reply)
        assert reply.text != SOMETHING_WRONG, request  # no unexpected exception inside
        after = await self.snapshot()
        if reply.kind is ReplyKind.ERROR:
            assert reply.text and "\n" not in reply.text, (request, reply)
            assert len(reply.text) <= 300, (request, reply)
            assert not reply.actions and not reply.sections
            assert after == before, request
        # whatever was stored has ASCII order numbers (its buttons can be encoded)
        stored = [row[5] for row in after["reminders"]] + [row[2] for row in after["orders"]]
        assert all(ORDER.fullmatch(order) for order in stored), stored
        return reply

    def run(self, request: Request) -> Reply:
        return self.runner.run(self.check(request))


@pytest.fixture
def core(tmp_path: Path) -> Iterator[CoreUnderTest]:
    with asyncio.Runner() as runner:
        bot = WhyBot(make_settings(tmp_path / "props.db"), clock=ManualClock())
        bot.add_adapter(RecordingAdapter())
        runner.run(bot.start())
        try:
            yield CoreUnderTest(runner, bot)
        finally:
            runner.run(bot.stop())


@PROPERTY
@given(users, command_names, arguments, st.booleans())
def test_any_command_gets_an_answer_and_a_refusal_changes_nothing(
    core: CoreUnderTest, user: str, name: str, args: str, private: bool
) -> None:
    chat = user if private else "group-1"
    core.run(Request("fake", user, chat, private, command=name, args=args))


@PROPERTY
@given(users, action_names, action_args)
def test_any_button_gets_an_answer_and_a_refusal_changes_nothing(
    core: CoreUnderTest, user: str, name: str, args: tuple[str, ...]
) -> None:
    reply = core.run(Request("fake", user, user, True, action=Action(name, args)))
    if name not in actions.KNOWN:
        assert reply.kind is ReplyKind.ERROR


@PROPERTY
@given(st.sampled_from(["snooze", "replied", "disputed", "card"]), ids)
def test_forged_ids_on_buttons_are_refused_or_harmless(
    core: CoreUnderTest, name: str, raw: str
) -> None:
    reply = core.run(Request("fake", "u1", "u1", True, action=Action(name, (raw,))))
    if name == "snooze" and not (raw.isascii() and raw.isdigit() and len(raw) <= 12):
        assert reply.text == "This button has expired."
