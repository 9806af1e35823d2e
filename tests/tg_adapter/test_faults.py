"""Faults: rate limits, server errors, blocked users, malformed and redelivered updates,
hostile text, clean stops."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.base import PermanentDeliveryError, TemporaryDeliveryError
from bot.adapters.telegram import SEEN_FOR, SEEN_PREFIX, SOMETHING_WRONG, TelegramAdapter
from bot.app import WhyBot
from bot.config import ConfigError, load_settings
from bot.model import Action, Reply, ReplyKind, Section, UserRef
from tests.tg_adapter.conftest import GROUP, USER, Harness
from tests.tg_adapter.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotAPI

ORDER = "8123456789012345"
ME = UserRef("telegram", str(USER))


def statuses(tg: Harness, method: str, after: int = 0) -> list[int]:
    return [c.status for c in tg.fake.calls[after:] if c.method == method]


# PTB's own RetryAfter constructor warns about its int/timedelta transition (v22.2).
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_429_is_waited_out_and_retried(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    tg.fake.arm_429("sendMessage", retry_after=1)
    calls = len(tg.fake.calls)
    started = time.monotonic()
    msg = await tg.ask("/help")
    assert time.monotonic() - started >= 1.0  # honoured retry_after
    assert msg.text.startswith("whybot")
    assert statuses(tg, "sendMessage", calls) == [429, 200]


async def test_server_errors_on_a_command_are_retried(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    tg.fake.fail_chat(USER, 502, raw_body="<html><body>502 Bad Gateway</body></html>")
    tg.fake.fail_chat(USER, 500)
    calls = len(tg.fake.calls)
    msg = await tg.ask("/help")
    assert msg.text.startswith("whybot")
    assert statuses(tg, "sendMessage", calls) == [502, 500, 200]


async def test_deliver_maps_telegram_errors(tg: Harness) -> None:
    adapter = tg.adapter
    assert adapter is not None
    with pytest.raises(PermanentDeliveryError):  # never started the bot
        await adapter.deliver(ME, Reply(text="hello"))
    tg.fake.started_users.add(USER)
    tg.fake.block(USER)
    with pytest.raises(PermanentDeliveryError, match="blocked"):
        await adapter.deliver(ME, Reply(text="hello"))
    tg.fake.blocked_users.clear()
    tg.fake.fail_chat(USER, 500, times=None)
    with pytest.raises(TemporaryDeliveryError):
        await adapter.deliver(ME, Reply(text="hello"))
    tg.fake.clear_faults()
    tg.fake.fail_chat(USER, 500, times=2)  # within the adapter's own retries
    await adapter.deliver(ME, Reply(text="hello"))
    assert tg.fake.sent_to(USER)[-1].text == "hello"


async def test_deliver_goes_to_the_private_chat_and_splits_long_replies(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    adapter = tg.adapter
    assert adapter is not None
    steps = tuple(f"step {i} " + "x" * 80 for i in range(120))
    reply = Reply(
        title="Long",
        sections=(Section("Steps", items=steps, numbered=True),),
        actions=(Action("snooze", ("7",), "Snooze 1 day"),),
        kind=ReplyKind.REMINDER,
    )
    mark = tg.fake.mark()
    await adapter.deliver(UserRef("telegram", str(USER), str(GROUP)), reply)
    sent = tg.fake.messages[mark:]
    assert len(sent) >= 3 and {m.chat_id for m in sent} == {USER}
    assert all(len(m.text) <= 4096 for m in sent)
    assert [bool(m.buttons) for m in sent] == [False] * (len(sent) - 1) + [True]
    text = "\n".join(m.text for m in sent)
    assert "1. step 0 " in text and "120. step 119 " in text


async def test_hostile_text_is_escaped_everywhere(tg: Harness) -> None:
    hostile = "<b>&lt;script> @everyone"
    msg = await tg.ask(f"/remind {ORDER} 3d {hostile}")
    # the fake parsed the HTML like Telegram (or the fixture would fail) ...
    assert "<b>&lt;script>" in msg.text  # ... and the user sees the text as typed
    assert "&lt;b&gt;&amp;lt;script&gt;" in msg.raw
    assert "@everyone" not in msg.text and "everyone" in msg.text  # no mention entity
    msg = await tg.ask("/cancel <i>x</i>")
    assert "'<i>x</i>' is not a reminder id" in msg.text
    mark = tg.fake.mark()
    await tg.clock.advance(timedelta(days=3, minutes=1))
    due = await tg.fake.wait_message(USER, after=mark)
    assert "<b>&lt;script>" in due.text and "@everyone" not in due.text
    assert tg.fake.rejected == []


async def test_telegram_refusing_html_falls_back_to_plain_text(tg: Harness) -> None:
    tg.fake.started_users.add(USER)
    tg.fake.fail_method(
        "sendMessage", 400, description="Bad Request: can't parse entities: Unsupported start tag"
    )
    mark = tg.fake.mark()
    await tg.adapter.deliver(ME, Reply(title="T", text="a < b"))  # type: ignore[union-attr]
    sent = tg.fake.messages[mark:]
    assert [(m.text, m.parse_mode) for m in sent] == [("T\n\na < b", None)]


async def test_a_failing_update_is_logged_and_the_user_told(
    tg: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    tg.fake.started_users.add(USER)
    tg.fake.fail_method("sendMessage", 400, description="Bad Request: message thread not found")
    mark = tg.fake.mark()
    tg.fake.send_text("/help")
    msg = await tg.fake.wait_message(USER, after=mark)
    assert msg.text == SOMETHING_WRONG and msg.parse_mode is None
    assert any(r.exc_info and "handling update" in r.getMessage() for r in caplog.records)
    assert (await tg.ask("/help")).text.startswith("whybot")  # polling goes on


async def test_malformed_and_unexpected_updates_are_skipped(tg: Harness) -> None:
    mark = tg.fake.mark()
    bad = tg.fake.queue_raw({"message": {"message_id": 1, "text": "/help"}})  # no chat, date
    tg.fake.queue_raw({"some_future_update": {"x": 1}})
    tg.fake.send_text("/help", edited=True)  # edits do not run commands again
    tg.fake.queue_raw(
        {
            "message": {
                "message_id": 2,
                "date": 0,
                "text": "sticker",
                "chat": {"id": USER, "type": "private"},
            }
        }
    )  # no sender
    tg.fake.queue_raw(
        {
            "message": {
                "message_id": 3,
                "date": 0,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "A"},
                "sticker": {"file_id": "x"},
            }
        }
    )  # a partly unknown type
    msg = await tg.ask("/why shipment cancelled")
    assert msg.text.startswith("Shipment cancelled")
    assert tg.fake.messages[mark:] == [msg]  # nothing else was answered
    assert tg.fake.confirmed_offset > bad  # confirmed, not fetched forever
    assert len(tg.fake.calls_of("getUpdates")) < 10


async def test_redelivered_update_is_not_handled_twice(tg: Harness) -> None:
    mark = tg.fake.mark()
    uid = tg.fake.send_text(f"/remind {ORDER} 3d")
    await tg.fake.wait_message(USER, after=mark)
    await tg.fake.wait_handled(uid)
    await tg.stop()
    # the bot crashed before Telegram saw the confirming getUpdates: served again
    tg.fake.redeliver(uid)
    await tg.start()
    listing = await tg.ask("/reminders")
    assert "1 pending reminder" in listing.text
    oks = [m for m in tg.fake.messages if m.text.startswith("OK, I'll remind you")]
    assert len(oks) == 1

    # the record of the update is there, and lasts as long as Telegram may serve it again
    now = datetime.now(UTC)
    assert not await tg.store.first_seen(f"{SEEN_PREFIX}{uid}", now, SEEN_FOR)
    assert await tg.store.prune_seen(now + SEEN_FOR - timedelta(minutes=1), 100) == 0


async def test_stop_is_clean_and_idempotent(tg: Harness) -> None:
    adapter = tg.adapter
    assert adapter is not None
    uid = tg.fake.send_text("/help")
    await tg.fake.wait_message(USER)
    await adapter.stop()
    await adapter.stop()
    assert tg.fake.confirmed_offset > uid  # the last updates were confirmed on the way out
    with pytest.raises(TemporaryDeliveryError):
        await adapter.deliver(ME, Reply(text="late"))
    await tg.stop()  # WhyBot stops it once more


async def test_unreachable_group_chat_does_not_break_polling(tg: Harness) -> None:
    tg.fake.fail_chat(
        GROUP, 403, times=None, description="Forbidden: bot was kicked from the supergroup chat"
    )
    tg.fake.send_text(f"/why@{BOT_USERNAME} shipment cancelled", chat_id=GROUP)
    assert (await tg.ask("/help")).text.startswith("whybot")


async def test_wrong_token_fails_start_without_leaking_it(
    fake: FakeBotAPI,
    tmp_path: Path,
) -> None:
    token = "999:not-the-right-token"
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path}/t.db",
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_BASE_URL=fake.base_url,
    )
    bot = WhyBot(settings)
    bot.add_adapter(TelegramAdapter(bot.core, settings))
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN") as raised:
        await bot.start()
    await bot.stop()
    assert token not in str(raised.value)
    assert [c.method for c in fake.calls] == []  # 401 happens before the fake's methods


async def test_the_token_stays_out_of_the_logs(
    tg: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert (await tg.ask("/help")).text.startswith("whybot")
    leaked = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.INFO and TOKEN in r.getMessage()
    ]
    assert leaked == []
