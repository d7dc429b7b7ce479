"""The bot's configuration: environment variables and an optional `.env`, validated once at start-up.

`load_settings()` either returns valid `Settings` or raises `SettingsError`, whose `problems` are one
readable line per variable: the name, what is wrong, how to fix it. Values are never echoed, so a
misplaced secret cannot leak through an error message.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar, overload
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import CommandError
from bot.qovery import is_qovery_id
from bot.subscriptions import zone_named

__all__ = ["ManifestSettings", "Settings", "SettingsError", "load_settings"]

# Async drivers SQLAlchemy can run the bot on; a sync URL would fail only at the first query.
ASYNC_DRIVERS = {"aiosqlite", "asyncpg", "psycopg", "psycopg_async"}


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// URL")
    return value.rstrip("/")


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _slash_command(value: str) -> str:
    if not value.startswith("/") or len(value) < 2 or " " in value:
        raise ValueError("must be a command name such as /qovery")
    return value


SlashCommand = Annotated[str, AfterValidator(_slash_command)]
_SOURCES = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Every variable of the specification; field names are the variables' names in lower case."""

    model_config = _SOURCES

    slack_signing_secret: SecretStr
    slack_bot_token: SecretStr | None = None
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: HttpUrl = "https://slack.com/api/"
    qovery_api_url: HttpUrl = "https://api.qovery.com"
    qovery_api_token: SecretStr | None = None
    qovery_organization_id: str | None = None
    public_url: HttpUrl
    secret_key: SecretStr
    database_url: str = "sqlite+aiosqlite:///./qovery-slack.db"
    host: str = "0.0.0.0"  # noqa: S104 - a server in a container listens on every interface
    port: int = Field(default=3000, ge=1, le=65535)
    slash_command: SlashCommand = "/qovery"
    admin_user_ids: Annotated[list[str], NoDecode, BeforeValidator(_split_ids)] = []
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # The zone of quiet hours and digests given without one (an IANA name such as Europe/Paris).
    default_timezone: str = "UTC"

    @field_validator("slack_signing_secret", "slack_bot_token", "slack_client_secret", "qovery_api_token")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("is empty")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb- (OAuth & Permissions page of the app)")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError(
                "must be an app-level token starting with xapp- (Basic Information, App-Level Tokens)"
            )
        return value

    @field_validator("qovery_organization_id")
    @classmethod
    def _organization_id_shape(cls, value: str | None) -> str | None:
        # It goes into every Qovery URL, where only a UUID is ever sent.
        if value is not None and not is_qovery_id(value.strip()):
            raise ValueError(
                "must be the organization's id, a UUID (in the console's URL after /organization/)"
            )
        return value.strip().lower() if value is not None else None

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            return zone_named(value)
        except CommandError:
            raise ValueError("is not a time zone: give an IANA name such as Europe/Paris or UTC") from None

    @field_validator("database_url")
    @classmethod
    def _async_database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("is not a database URL such as sqlite+aiosqlite:///./qovery-slack.db") from None
        if url.get_driver_name() not in ASYNC_DRIVERS:
            raise ValueError(
                "needs an async driver: sqlite+aiosqlite:///path or postgresql+asyncpg://user@host/db"
            )
        return value

    @model_validator(mode="after")
    def _one_slack_mode(self) -> Settings:
        problem = _slack_mode_problem(self.slack_bot_token, self.slack_client_id, self.slack_client_secret)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def multi_workspace(self) -> bool:
        return self.slack_bot_token is None

    @property
    def slack_api_base(self) -> str:
        # slack-sdk joins method names onto the base URL, so it must end with a slash.
        return self.slack_api_url + "/"


def _slack_mode_problem(bot_token: object, client_id: object, client_secret: object) -> str | None:
    if bot_token and (client_id or client_secret):
        return (
            "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: "
            "keep the bot token for one workspace, or the client pair for many, not both"
        )
    if not bot_token and not (client_id and client_secret):
        return (
            "no Slack mode: set SLACK_BOT_TOKEN (one workspace), "
            "or both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth install for many)"
        )
    return None


class _SlackCredentials(BaseSettings):
    """Only whether each Slack credential is set: checked alone when other settings already failed."""

    model_config = _SOURCES

    slack_bot_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None


class ManifestSettings(BaseSettings):
    """The two variables `qovery-slack manifest` needs: the app is created before its secrets exist."""

    model_config = _SOURCES

    public_url: HttpUrl
    slash_command: SlashCommand = "/qovery"


S = TypeVar("S", bound=BaseSettings)


class SettingsError(Exception):
    """The configuration cannot start the bot; `problems` holds one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


_HOW_TO_FIX = {
    "slack_signing_secret": "copy it from the app's Basic Information page in Slack",
    "public_url": "set it to the bot's externally reachable base URL, such as https://qovery-slack.example.com",
    "secret_key": (
        "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))' "
        "and keep it: it decrypts the stored tokens"
    ),
}


def _describe(error: ErrorDetails) -> str:
    field = str(error["loc"][0]) if error["loc"] else ""
    # pydantic prefixes the messages of plain ValueErrors; the variable name says enough.
    message = error["msg"].removeprefix("Value error, ")
    if not field:
        return message
    variable = field.upper()
    hint = _HOW_TO_FIX.get(field)
    if error["type"] == "missing":
        return f"{variable} is required: {hint or 'set it'}"
    return f"{variable}: {message}" + (f"; {hint}" if hint else "")


@overload
def load_settings() -> Settings: ...
@overload
def load_settings(kind: type[S], **overrides: Any) -> S: ...
def load_settings(kind: type[BaseSettings] = Settings, **overrides: Any) -> BaseSettings:
    """Read the settings from the environment (and `.env`), or raise `SettingsError`."""
    try:
        return kind(**overrides)
    except ValidationError as error:
        # include_input=False: the offending value may be a secret pasted into the wrong variable.
        problems = [_describe(e) for e in error.errors(include_input=False, include_url=False)]
        # pydantic skips the model check once a field failed; report a missing Slack mode all the same.
        if kind is Settings and not any(p.startswith(("SLACK_BOT", "no Slack mode")) for p in problems):
            raw = _SlackCredentials(**{k: v for k, v in overrides.items() if k.startswith("slack_")})
            mode = _slack_mode_problem(raw.slack_bot_token, raw.slack_client_id, raw.slack_client_secret)
            problems += [mode] if mode else []
        raise SettingsError(problems) from None
