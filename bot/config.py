"""Configuration from environment variables (and a .env file when present)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.timeparse import parse_duration


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///whybot.db", alias="DATABASE_URL")
    seller_window: timedelta = Field(default=timedelta(hours=48), alias="WHYBOT_SELLER_WINDOW")
    retention: timedelta = Field(default=timedelta(days=90), alias="WHYBOT_RETENTION")
    lease: timedelta = Field(default=timedelta(minutes=2), alias="WHYBOT_LEASE")
    log_level: str = Field(default="INFO", alias="WHYBOT_LOG_LEVEL")
    telegram_bot_token: str | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_base_url: str | None = Field(default=None, alias="TELEGRAM_BASE_URL")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_webhook_listen: str = Field(default="0.0.0.0:8443", alias="TELEGRAM_WEBHOOK_LISTEN")
    discord_bot_token: str | None = Field(default=None, alias="DISCORD_BOT_TOKEN")
    discord_api_base_url: str | None = Field(default=None, alias="DISCORD_API_BASE_URL")
    # moderators (issue 12): live cards, auto-answer, statistics
    cards_dir: Path | None = Field(default=None, alias="WHYBOT_CARDS_DIR")
    cards_poll: float = Field(default=5.0, gt=0, le=3600, alias="WHYBOT_CARDS_POLL")
    auto_threshold: float = Field(default=85.0, ge=0, le=100, alias="WHYBOT_AUTO_THRESHOLD")
    auto_cooldown: timedelta = Field(default=timedelta(minutes=5), alias="WHYBOT_AUTO_COOLDOWN")
    auto_queue: int = Field(default=100, ge=1, le=100_000, alias="WHYBOT_AUTO_QUEUE")
    unanswered_retention: timedelta = Field(
        default=timedelta(days=30), alias="WHYBOT_UNANSWERED_RETENTION"
    )
    discord_message_content: bool = Field(default=False, alias="WHYBOT_DISCORD_MESSAGE_CONTENT")
    discord_shard_count: int | None = Field(default=None, alias="DISCORD_SHARD_COUNT")
    discord_shard_ids: str | None = Field(default=None, alias="DISCORD_SHARD_IDS")
    """Comma list, normalized to ``0,1``; read it through :attr:`discord_shards`."""
    discord_sync_commands: bool | None = Field(default=None, alias="DISCORD_SYNC_COMMANDS")
    http_port: int | None = Field(default=None, alias="WHYBOT_HTTP_PORT")
    http_host: str = Field(default="0.0.0.0", alias="WHYBOT_HTTP_HOST")

    @field_validator(
        "seller_window",
        "retention",
        "lease",
        "auto_cooldown",
        "unanswered_retention",
        mode="before",
    )
    @classmethod
    def _window(cls, value: object) -> object:
        if isinstance(value, str):
            parsed = parse_duration(value)
            if parsed is None or parsed <= timedelta(0):
                raise ValueError("expected a duration like 48h, 2d or 1d12h")
            return parsed
        return value

    @field_validator("cards_dir", mode="before")
    @classmethod
    def _cards_dir(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if value is not None and not Path(str(value)).is_dir():
            raise ValueError("not a directory of card files (*.yaml)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("sqlite://"):
            return value
        if value.startswith(("postgresql://", "postgres://")):
            if not value.split("://", 1)[1].strip("/"):
                raise ValueError("postgresql:// needs a host or a database name")
            return value
        raise ValueError(
            "expected sqlite:///path/to/file.db (or sqlite:///:memory:)"
            " or postgresql://user:password@host:port/database"
        )

    @field_validator("lease")
    @classmethod
    def _lease(cls, value: timedelta) -> timedelta:
        if value < timedelta(seconds=5):
            raise ValueError("at least 5s: a live process must not lose its claims")
        return value

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return upper

    @field_validator(
        "telegram_bot_token",
        "discord_bot_token",
        "telegram_base_url",
        "discord_api_base_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("discord_shard_count", mode="before")
    @classmethod
    def _shard_count(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            if not value.strip().isdigit() or int(value) < 1:
                raise ValueError("expected a whole number of shards, 1 or more")
            return int(value)
        return value

    @field_validator("discord_sync_commands", mode="before")
    @classmethod
    def _sync_commands(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: object, info: ValidationInfo) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        parts = [p.strip() for p in str(value).split(",")]
        if not all(p.isdigit() for p in parts):
            raise ValueError("expected shard numbers separated by commas, like 0,1")
        ids = [int(p) for p in parts]
        count = info.data.get("discord_shard_count")
        if count is None:
            raise ValueError("needs DISCORD_SHARD_COUNT (the total number of shards)")
        if len(set(ids)) != len(ids):
            raise ValueError("a shard is listed twice")
        if max(ids) >= count:
            raise ValueError(f"shards are numbered 0 to {count - 1} (DISCORD_SHARD_COUNT)")
        return ",".join(str(i) for i in sorted(ids))

    @field_validator("telegram_webhook_url", "telegram_webhook_secret", mode="before")
    @classmethod
    def _webhook_blank(cls, value: object) -> object:
        return value.strip() or None if isinstance(value, str) else value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlsplit(value)
        if parsed.scheme not in ("https", "http") or not parsed.hostname:
            raise ValueError(
                "expected the public URL Telegram posts to, like https://bot.example.com/tg"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("1 to 256 characters, letters, digits, _ and - only (Telegram's rule)")
        if value is None and info.data.get("telegram_webhook_url"):
            raise ValueError("required with TELEGRAM_WEBHOOK_URL: every request must carry it")
        return value

    @field_validator("telegram_webhook_listen", mode="before")
    @classmethod
    def _webhook_listen(cls, value: object) -> object:
        if isinstance(value, str):
            host, sep, port = value.strip().rpartition(":")
            if not sep or not host or not port.isdigit() or int(port) > 65535:
                raise ValueError("expected host:port, like 0.0.0.0:8443")
            return value.strip()
        return value

    @field_validator("http_port", mode="before")
    @classmethod
    def _http_port(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return None
            if not value.strip().isdigit() or int(value) > 65535:
                raise ValueError("expected a port number (0 picks a free one)")
            return int(value)
        return value

    @property
    def telegram_webhook_address(self) -> tuple[str, int]:
        """TELEGRAM_WEBHOOK_LISTEN as (host, port)."""
        host, _, port = self.telegram_webhook_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @property
    def telegram_webhook_path(self) -> str:
        """The path Telegram posts to: the path of TELEGRAM_WEBHOOK_URL ('/' if none)."""
        return urlsplit(self.telegram_webhook_url or "").path or "/"

    @property
    def discord_shards(self) -> tuple[int, ...] | None:
        """The shards this process runs; None when DISCORD_SHARD_IDS is unset (all of
        DISCORD_SHARD_COUNT, or as many as Discord recommends when that is unset too)."""
        if self.discord_shard_ids is None:
            return None
        return tuple(int(i) for i in self.discord_shard_ids.split(","))

    @property
    def sqlite_path(self) -> str:
        """The file path in DATABASE_URL (``:memory:`` for an in-memory database)."""
        return self.database_url.removeprefix("sqlite:///").removeprefix("sqlite://") or ":memory:"


def load_settings(**overrides: object) -> Settings:
    """Read settings; raise :class:`ConfigError` naming the first wrong variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err.get("loc") else "configuration"
        field = Settings.model_fields.get(name)
        var = field.alias if field and field.alias else name
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{var}: {msg}") from None
