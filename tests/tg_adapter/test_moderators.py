"""Issue 12 on Telegram, end to end through python-telegram-bot and the fake Bot API:
group settings for administrators only (getChatMember), auto-answer on and off, its
per-card limit, "Not helpful" deleting the reply, /stats of one group, feedback counts
checked against the presses sent, and a flood."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.base import CommunitySettings, StatEvent
from tests.tg_adapter.conftest import GROUP, OTHER, USER, Harness
from tests.tg_adapter.fake_bot_api import BOT_ID, SentMessage

GROUP2 = -1009999999999
QUESTION = "my order says shipment cancelled why"
SAME_CARD = "why does it say shipment cancelled"
OTHER_CARD = "where is my parcel, tracking not updating for 10 days"


def moderator(tg: Harness, chat: int = GROUP, user: int = USER) -> None:
    tg.fake.admins.setdefault(chat, set()).add(user)
    tg.fake.started_users.add(user)  # personal answers reach their private chat


async def settle_group(tg: Harness, chat: int = GROUP) -> None:
    """Every message sent so far was offered to the auto-answer and considered: a /help
    in the group is answered after them (updates are handled in order), then the
    auto-answer queue is drained."""
    mark = tg.fake.mark()
    tg.fake.send_text("/help", chat_id=chat, user_id=OTHER)
    await tg.fake.wait_message(chat, contains="/why", after=mark)  # the /help answer itself
    assert tg.adapter is not None
    if tg.adapter.handlers.auto is not None:
        await tg.adapter.handlers.auto.idle()


async def turn_on(tg: Harness, chat: int = GROUP) -> None:
    moderator(tg, chat)
    saved = await tg.ask("/settings autoanswer on", chat_id=chat, expect_chat=USER)
    assert "autoanswer is now on" in saved.text


async def say(tg: Harness, text: str, *, user: int = OTHER, chat: int = GROUP) -> int:
    tg.fake.send_text(text, user_id=user, chat_id=chat)
    await settle_group(tg, chat)
    return len(tg.fake.messages)


def auto_replies(tg: Harness, chat: int = GROUP) -> list[SentMessage]:
    return [
        m for m in tg.fake.sent_to(chat) if any(b.get("text") == "Stop here" for b in m.buttons)
    ]


async def test_a_moderator_changes_settings_and_a_member_is_refused(tg: Harness) -> None:
    moderator(tg)
    saved = await tg.ask("/settings language de", chat_id=GROUP, expect_chat=USER)
    assert "Saved: language is now de." in saved.text
    assert tg.fake.calls_of("getChatMember")
    shown = await tg.ask("/settings", chat_id=GROUP, expect_chat=USER)
    assert "Sprache: de" in shown.text  # the community language, for a user with none
    tg.fake.started_users.add(OTHER)
    refused = await tg.ask("/settings language fr", chat_id=GROUP, user_id=OTHER, expect_chat=OTHER)
    assert "nur Moderatoren" in refused.text  # in the community's language
    stored = await tg.store.get_community("telegram", str(GROUP))
    assert stored.language == "de"
    bad = await tg.ask("/settings timezone Mars/Olympus", chat_id=GROUP, expect_chat=USER)
    assert "Mars/Olympus" in bad.text
    assert (await tg.store.get_community("telegram", str(GROUP))).timezone == ""
    private = await tg.ask("/settings language fr")
    assert "not in a private chat" in private.text


async def test_a_moderator_of_one_group_cannot_touch_another(tg: Harness) -> None:
    moderator(tg, GROUP)
    await tg.store.set_community("telegram", str(GROUP2), CommunitySettings(language="fr"))
    refused = await tg.ask("/settings language es", chat_id=GROUP2, expect_chat=USER)
    assert "seuls les modérateurs" in refused.text  # GROUP2's language
    assert (await tg.store.get_community("telegram", str(GROUP2))).language == "fr"
    stats = await tg.ask("/stats", chat_id=GROUP2, expect_chat=USER)
    assert "Answers in the last" not in stats.text
    mine = await tg.ask("/settings", chat_id=GROUP, expect_chat=USER)
    assert "Language: not set" in mine.text  # not the other group's French


async def test_auto_answer_on_then_off_and_tells_when_the_bot_is_blind(tg: Harness) -> None:
    await say(tg, QUESTION)
    assert auto_replies(tg) == []  # off by default
    mark = tg.fake.mark()
    await turn_on(tg)
    blind = await tg.fake.wait_message(USER, contains="privacy mode", after=mark)
    assert "administrator" in blind.text
    tg.fake.send_text(QUESTION, user_id=OTHER, chat_id=GROUP)
    reply = await tg.fake.wait_message(GROUP, contains="Shipment cancelled", after=mark)
    assert [b["text"] for b in reply.buttons] == ["More", "Not helpful", "Stop here"]
    assert reply.params.get("reply_parameters") is not None  # a reply to the question
    # off again: nothing more
    await tg.ask("/settings autoanswer off", chat_id=GROUP, expect_chat=USER)
    before = len(auto_replies(tg))
    await say(tg, OTHER_CARD)
    assert len(auto_replies(tg)) == before


async def test_an_admin_bot_is_not_told_it_is_blind(tg: Harness) -> None:
    tg.fake.admins.setdefault(GROUP, set()).add(BOT_ID)
    mark = tg.fake.mark()
    await turn_on(tg)
    await settle_group(tg)
    assert not [m for m in tg.fake.sent_to(USER, after=mark) if "privacy mode" in m.text]


async def test_only_confident_plain_messages_from_people_once_per_card(tg: Harness) -> None:
    await turn_on(tg)
    await say(tg, "payment failed")  # /why would answer; 69 < 85
    await say(tg, "hey @everyone " + QUESTION)
    tg.fake.send_text(QUESTION, user_id=444, chat_id=GROUP, is_bot=True)
    tg.fake.send_text(QUESTION, user_id=OTHER, chat_id=GROUP, edited=True)  # an edit
    await settle_group(tg)
    assert auto_replies(tg) == []
    await say(tg, QUESTION)
    await say(tg, SAME_CARD)  # the same card within the cooldown: nothing
    assert len(auto_replies(tg)) == 1
    first = auto_replies(tg)[0]
    tg.fake.send_text(QUESTION, user_id=OTHER, chat_id=GROUP, reply_to=first)  # our thread
    await settle_group(tg)
    await say(tg, OTHER_CARD)  # another card: answered
    assert len(auto_replies(tg)) == 2
    await tg.clock.advance(timedelta(minutes=6))
    await say(tg, SAME_CARD)
    assert len(auto_replies(tg)) == 3
    # a reply in a conversation already answered stays unanswered, after the cooldown too
    await tg.clock.advance(timedelta(minutes=6))
    tg.fake.send_text(SAME_CARD, user_id=OTHER, chat_id=GROUP, reply_to=first)
    await settle_group(tg)
    assert len(auto_replies(tg)) == 3
    assert "@\u2060everyone" not in "".join(m.raw for m in auto_replies(tg))


async def test_not_helpful_from_the_asker_deletes_the_reply(tg: Harness) -> None:
    await turn_on(tg)
    await say(tg, QUESTION, user=OTHER)
    reply = auto_replies(tg)[0]
    tg.fake.press(reply, label="Not helpful", user_id=555)  # neither asker nor moderator
    await settle_group(tg)
    assert tg.fake.deleted == []
    tg.fake.press(reply, label="Not helpful", user_id=OTHER)
    await tg.fake.wait_for(lambda: tg.fake.deleted)
    assert tg.fake.deleted == [(GROUP, reply.message_id)]
    rows = await tg.store.stats("telegram", str(GROUP))
    assert {(r.card_id, r.event, r.count) for r in rows} == {
        ("shipment-cancelled", StatEvent.AUTO, 1),
        ("shipment-cancelled", StatEvent.NOT_HELPFUL, 1),
    }


async def test_stop_here_turns_auto_answer_off_for_a_moderator_only(tg: Harness) -> None:
    await turn_on(tg)
    await say(tg, QUESTION)
    reply = auto_replies(tg)[0]
    tg.fake.press(reply, label="Stop here", user_id=OTHER)
    await settle_group(tg)
    assert str(GROUP) in (await tg.store.get_community("telegram", str(GROUP))).channels
    tg.fake.press(reply, label="Stop here", user_id=USER)
    await tg.fake.wait_for(
        lambda: any("off in this channel" in str(a) for a in tg.fake.callback_answers)
    )
    assert (await tg.store.get_community("telegram", str(GROUP))).channels == frozenset()


async def test_counts_match_the_events_sent_and_stats_show_one_group(tg: Harness) -> None:
    moderator(tg, GROUP)
    moderator(tg, GROUP2)
    answers = []
    for _ in range(3):
        answers.append(await tg.ask("/why shipment cancelled", chat_id=GROUP))
    await tg.ask("/why tracking not updating", chat_id=GROUP2)
    await tg.ask("/why zzkx qwv blorp", chat_id=GROUP)  # unanswered
    helpful = [USER, OTHER, 444]
    for user in helpful:
        tg.fake.press(answers[0], label="Helpful", user_id=user)
    tg.fake.press(answers[0], label="Helpful", user_id=USER)  # a second press: not counted
    tg.fake.press(answers[1], label="Not helpful", user_id=555)
    await tg.fake.wait_for(lambda: len(tg.fake.callback_answers) >= 5)
    rows = await tg.store.stats("telegram", str(GROUP))
    counts = {(r.card_id, r.event): r.count for r in rows}
    assert counts == {
        ("shipment-cancelled", StatEvent.ANSWER): 3,
        ("shipment-cancelled", StatEvent.HELPFUL): len(helpful),
        ("shipment-cancelled", StatEvent.NOT_HELPFUL): 1,
    }
    unanswered = await tg.store.list_unanswered("telegram", str(GROUP))
    assert [q.text for q in unanswered] == ["zzkx qwv blorp"]
    stats = await tg.ask("/stats", chat_id=GROUP, expect_chat=USER)
    assert "shipment-cancelled: 3 answers (0 on their own), 3 helpful, 1 not helpful" in stats.text
    assert "tracking-not-updating" not in stats.text  # the other group's
    assert "Questions I could not answer: 1" in stats.text
    refused = await tg.ask("/stats", chat_id=GROUP, user_id=555, expect_chat=GROUP)
    assert "Answers in the last" not in refused.text


async def test_a_flood_is_answered_within_the_limit_and_leaves_no_backlog(tg: Harness) -> None:
    await turn_on(tg)
    texts = [QUESTION, SAME_CARD, OTHER_CARD, "buyer protection expired what do I do"]
    for i in range(1000):
        tg.fake.send_text(f"{texts[i % len(texts)]} #{i}", user_id=1000 + i, chat_id=GROUP)
    await settle_group(tg)
    assert tg.adapter is not None and tg.adapter.handlers.auto is not None
    auto = tg.adapter.handlers.auto
    cards = {m.text.splitlines()[0] for m in auto_replies(tg)}
    assert len(auto_replies(tg)) == len(cards) <= 3  # at most once per card
    assert auto.considered + auto.dropped == 1000  # each one looked at or dropped
    assert auto.dropped > 0  # the queue is bounded: what does not fit is not kept
    assert auto._queue.qsize() == 0  # and nothing is left waiting


async def test_new_members_start_with_the_community_time_zone(tg: Harness) -> None:
    moderator(tg)
    await tg.store.set_timezone("telegram", str(OTHER), "Asia/Tokyo")  # a known user
    saved = await tg.ask("/settings timezone Europe/Warsaw", chat_id=GROUP, expect_chat=USER)
    assert "Saved: timezone is now Europe/Warsaw." in saved.text
    for user in (777, OTHER):
        tg.fake.started_users.add(user)
        await tg.ask("/timezone", chat_id=GROUP, user_id=user, expect_chat=user)
    assert (await tg.store.get_prefs("telegram", "777")).timezone == "Europe/Warsaw"
    assert (await tg.store.get_prefs("telegram", str(OTHER))).timezone == "Asia/Tokyo"
