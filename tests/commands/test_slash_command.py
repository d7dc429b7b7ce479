"""The first command: `/qovery help` through the real Bolt app, real signing and real Starlette."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from bot.commands import SUBCOMMANDS
from tests.conftest import make_settings
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.signing import interactivity_body, slash_command_body
from tests.fakes.slack_api import FakeSlack


def answer_text(answer: dict[str, Any]) -> str:
    """Everything the user reads in an answer: the fallback text and every block's text."""
    return str(answer["text"]) + "\n" + json.dumps(answer.get("blocks", []))


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_help_answers_ephemerally_with_every_subcommand(app: RunningApp, text: str) -> None:
    response = app.command(text)
    assert response.status_code == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    shown = answer_text(answer)
    for usage in (
        "/qovery connect",
        "/qovery disconnect",
        "/qovery webhook list",
        "/qovery webhook create [options]",
        "/qovery webhook show <id>",
        "/qovery webhook edit <id> [options]",
        "/qovery webhook enable <id>",
        "/qovery webhook disable <id>",
        "/qovery webhook delete <id>",
        "/qovery subscribe [options]",
        "/qovery unsubscribe",
        "/qovery deliveries",
    ):
        assert usage in shown
    for option in ("--events", "--projects", "--envs", "--description", "--kind", "--enabled", "--mode"):
        assert option in shown
    assert "/qovery webhook create --events failure,cancelled --envs production" in shown  # an example


def test_help_is_the_acknowledgement_itself(app: RunningApp) -> None:
    # Answered in the HTTP response to Slack's request: nothing waits on another round trip.
    app.command("help")
    assert app.slack.calls_to("response_url") == []


def test_unknown_subcommand_is_named_with_the_accepted_ones(app: RunningApp) -> None:
    answer = app.command("frobnicate now").json()
    assert answer["response_type"] == "ephemeral"
    shown = answer_text(answer)
    assert "Unknown subcommand `frobnicate`" in shown
    for subcommand in SUBCOMMANDS:
        assert f"`{subcommand}`" in shown
    assert "Usage: `/qovery <subcommand> [arguments]`" in shown


def test_unknown_word_from_the_user_is_escaped(app: RunningApp) -> None:
    shown = app.command("<!channel>").json()["text"]
    assert "<!channel>" not in shown
    assert "&lt;!channel&gt;" in shown


def test_unclosed_quote_is_explained(app: RunningApp) -> None:
    shown = app.command('webhook create --description "half').json()["text"]
    assert "could not be read" in shown
    assert "No closing quotation" in shown


def test_command_name_comes_from_settings(slack: FakeSlack, tmp_path: Path) -> None:
    settings = make_settings(
        slack, slash_command="/deploys", database_url=f"sqlite+aiosqlite:///{tmp_path / 'b.db'}"
    )
    with serve(settings, slack) as app:
        shown = answer_text(app.command("help").json())
        assert "/deploys webhook create [options]" in shown
        assert "/qovery" not in shown
        body = slash_command_body("help", command="/qovery", response_url=slack.response_url())
        other = app.http.post("/slack/events", content=body, headers=app.signer.headers(body))
        assert other.status_code == 404  # not this app's command


def test_the_bot_token_is_checked_against_slack_api_url(app: RunningApp) -> None:
    app.command("help")
    [check] = app.slack.calls_to("auth.test")
    assert check.token == "xoxb-test-token"


def test_commands_arriving_together_at_start_wait_for_one_auth_test(app: RunningApp) -> None:
    app.slack.delay("auth.test", 0.5, times=1)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: app.command("help"), range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    assert len(app.slack.calls_to("auth.test")) == 1  # Bolt's own check asked once per waiting command


def post_raw(app: RunningApp, body: str, headers: dict[str, str]) -> int:
    return app.http.post("/slack/events", content=body, headers=headers).status_code


def body_for(app: RunningApp, text: str = "help") -> str:
    return slash_command_body(text, response_url=app.slack.response_url())


def test_missing_signature_is_refused(app: RunningApp) -> None:
    body = body_for(app)
    assert post_raw(app, body, {"Content-Type": "application/x-www-form-urlencoded"}) == 401


def test_wrong_signature_is_refused(app: RunningApp, settings: Settings) -> None:
    body = body_for(app)
    headers = app.signer.headers(body)
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert post_raw(app, body, headers) == 401


def test_body_changed_after_signing_is_refused(app: RunningApp) -> None:
    headers = app.signer.headers(body_for(app, "help"))
    assert post_raw(app, body_for(app, "webhook delete 3f2a9c"), headers) == 401


def test_stale_request_is_refused(app: RunningApp) -> None:
    body = body_for(app)
    assert post_raw(app, body, app.signer.headers(body, age_seconds=6 * 60)) == 401
    assert post_raw(app, body, app.signer.headers(body, age_seconds=60)) == 200


def test_signed_interactivity_payload_is_accepted(app: RunningApp) -> None:
    # Buttons arrive form-encoded as `payload=`; with no listener yet, Bolt acknowledges nothing (404),
    # but the signature check passes, so later listeners can rely on the same helper.
    body = interactivity_body({"type": "block_actions", "team": {"id": "T0TEAM001"}, "actions": []})
    assert post_raw(app, body, app.signer.headers(body)) != 401
