"""Configuration from environment variables (and a .env file when present)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
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
