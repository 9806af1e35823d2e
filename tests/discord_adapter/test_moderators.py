"""Issue 12 on Discord, end to end through discord.py and the fake Discord: /settings and
/stats offered to Manage Server only and checked again, one server's settings kept from
another's moderators, the message-content intent asked for only when auto-answer is
configured, auto-answer on and off, its limits, and "Not helpful" deleting the reply."""

from __future__ import annotations

from typing import Any

from bot.storage.base import CommunitySettings, StatEvent
from tests.discord_adapter.conftest import Harness, buttons_of, settle, text_of
from tests.discord_adapter.fake_discord import (
    BOT_USER,
    GUILD_CHANNEL_ID,
    GUILD_ID,
    MANAGE_GUILD,
    message_create,
)

OTHER_GUILD = GUILD_ID + 1
ROLE = 725000000000000001
QUESTION = "my order says shipment cancelled why"
SAME_CARD = "why does it say shipment cancelled"
OTHER_CARD = "where is my parcel, tracking not updating for 10 days"
MESSAGE_CONTENT = 1 << 15  # the privileged intent's bit in IDENTIFY


def shown(call: Any) -> str:
    return text_of(call.message)


async def store(h: Harness) -> Any:
    assert h.bot is not None
    return h.bot.store


async def auto_replies(h: Harness) -> list[Any]:
    return [
        c
        for c in h.fake.find("POST", rf"/channels/{GUILD_CHANNEL_ID}/messages")
        if any(b.get("label") == "Stop here" for b in buttons_of(c.json or {}))
    ]


async def considered(h: Harness, count: int) -> None:
    """Wait until the auto-answer looked at ``count`` messages and is idle."""
    assert h.adapter is not None
    await settle(lambda: h.adapter.handlers.auto and h.adapter.handlers.auto.considered >= count)
    await h.adapter.handlers.auto.idle()


async def test_settings_commands_need_manage_server(harness: Harness) -> None:
    await harness.start()
    synced = {c["name"]: c for c in harness.fake.commands}
    for name in ("settings", "stats"):
        assert int(synced[name]["default_member_permissions"]) == MANAGE_GUILD
        assert synced[name].get("contexts") == [0] or synced[name].get("dm_permission") is False
    assert synced["why"].get("default_member_permissions") is None
    saved = await harness.ask(
        "settings", {"setting": "answers", "value": "full"}, permissions=MANAGE_GUILD
    )
    assert "Saved: answers is now full." in shown(saved) and saved.flags & 64  # ephemeral
    refused = await harness.ask("settings", {"setting": "answers", "value": "compact"})
    assert "Only moderators" in shown(refused)
    s = await store(harness)
    assert (await s.get_community("discord", str(GUILD_ID))).compact is False
    # a public /why is now the full card in this server
    answer = await harness.ask("why", {"question": "shipment cancelled"})
    assert "What to do" in shown(answer)


async def test_one_servers_moderator_cannot_see_or_change_another(harness: Harness) -> None:
    await harness.start()
    s = await store(harness)
    await s.set_community("discord", str(OTHER_GUILD), CommunitySettings(timezone="Asia/Tokyo"))
    await s.count_event(
        "discord", str(OTHER_GUILD), "payment-failed", "en", "2026-11-26", StatEvent.ANSWER
    )
    mine = await harness.ask("settings", permissions=MANAGE_GUILD)
    assert "Default time zone: not set" in shown(mine) and "Tokyo" not in shown(mine)
    stats = await harness.ask("stats", permissions=MANAGE_GUILD)
    assert "payment-failed" not in shown(stats) and "No answers yet." in shown(stats)
    # a moderator there is a member here
    refused = await harness.ask(
        "settings", {"setting": "timezone", "value": "Europe/Paris"}, guild_id=OTHER_GUILD
    )
    assert "Only moderators" in shown(refused)
    assert (await s.get_community("discord", str(OTHER_GUILD))).timezone == "Asia/Tokyo"


