"""Start-up: login, gateway, command sync (only when changed), serving before READY, stop."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context

from bot.adapters.discord import COMMANDS_HASH_KEY, DiscordAdapter, Rebase
from bot.app import WhyBot
from bot.commands.catalog import COMMANDS
from bot.config import load_settings
from tests.discord_adapter.conftest import Harness, text_of
from tests.discord_adapter.fake_discord import APP_ID, FakeDiscord, slash

COMMANDS_PATH = rf"/applications/{APP_ID}/commands"


async def test_start_logs_in_connects_with_default_intents_and_syncs(running: Harness) -> None:
    fake = running.fake
    made = [(c.method, c.path) for c in fake.calls]
    assert made[:3] == [
        ("GET", "/users/@me"),
        ("GET", "/oauth2/applications/@me"),
        ("GET", "/gateway/bot"),
    ]
    identify = fake.identifies[0]
    assert identify["token"] == "fake-token"
    intents = discord.Intents._from_value(identify["intents"])
    assert intents == discord.Intents.default()
    assert not (intents.members or intents.presences or intents.message_content)
    assert len(fake.find("PUT", COMMANDS_PATH)) == 1


async def test_synced_commands_mirror_the_catalog(running: Harness) -> None:
    put = running.fake.find("PUT", COMMANDS_PATH)[0]
    sent = {c["name"]: c for c in put.json}
    assert set(sent) == {spec.name for spec in COMMANDS}
    for spec in COMMANDS:
        options = sent[spec.name]["options"]
        assert [o["name"] for o in options] == [o.name for o in spec.options]
        for option, sent_option in zip(spec.options, options, strict=True):
            assert sent_option["type"] == 3  # every option is a string, even order numbers
            assert sent_option["required"] == option.required
            assert sent_option["description"] == option.description
        assert sent[spec.name]["description"] == spec.summary
    assert sent["why"]["options"][0]["autocomplete"] is True
    assert not any(
        o.get("autocomplete") for c in put.json if c["name"] != "why" for o in c["options"]
    )


async def test_sync_is_skipped_when_commands_are_unchanged(harness: Harness) -> None:
    fake = harness.fake
    await harness.start()
    assert len(fake.find("PUT", COMMANDS_PATH)) == 1
    assert harness.bot is not None
    stored = await harness.bot.core.store.get_meta(COMMANDS_HASH_KEY)
    assert stored and len(stored) == 64

    await harness.restart()
    assert len(fake.find("PUT", COMMANDS_PATH)) == 1  # same list: no second upload

    assert harness.bot is not None
    await harness.bot.core.store.set_meta(COMMANDS_HASH_KEY, "an older command list")
    await harness.restart()
    assert len(fake.find("PUT", COMMANDS_PATH)) == 2
    assert await harness.bot.core.store.get_meta(COMMANDS_HASH_KEY) == stored


async def test_failed_sync_is_retried_on_next_start(harness: Harness) -> None:
    fake = harness.fake
    fake.fail("PUT", COMMANDS_PATH, 400, {"message": "Invalid Form Body", "code": 50035})
    await harness.start()  # a failed sync does not stop the bot
    assert harness.bot is not None
    assert await harness.bot.core.store.get_meta(COMMANDS_HASH_KEY) is None
    call = await harness.ask("help")
    assert "whybot" in text_of(call.message)

    await harness.restart()
    assert len(fake.find("PUT", COMMANDS_PATH)) == 2


async def test_start_returns_before_ready_and_interactions_are_served(running: Harness) -> None:
    adapter = running.adapter
    assert adapter is not None and adapter.client is not None
    # discord.py dispatches on_ready only after waiting ~2 s for guilds; we must not wait.
    assert not adapter.client.is_ready()
    call = await running.ask("help")
    assert not adapter.client.is_ready()
    assert call.json["type"] == 4
    assert "whybot" in text_of(call.message)


async def test_interaction_dispatched_before_the_ready_event_is_served(harness: Harness) -> None:
    early = slash("start")
    harness.fake.before_ready = [early]
    await harness.start()
    call = await harness.fake.callback_for(int(early["id"]))
    assert "whybot" in text_of(call.message)


async def test_stop_is_clean_and_idempotent(harness: Harness) -> None:
    adapter = await harness.start()
    client = adapter.client
    assert client is not None
    assert harness.bot is not None
    await harness.bot.stop()
    assert client.is_closed()
    await adapter.stop()  # a second stop does nothing
    harness.bot = None
    await harness.fake.wait_for(lambda: harness.fake.connected == 0)


async def test_gateway_reconnect_resumes_without_duplicating_anything(running: Harness) -> None:
    fake = running.fake
    await fake.ask_to_reconnect()
    await fake.wait_for(lambda: len(fake.resumes) == 1 and fake.connected == 1)
    assert fake.resumes[0]["session_id"] == "session-1"
    assert len(fake.identifies) == 1

    payload = slash("help")
    call = await running.send(payload)
    assert "whybot" in text_of(call.message)
    await running.ask("reminders")  # later traffic flows, and the first was answered once
    assert len(fake.find("POST", rf"/interactions/{payload['id']}/[^/]+/callback")) == 1
    assert len(fake.find("PUT", COMMANDS_PATH)) == 1


async def test_bad_token_fails_start_cleanly(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.fail("GET", "/users/@me", 401, {"message": "401: Unauthorized", "code": 0})
    settings = load_settings(
        _env_file=None,
        DATABASE_URL=f"sqlite:///{tmp_path}/t.db",
        DISCORD_BOT_TOKEN="wrong",
        DISCORD_API_BASE_URL=fake.api_base,
    )
    adapter = DiscordAdapter(WhyBot(settings).core, settings)
    with pytest.raises(discord.LoginFailure):
        await adapter.start()
    assert adapter.client is None
    assert not fake.identifies
    await adapter.stop()


async def test_redirection_is_scoped_to_the_adapters_client(running: Harness) -> None:
    # The class attributes every other discord.py client would use are untouched...
    assert Route.BASE == "https://discord.com/api/v10"
    assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "wss://gateway.discord.gg/"
    assert type(async_context.get()) is AsyncWebhookAdapter
    # ...while this adapter's client talks to the fake for REST, gateway and callbacks.
    assert running.fake.identifies
    assert (await running.ask("help")).json["type"] == 4


def test_rebase_rewrites_only_discord_urls() -> None:
    rebase = Rebase("http://127.0.0.1:9/api/v10/")
    assert rebase.rest(Route.BASE + "/users/@me") == "http://127.0.0.1:9/api/v10/users/@me"
    assert rebase.rest("https://cdn.example/x") == "https://cdn.example/x"
    rebase.gateway = yarl.URL("ws://127.0.0.1:9/gateway")
    assert (
        rebase.websocket("wss://gateway.discord.gg/?v=10&encoding=json")
        == "ws://127.0.0.1:9/gateway?v=10&encoding=json"
    )
    assert rebase.websocket("ws://127.0.0.1:9/resume?v=10") == "ws://127.0.0.1:9/resume?v=10"
