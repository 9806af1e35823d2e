"""Every command through the real core on a real SQLite file."""

from __future__ import annotations

from bot.adapters.console import render_text
from bot.model import Action, ReplyKind
from tests.core.conftest import Harness

ORDER = "8123456789012345"


async def test_help_and_start_list_every_command(harness: Harness) -> None:
    for cmd in ("/help", "/start", "/start some-deep-link-payload"):
        reply = await harness.ask(cmd)
        text = render_text(reply)
        assert reply.personal is False
        for name in (
            "why",
            "remind",
            "contacted",
            "replied",
            "protection",
            "reminders",
            "cancel",
            "timezone",
            "forgetme",
        ):
            assert f"/{name}" in text, (cmd, name)


async def test_why_answers_a_pasted_status_with_card_and_actions(harness: Harness) -> None:
    reply = await harness.ask("/why Shipment cancelled")
    assert reply.kind is ReplyKind.CARD
    assert reply.personal is False
    assert "Shipment cancelled" in reply.title
    headings = [s.heading for s in reply.sections]
    assert headings[:3] == ["What it means", "Why it happens", "What to do"]
    assert headings[3].startswith("Refund")
    names = [a.name for a in reply.actions]
    assert names[0] == "contacted_help"
    assert "card" in names  # related cards


async def test_why_takes_a_card_id_as_autocomplete_sends_it(harness: Harness) -> None:
    reply = await harness.ask("/why auto-cancelled")
    assert reply.kind is ReplyKind.CARD
    assert reply.title == harness.bot.core.matcher.cards["auto-cancelled"].title


async def test_why_with_a_typo_and_another_language(harness: Harness) -> None:
    typo = await harness.ask("/why shipmnet canceled")
    assert typo.kind is ReplyKind.CARD and "Shipment" in typo.title
    german = await harness.ask("/why Bestellung vom Verkäufer storniert", language="de")
    assert german.kind is ReplyKind.CARD and "verkäufer" in german.title.lower()


async def test_card_button_and_contacted_button(harness: Harness) -> None:
    card = await harness.press(Action("card", ("open-dispute",)))
    assert card.kind is ReplyKind.CARD and "dispute" in card.title.lower()
    how = await harness.press(Action("contacted_help"))
    assert "/contacted" in how.text and "48h" in how.text


async def test_remind_then_list_then_cancel(harness: Harness) -> None:
    reply = await harness.ask(f"/remind {ORDER} 3d check tracking")
    assert reply.kind is ReplyKind.INFO and reply.personal
    assert "on Sun 29 Nov, 12:00 UTC (in 3 days): check tracking." in reply.text
    listing = await harness.ask("/reminders")
    items = listing.sections[0].items
    assert len(items) == 1 and ORDER in items[0] and "check tracking" in items[0]
    rid = items[0].split(":")[0]
    done = await harness.ask(f"/cancel {rid}")
    assert done.kind is ReplyKind.INFO and "cancelled" in done.text
    again = await harness.ask("/reminders")
    assert "no pending reminders" in again.text
    assert [r[6] for r in await harness.rows()] == ["cancelled"]


async def test_remind_reads_dates_in_the_users_zone(harness: Harness) -> None:
    await harness.ask("/timezone Europe/Warsaw")
    await harness.ask(f"/remind {ORDER} 2026-12-05 14:00 pick up parcel")
    await harness.ask(f"/remind {ORDER} tomorrow 9:00")
    await harness.ask(f"/remind {ORDER} in 3 days")
    await harness.ask(f"/remind {ORDER} 1d12h")
    pending = await harness.bot.store.list_pending("fake", "u1")
    due = {r.note: r.due_at.isoformat() for r in pending}
    assert due["pick up parcel"] == "2026-12-05T13:00:00+00:00"  # 14:00 CET
    got = sorted(r.due_at.isoformat() for r in pending if not r.note)
    assert got == [
        "2026-11-27T08:00:00+00:00",  # tomorrow 9:00 CET
        "2026-11-28T00:00:00+00:00",  # 1d12h
        "2026-11-29T12:00:00+00:00",
    ]  # in 3 days
    listing = await harness.ask("/reminders")
    assert (
        listing.sections[0]
        .items[0]
        .endswith("Fri 27 Nov, 09:00 Central European Time (in 20 hours)")
    )


