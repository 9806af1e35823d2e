"""The fake Bot API itself: it must be as strict as Telegram where the adapter relies on it,
or the end-to-end tests prove nothing."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from tests.tg_adapter.fake_bot_api import TOKEN, FakeBotAPI, HTMLParseError, parse_telegram_html


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<b>bold</b> &amp; <i>it</i>", "bold & it"),
        ("1 &lt; 2 &gt; 0 &quot;q&quot; &#39;a&#x27;", "1 < 2 > 0 \"q\" 'a'"),
        ('<a href="https://t.me/x?start=a">link</a>', "link"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
        ("<pre><code>x</code></pre><blockquote>q</blockquote>", "xq"),
        ("<strong><em><u><s>n</s></u></em></strong>", "n"),
    ],
)
def test_html_validator_accepts_telegram_html(html: str, plain: str) -> None:
    assert parse_telegram_html(html) == plain


@pytest.mark.parametrize(
    "html",
    [
        "a < b",
        "a > b",
        "fish & chips",
        "&nbsp;",
        "<script>x</script>",
        "<b>open",
        "<b><i>x</b></i>",
        "</b>",
        '<span class="x">s</span>',
        "<div>x</div>",
        "<a>x</a>",
        "<br>",
    ],
)
def test_html_validator_refuses_what_telegram_refuses(html: str) -> None:
    with pytest.raises(HTMLParseError):
        parse_telegram_html(html)


async def _post(
    session: aiohttp.ClientSession, fake: FakeBotAPI, method: str, **params: object
) -> tuple[int, dict]:
    async with session.post(f"{fake.base_url}{TOKEN}/{method}", json=params) as resp:
        return resp.status, await resp.json()


async def test_get_updates_long_polls_and_confirms_by_offset(fake: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as session:
        poll = asyncio.create_task(_post(session, fake, "getUpdates", timeout=5))
        await asyncio.sleep(0.05)
        assert not poll.done()  # held until an update arrives
        first = fake.send_text("/help")
        status, body = await asyncio.wait_for(poll, 2)
        assert status == 200 and [u["update_id"] for u in body["result"]] == [first]
        # not confirmed yet: served again
        _, body = await _post(session, fake, "getUpdates", timeout=0)
        assert [u["update_id"] for u in body["result"]] == [first]
        second = fake.send_text("/start")
        _, body = await _post(session, fake, "getUpdates", offset=first + 1, timeout=0)
        assert [u["update_id"] for u in body["result"]] == [second]
        _, body = await _post(session, fake, "getUpdates", offset=second + 1, timeout=0)
        assert body["result"] == []
        # a crash before confirming: Telegram serves the update again
        fake.redeliver(second)
        _, body = await _post(session, fake, "getUpdates", timeout=0)
        assert [u["update_id"] for u in body["result"]] == [second]


async def test_form_bodies_html_checks_and_faults(fake: FakeBotAPI) -> None:
    fake.started_users.add(5)
    async with aiohttp.ClientSession() as session:
        url = f"{fake.base_url}{TOKEN}/sendMessage"
        markup = json.dumps({"inline_keyboard": [[{"text": "b", "callback_data": "wb:x"}]]})
        form = {
            "chat_id": "5",
            "text": "<b>a &amp; b</b>",
            "parse_mode": "HTML",
            "reply_markup": markup,
        }
        async with session.post(url, data=form) as resp:
            assert resp.status == 200
        assert fake.messages[-1].text == "a & b"
        assert fake.messages[-1].buttons == [{"text": "b", "callback_data": "wb:x"}]

        status, body = await _post(
            session, fake, "sendMessage", chat_id=5, text="<x>", parse_mode="HTML"
        )
        assert status == 400 and body["description"].startswith("Bad Request: can't parse entities")
        fake.rejected.clear()

        status, body = await _post(session, fake, "sendMessage", chat_id=6, text="hi")
        assert status == 403 and "can't initiate conversation" in body["description"]

        fake.arm_429()
        status, body = await _post(session, fake, "sendMessage", chat_id=5, text="hi")
        assert status == 429 and body["parameters"] == {"retry_after": 1}
        assert body["description"] == "Too Many Requests: retry after 1"

        fake.fail_chat(5, 502, times=1)
        status, _ = await _post(session, fake, "sendMessage", chat_id=5, text="hi")
        assert status == 502
        status, _ = await _post(session, fake, "sendMessage", chat_id=5, text="hi")
        assert status == 200

        status, _ = await _post(session, fake, "noSuchMethod")
        assert status == 404 and fake.unknown_methods == ["noSuchMethod"]
        fake.unknown_methods.clear()

        async with session.post(f"{fake.base_url}123:wrong/getMe") as resp:
            assert resp.status == 401