async def test_message_content_is_asked_for_only_when_auto_answer_is_configured(
    harness: Harness,
) -> None:
    await harness.start()
    assert not harness.fake.identifies[-1]["intents"] & MESSAGE_CONTENT
    on = await harness.ask(
        "settings", {"setting": "autoanswer", "value": "on"}, permissions=MANAGE_GUILD
    )
    assert "Saved: autoanswer is now on." in shown(on)
    told = await harness.fake.wait_call("POST", r"/webhooks/\d+/[^/]+")
    assert "Message Content" in told.json["content"] and told.flags & 64
    await harness.restart()  # a server turned it on: asked for from now on
    assert harness.fake.identifies[-1]["intents"] & MESSAGE_CONTENT


async def test_auto_answer_on_off_limits_and_not_helpful(harness: Harness) -> None:
    await harness.start(WHYBOT_DISCORD_MESSAGE_CONTENT="1")
    assert harness.fake.identifies[-1]["intents"] & MESSAGE_CONTENT
    await harness.fake.dispatch("MESSAGE_CREATE", message_create(QUESTION))
    await considered(harness, 1)
    assert await auto_replies(harness) == []  # not on in this channel
    await harness.ask(
        "settings", {"setting": "autoanswer", "value": "on"}, permissions=MANAGE_GUILD
    )
    sent = [
        message_create("payment failed"),  # not confident enough
        message_create("@everyone " + QUESTION),
        message_create(f"<@&{ROLE}> {QUESTION}", mention_roles=(ROLE,)),
        message_create(QUESTION, bot=True),
        message_create(QUESTION, author=BOT_USER),
        message_create(QUESTION, user_id=901),  # answered
        message_create(SAME_CARD, user_id=902),  # same card, within the cooldown
    ]
    for payload in sent:
        await harness.fake.dispatch("MESSAGE_CREATE", payload)
    await settle(lambda: harness.adapter and harness.adapter.handlers.auto.considered >= 3)
    other = message_create(OTHER_CARD, user_id=903)
    await harness.fake.dispatch("MESSAGE_CREATE", other)
    await settle(lambda: harness.fake.find("POST", rf"/channels/{GUILD_CHANNEL_ID}/messages")[1:])
    await harness.adapter.handlers.auto.idle()  # type: ignore[union-attr]
    replies = await auto_replies(harness)
    assert [str(r.json["message_reference"]["message_id"]) for r in replies] == [
        sent[5]["id"],
        other["id"],
    ]
    first = replies[0].json
    assert first["allowed_mentions"]["parse"] == [] and not first["allowed_mentions"].get(
        "replied_user"
    )
    assert [b["label"] for b in buttons_of(first)] == ["More", "Not helpful", "Stop here"]
    # "Not helpful" by someone else is refused; by the asker it deletes the reply
    no = next(b["custom_id"] for b in buttons_of(first) if b["label"] == "Not helpful")
    refused = await harness.press(no, guild=True, user_id=999, message_id=777)
    assert "Only the person who asked" in shown(refused)
    assert harness.fake.deleted == []
    removed = await harness.press(no, guild=True, user_id=901, message_id=777)
    assert removed.flags & 64
    await settle(lambda: harness.fake.deleted)
    assert harness.fake.deleted == [(GUILD_CHANNEL_ID, 777)]
    s = await store(harness)
    counts = {(r.card_id, r.event): r.count for r in await s.stats("discord", str(GUILD_ID))}
    assert counts == {
        ("shipment-cancelled", StatEvent.AUTO): 1,
        ("tracking-not-updating", StatEvent.AUTO): 1,
        ("shipment-cancelled", StatEvent.NOT_HELPFUL): 1,
    }
    # off: nothing more
    await harness.ask(
        "settings", {"setting": "autoanswer", "value": "off"}, permissions=MANAGE_GUILD
    )
    before = len(await auto_replies(harness))
    seen = harness.adapter.handlers.auto.considered  # type: ignore[union-attr]
    await harness.fake.dispatch(
        "MESSAGE_CREATE", message_create("buyer protection expired what now")
    )
    await considered(harness, seen + 1)
    assert len(await auto_replies(harness)) == before