async def test_timezone_show_set_and_reject(harness: Harness) -> None:
    shown = await harness.ask("/timezone")
    assert "UTC" in shown.text
    ok = await harness.ask("/timezone america/sao_paulo")
    assert "America/Sao_Paulo" in ok.text
    bad = await harness.ask("/timezone Mars/Olympus")
    assert bad.kind is ReplyKind.ERROR
    prefs = await harness.bot.store.get_prefs("fake", "u1")
    assert prefs.timezone == "America/Sao_Paulo"


async def test_contacted_and_replied(harness: Harness) -> None:
    reply = await harness.ask(f"/contacted {ORDER}")
    assert "by Sat 28 Nov, 12:00 UTC (in 2 days)," in reply.text  # default window 48h
    again = await harness.ask(f"/contacted {ORDER} 3d")
    assert "restarted" in again.text
    statuses = [(r[3], r[6]) for r in await harness.rows()]
    assert statuses == [("nudge", "cancelled"), ("nudge", "pending")]
    done = await harness.ask(f"/replied {ORDER}")
    assert done.kind is ReplyKind.INFO
    none_left = await harness.ask(f"/replied {ORDER}")
    assert none_left.kind is ReplyKind.ERROR


async def test_protection_sets_two_warnings(harness: Harness) -> None:
    reply = await harness.ask(f"/protection {ORDER} 20d")
    assert "ends Wed 16 Dec, 12:00 UTC (in 20 days)." in reply.text
    assert (
        "5 days before (Fri 11 Dec, 12:00 UTC) and 2 days before (Mon 14 Dec, 12:00 UTC)"
        in reply.text
    )
    pending = await harness.bot.store.list_pending("fake", "u1")
    assert sorted(r.due_at.day for r in pending) == [11, 14]  # ends 16 Dec
    soon = await harness.ask(f"/protection {ORDER} 3d")
    assert "2 days before" in soon.text and "5 days" not in soon.text
    pending = await harness.bot.store.list_pending("fake", "u1")
    assert len(pending) == 1  # the earlier pair was replaced; only the 2-day one is ahead
    late = await harness.ask(f"/protection {ORDER} 1d")
    assert "open a dispute now" in late.text
    assert await harness.bot.store.list_pending("fake", "u1") == []


async def test_forgetme_needs_confirmation(harness: Harness) -> None:
    await harness.ask(f"/remind {ORDER} 3d")
    await harness.ask("/timezone Europe/Berlin")
    ask = await harness.ask("/forgetme")
    assert [a.name for a in ask.actions] == ["forget_confirm", "forget_keep"]
    assert len(await harness.rows()) == 1  # nothing deleted yet
    kept = await harness.press(Action("forget_keep"))
    assert "Nothing was deleted" in kept.text and len(await harness.rows()) == 1
    done = await harness.press(Action("forget_confirm"))
    assert "deleted" in done.text
    assert await harness.rows() == []
    assert (await harness.bot.store.get_prefs("fake", "u1")).timezone == "UTC"
    await harness.ask(f"/remind {ORDER} 3d")
    typed = await harness.ask("/forgetme confirm")
    assert "deleted" in typed.text and await harness.rows() == []


async def test_personal_commands_are_marked_personal(harness: Harness) -> None:
    for line in (
        f"/remind {ORDER} 3d",
        "/reminders",
        f"/contacted {ORDER}",
        "/timezone",
        "/forgetme",
        "/cancel 99",
        f"/protection {ORDER} 20d",
    ):
        reply = await harness.ask(line, private=False)
        assert reply.personal, line
    assert not (await harness.ask("/why frozen order", private=False)).personal


async def test_unknown_command(harness: Harness) -> None:
    reply = await harness.ask("/launch rockets")
    assert reply.kind is ReplyKind.ERROR and "/help" in reply.text
