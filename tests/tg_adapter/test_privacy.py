"""Nothing private in public: the "could not deliver" notice never goes to a group."""

from __future__ import annotations

from datetime import timedelta

from bot.storage.base import Status
from tests.tg_adapter.conftest import GROUP, USER, Harness
from tests.tg_adapter.test_delivery import eventually, only_reminder, status_of

ORDER = "8123456789012345"
NOTICE = f"could not deliver a reminder about order {ORDER}"


async def test_failure_notice_skips_group_replies_and_shows_once_in_private(tg: Harness) -> None:
    await tg.ask(f"/remind {ORDER} 1h")
    reminder = await only_reminder(tg)
    tg.fake.block(USER)
    await tg.clock.advance(timedelta(hours=1, minutes=1))

    async def failed() -> bool:
        return (await status_of(tg, reminder.id)).status == Status.FAILED

    await eventually(failed)
    tg.fake.blocked_users.discard(USER)

    # a public answer in the group: no notice, in the group or anywhere
    mark = tg.fake.mark()
    public = await tg.ask("/why shipment cancelled", chat_id=GROUP)
    assert "Shipment cancelled" in public.text
    assert all(NOTICE not in m.text for m in tg.fake.sent_to(GROUP, after=mark))
    assert tg.fake.sent_to(USER, after=mark) == []

    # the next private answer carries it, once
    first = await tg.ask("/why shipment cancelled")
    assert NOTICE in first.text
    again = await tg.ask("/why shipment cancelled")
    assert NOTICE not in again.text
    assert all(NOTICE not in m.text for m in tg.fake.sent_to(GROUP))
