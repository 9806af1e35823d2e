"""Discord sharding: DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS, two bots (standing for two
processes) on one PostgreSQL database, each running one of two shards against the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import WhyBot
from bot.clock import ManualClock
from bot.config import ConfigError, load_settings
from tests.core.conftest import idle
from tests.discord_adapter.conftest import settle, text_of
from tests.discord_adapter.fake_discord import APP_ID, FakeDiscord, guild_on_shard, slash

ORDER = "8123456789012345"
USER = 4712


def settings_for(fake: FakeDiscord, database: str, **env: str) -> object:
    return load_settings(
        _env_file=None,
        DATABASE_URL=database,
        DISCORD_BOT_TOKEN="fake-token",
        DISCORD_API_BASE_URL=fake.api_base,
        **env,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS: needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, "numbered 0 to 1"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0,0"}, "listed twice"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "0;1"}, "separated by commas"),
        ({"DISCORD_SHARD_COUNT": "0"}, "DISCORD_SHARD_COUNT: expected a whole number"),
    ],
)
def test_bad_shard_settings_are_one_line_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **env)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_only_the_process_with_shard_zero_syncs_commands_unless_told() -> None:
    def syncs(**env: str) -> bool:
        settings = load_settings(_env_file=None, DISCORD_BOT_TOKEN="t", **env)
        return DiscordAdapter(_NoCore(), settings).syncs_commands  # type: ignore[arg-type]

    assert syncs()
    assert syncs(DISCORD_SHARD_COUNT="4")
    assert syncs(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="0,1")
    assert not syncs(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="2,3")
    assert syncs(DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS="2,3", DISCORD_SYNC_COMMANDS="1")
    assert not syncs(DISCORD_SYNC_COMMANDS="false")


class _NoCore:
    def adapter_state(self, namespace: str) -> None:
        return None


async def test_unset_shards_let_discord_py_ask_the_gateway(fake: FakeDiscord, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake.recommended_shards = 2
    bot = WhyBot(settings_for(fake, f"sqlite:///{tmp_path / 'w.db'}"), clock=ManualClock())  # type: ignore[arg-type]
    adapter = DiscordAdapter(bot.core, bot.settings)
    bot.add_adapter(adapter)
    await bot.start()
    try:
        # discord.py took the recommended count from GET /gateway/bot; its second shard
        # would IDENTIFY 5 s later (its pause between identifies), not waited for here.
        await fake.wait_for(lambda: fake.shards())
        assert fake.shards()[0] == (0, 2)
        assert adapter.client is not None and adapter.client.shard_count == 2
    finally:
        await bot.stop()


class ShardedPair:
    """Two bots on one database, one shard each, sharing a clock."""

    def __init__(self, fake: FakeDiscord, database: str) -> None:
        self.fake, self.database = fake, database
        self.clock = ManualClock()
        self.bots: list[WhyBot] = []
        self.adapters: list[DiscordAdapter] = []

    async def start(self) -> None:
        for shard in (0, 1):
            settings = settings_for(
                self.fake, self.database, DISCORD_SHARD_COUNT="2", DISCORD_SHARD_IDS=str(shard)
            )
            bot = WhyBot(settings, clock=self.clock)  # type: ignore[arg-type]
            adapter = DiscordAdapter(bot.core, bot.settings)
            bot.add_adapter(adapter)
            await bot.start()
            self.bots.append(bot)
            self.adapters.append(adapter)

    async def stop(self) -> None:
        for bot in self.bots:
            await bot.stop()


@pytest.fixture
async def pair(fake: FakeDiscord, pg_url: str) -> AsyncIterator[ShardedPair]:
    p = ShardedPair(fake, pg_url)
    try:
        await p.start()
        yield p
    finally:
        await p.stop()


async def test_two_processes_run_one_shard_each(pair: ShardedPair) -> None:
    fake = pair.fake
    await fake.wait_for(lambda: sorted(fake.shards()) == [(0, 2), (1, 2)])
    for adapter in pair.adapters:
        await settle(lambda a=adapter: a.connected)  # type: ignore[misc]
    # each process identified its own shard only, and one process synced the commands
    assert sorted(fake.shards()) == [(0, 2), (1, 2)]
    assert len(fake.find("PUT", f"/applications/{APP_ID}/commands")) == 1
    assert [a.syncs_commands for a in pair.adapters] == [True, False]

    # a command from a server on either shard, and a DM (shard 0), is answered once
    for payload in (
        slash("why", {"question": "shipment cancelled"}, guild_id=guild_on_shard(0, 2)),
        slash("why", {"question": "shipment cancelled"}, guild_id=guild_on_shard(1, 2)),
        slash("help", guild=False),
    ):
        await fake.dispatch("INTERACTION_CREATE", payload)
        call = await fake.callback_for(int(payload["id"]))
        assert text_of(call.message)
        pattern = rf"/interactions/{payload['id']}/[^/]+/callback"
        assert len(fake.find("POST", pattern)) == 1


async def test_a_reminder_set_through_one_shard_is_sent_once(pair: ShardedPair) -> None:
    fake = pair.fake
    await fake.wait_for(lambda: sorted(fake.shards()) == [(0, 2), (1, 2)])
    payload = slash(
        "remind", {"order": ORDER, "when": "1h"}, user_id=USER, guild_id=guild_on_shard(1, 2)
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.callback_for(int(payload["id"]))

    await pair.clock.advance(timedelta(hours=2))
    sent = await fake.wait_call("POST", r"/channels/\d+/messages")
    for bot in pair.bots:
        await idle(bot)
    assert sent.path == f"/channels/{fake.dm_channel_of(USER)}/messages"
    assert ORDER in text_of(sent.json)
    assert len(fake.find("POST", r"/channels/\d+/messages")) == 1
    store = pair.bots[0].store
    assert await store.count_pending("discord", str(USER)) == 0
