"""Nothing private in public: the "could not deliver" notice only rides an ephemeral reply."""

from __future__ import annotations

from datetime import timedelta

from tests.discord_adapter.conftest import Harness, settle, text_of

ORDER = "8123456789012345"
USER = 4712
NOTICE = f"could not deliver a reminder about order {ORDER}"
EPHEMERAL = 64


async def test_failure_notice_is_never_public_and_rides_an_ephemeral_reply(
    running: Harness,
) -> None:
    fake = running.fake
    assert running.bot is not None
    store = running.bot.core.store
    fake.blocked_users.add(USER)
    await running.ask("remind", {"order": ORDER, "when": "1h"}, user_id=USER)
    await running.clock.advance(timedelta(hours=2))
    await fake.wait_call("POST", r"/channels/\d+/messages")

    async def failed() -> bool:
        return not await store.list_pending("discord", str(USER))

    await settle(failed)
    fake.blocked_users.discard(USER)

    public = await running.ask("why", {"question": "shipment cancelled"}, user_id=USER)
    assert not public.flags & EPHEMERAL
    assert "Shipment cancelled" in text_of(public.message)
    assert NOTICE not in text_of(public.message)

    private = await running.ask("reminders", user_id=USER)  # in the guild, ephemeral
    assert private.flags & EPHEMERAL
    assert NOTICE in text_of(private.message)
    again = await running.ask("reminders", user_id=USER)
    assert NOTICE not in text_of(again.message)  # told once
