"""Socket Mode (SLACK_APP_TOKEN): slash commands and buttons over Slack's WebSocket, no public URL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from adapters.settings import Settings, SettingsError, load_settings
from tests.fakes.app_server import serve
from tests.fakes.slack_api import ADMIN, CHANNEL, TEAM_ID, FakeSlack
from tests.fakes.socket_mode import FakeSocketMode


@pytest.fixture
def socket_mode(slack: FakeSlack) -> Iterator[FakeSocketMode]:
    fake = FakeSocketMode()
    slack.socket_mode_url = fake.url
    yield fake
    fake.stop()


def test_slash_commands_arrive_over_the_websocket(
    settings: Settings, slack: FakeSlack, socket_mode: FakeSocketMode
) -> None:
    configured = settings.model_copy(update={"slack_app_token": SecretStr("xapp-1-test")})
    with serve(configured, slack):
        [opened] = slack.calls_to("apps.connections.open")
        assert opened.token == "xapp-1-test"
        envelope = {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "token": "deprecated",
                "team_id": TEAM_ID,
                "channel_id": CHANNEL,
                "channel_name": "deploys",
                "user_id": ADMIN,
                "command": "/qovery",
                "text": "frobnicate",
                "api_app_id": "A0QOVERY1",
                "response_url": slack.response_url("socket"),
                "trigger_id": f"{int(time.time())}.1.2",
            },
        }
        ack = socket_mode.send(envelope)
        assert ack["envelope_id"] == "env-1"
        assert "Unknown subcommand `frobnicate`" in ack["payload"]["text"]


def test_a_token_that_is_not_an_app_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xoxb-not-an-app-token",
        "PUBLIC_URL": "https://bot.example.com",
        "SECRET_KEY": "k" * 32,
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    [problem] = caught.value.problems
    assert problem.startswith("SLACK_APP_TOKEN: must be an app-level token starting with xapp-")
