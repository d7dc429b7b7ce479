"""Settings: every variable of the specification, and a bad configuration stops the bot with exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.settings import Settings, SettingsError, load_settings

GOOD = {
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "SLACK_BOT_TOKEN": "xoxb-good-token",
    "PUBLIC_URL": "https://bot.example.com/",
    "SECRET_KEY": "k" * 40,
}


def set_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def problems(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> list[str]:
    set_env(monkeypatch, values)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    return caught.value.problems


def test_defaults_follow_the_specification(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, GOOD)
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api"
    assert settings.slack_api_base == "https://slack.com/api/"
    assert settings.qovery_api_url == "https://api.qovery.com"
    assert settings.public_url == "https://bot.example.com"  # trailing slash dropped for URL building
    assert settings.database_url == "sqlite+aiosqlite:///./qovery-slack.db"
    assert (settings.host, settings.port, settings.slash_command) == ("0.0.0.0", 3000, "/qovery")
    assert (settings.log_level, settings.log_format) == ("INFO", "text")
    assert settings.admin_user_ids == []
    assert not settings.multi_workspace


def test_every_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(
        monkeypatch,
        GOOD
        | {
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "QOVERY_API_URL": "http://127.0.0.1:8",
            "QOVERY_API_TOKEN": "qov-token",
            "QOVERY_ORGANIZATION_ID": "0E000000-0000-4000-8000-0000000000A1",
            "DATABASE_URL": "postgresql+asyncpg://bot@db/bot",
            "HOST": "127.0.0.1",
            "PORT": "8080",
            "SLASH_COMMAND": "/deploys",
            "ADMIN_USER_IDS": " U1, U2 ,,U3",
            "LOG_LEVEL": "DEBUG",
            "LOG_FORMAT": "json",
        },
    )
    settings = load_settings()
    assert settings.slack_api_base == "http://127.0.0.1:9/api/"
    assert settings.qovery_api_token is not None
    assert settings.qovery_api_token.get_secret_value() == "qov-token"
    assert settings.qovery_organization_id == "0e000000-0000-4000-8000-0000000000a1"
    assert settings.port == 8080
    assert settings.slash_command == "/deploys"
    assert settings.admin_user_ids == ["U1", "U2", "U3"]
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")


def test_dotenv_file_is_read_and_environment_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("\n".join(f"{k}={v}" for k, v in GOOD.items()) + "\nPORT=4000\n")
    monkeypatch.setenv("PORT", "5000")
    settings = load_settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-good-token"
    assert settings.port == 5000


def test_oauth_mode_needs_both_client_values(monkeypatch: pytest.MonkeyPatch) -> None:
    oauth = {k: v for k, v in GOOD.items() if k != "SLACK_BOT_TOKEN"}
    set_env(monkeypatch, oauth | {"SLACK_CLIENT_ID": "123.456", "SLACK_CLIENT_SECRET": "client-secret"})
    assert load_settings().multi_workspace
    monkeypatch.delenv("SLACK_CLIENT_SECRET")
    [problem] = problems(monkeypatch, {})
    assert "no Slack mode" in problem
    assert "SLACK_CLIENT_SECRET" in problem


def test_both_slack_modes_at_once_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    [problem] = problems(monkeypatch, GOOD | {"SLACK_CLIENT_ID": "1", "SLACK_CLIENT_SECRET": "2"})
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set" in problem


def test_missing_values_are_each_named_with_a_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    found = problems(monkeypatch, {})
    assert [p.split(" ")[0] for p in found] == ["SLACK_SIGNING_SECRET", "PUBLIC_URL", "SECRET_KEY", "no"]
    secret_key = next(p for p in found if p.startswith("SECRET_KEY"))
    assert "secrets.token_urlsafe" in secret_key  # says how to generate one


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SECRET_KEY", "too-short", "SECRET_KEY: must be at least 32 characters"),
        ("PUBLIC_URL", "bot.example.com", "PUBLIC_URL: must be an http:// or https:// URL"),
        ("SLACK_API_URL", "ftp://slack", "SLACK_API_URL: must be an http:// or https:// URL"),
        ("DATABASE_URL", "sqlite:///bot.db", "DATABASE_URL: needs an async driver"),
        ("DATABASE_URL", "not a url", "DATABASE_URL: is not a database URL"),
        ("PORT", "eighty", "PORT: Input should be a valid integer"),
        ("PORT", "70000", "PORT: Input should be less than or equal to 65535"),
        ("SLASH_COMMAND", "qovery", "SLASH_COMMAND: must be a command name such as /qovery"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT: Input should be 'text' or 'json'"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN: must be a bot token starting with xoxb-"),
        ("SLACK_SIGNING_SECRET", "  ", "SLACK_SIGNING_SECRET: is empty"),
        ("QOVERY_ORGANIZATION_ID", "../org", "QOVERY_ORGANIZATION_ID: must be the organization's id, a UUID"),
    ],
)
def test_invalid_value_is_named(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    [problem] = problems(monkeypatch, GOOD | {variable: value})
    assert problem.startswith(expected)


def test_secrets_are_hidden_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    set_env(monkeypatch, GOOD)
    shown = repr(load_settings()) + str(load_settings())
    for secret in ("signing-secret-value", "xoxb-good-token", "k" * 40):
        assert secret not in shown


def test_serve_with_bad_settings_exits_2_naming_each_variable(tmp_path: Path) -> None:
    leaked = "xoxp-this-value-must-never-be-printed"
    env = {"PATH": os.environ["PATH"], "SLACK_BOT_TOKEN": leaked, "SECRET_KEY": "short-secret-value"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "qovery-slack cannot start; fix these settings:"
    named = [line.split()[0].rstrip(":") for line in lines[1:]]
    assert named == ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "PUBLIC_URL", "SECRET_KEY"]
    assert "Traceback" not in result.stderr
    assert leaked not in result.stderr
    assert "short-secret-value" not in result.stderr


def test_manifest_command_needs_only_the_public_url(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "SLASH_COMMAND": "/deploys"}
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "manifest"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("PUBLIC_URL is required")
    given = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "--public-url", "https://bot.example.org/"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert given.returncode == 0
    assert "url: https://bot.example.org/slack/events" in given.stdout
    assert "command: /deploys" in given.stdout


def test_settings_model_covers_every_documented_variable() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in readme, f"{name.upper()} is not in the README's configuration table"
