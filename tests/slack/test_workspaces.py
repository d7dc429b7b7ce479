"""Many workspaces: the OAuth install, token rotation, removing the app, and each workspace kept apart."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from adapters.settings import Settings
from adapters.sql.engine import create_engine
from adapters.sql.tables import slack_bots, slack_installations
from tests.conftest import OAUTH_CLIENT_SECRET, QUICK_RETRIES, make_settings
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import TEAM_ID, FakeSlack
from tests.helpers import subscribe

OTHER_TEAM = "T0GLOBEX1"


@pytest.fixture
def oauth_settings(slack: FakeSlack, qovery: FakeQovery, acme: Acme, tmp_path: Any) -> Settings:
    """Multi-workspace mode; both workspaces share Acme's organization through QOVERY_API_TOKEN."""
    return make_settings(
        slack,
        slack_bot_token=None,
        slack_client_id="123.456",
        slack_client_secret=OAUTH_CLIENT_SECRET,
        qovery_api_url=qovery.url,
        qovery_api_token=SecretStr(acme.token),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
    )


def install(app: RunningApp, team_id: str) -> httpx.Response:
    """Add the app to a workspace, as a browser does: the install page, then Slack's redirect back."""
    page = app.http.get("/slack/install")
    assert page.status_code == 200
    state = re.search(r"state=([\w-]+)", page.text)
    assert state is not None, page.text
    cookie = page.headers["set-cookie"].split(";")[0]  # a Secure cookie: httpx keeps it off plain http
    return app.http.get(
        "/slack/oauth_redirect",
        params={"code": f"code-{team_id}", "state": state.group(1)},
        headers={"Cookie": cookie},
    )


@pytest.fixture
def oauth_app(oauth_settings: Settings, slack: FakeSlack, qovery: FakeQovery) -> Iterator[RunningApp]:
    slack.tokens.clear()  # no bot token but those installs give
    with serve(oauth_settings, slack, pace=QUICK_RETRIES) as running:
        qovery.redirects[oauth_settings.public_url] = running.url
        for team in (TEAM_ID, OTHER_TEAM):
            assert install(running, team).status_code == 200
        yield running


def count(app: RunningApp, table: Any, team_id: str) -> int:
    async def read() -> int:
        engine = create_engine(app.settings.database_url)
        try:
            async with engine.connect() as connection:
                query = select(func.count()).select_from(table).where(table.c.team_id == team_id)
                return int((await connection.execute(query)).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def tokens_on_disk(app: RunningApp) -> list[bytes]:
    """Slack tokens anywhere in the database's files, as someone reading the disk would find them."""
    database = Path(str(make_url(app.settings.database_url).database))
    return [
        token
        for file in database.parent.glob(database.name + "*")  # the database, its WAL and shared memory
        for token in re.findall(rb"xox[a-z]-[\w-]+", file.read_bytes())
    ]


def test_installing_stores_each_workspace_in_the_database(oauth_app: RunningApp, slack: FakeSlack) -> None:
    assert count(oauth_app, slack_installations, TEAM_ID) == 1
    assert count(oauth_app, slack_bots, OTHER_TEAM) == 1
    assert len(slack.tokens) == 2
    assert tokens_on_disk(oauth_app) == []  # sealed with SECRET_KEY
    [exchange, *_] = slack.calls_to("oauth.v2.access")
    assert exchange.args["code"] == f"code-{TEAM_ID}"
    assert exchange.args["redirect_uri"] == "http://bot.test/slack/oauth_redirect"


def test_each_workspace_gets_its_cards_with_its_own_token(
    oauth_app: RunningApp, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    for team in (TEAM_ID, OTHER_TEAM):
        assert "Webhook created" in oauth_app.ask("subscribe --events all", team_id=team)["text"]
    for webhook_id in list(qovery.webhooks):
        qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    posts = slack.wait_for("chat.postMessage", 2)
    assert sorted(slack.tokens[post.token or ""] for post in posts) == sorted([TEAM_ID, OTHER_TEAM])


def test_one_workspace_never_sees_or_changes_anothers(
    oauth_app: RunningApp, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    theirs = subscribe(oauth_app, qovery, team_id=TEAM_ID).webhook_id
    slack.fail("chat.postMessage", error="is_archived")
    qovery.deliver(theirs, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    slack.wait_for("chat.postMessage")
    listed = oauth_app.ask("webhook list", team_id=OTHER_TEAM)
    assert theirs[:8] not in json.dumps(listed)
    for command in (
        f"webhook show {theirs[:8]}",
        f"webhook delete {theirs[:8]}",
        f"webhook disable {theirs}",
    ):
        answer = oauth_app.ask(command, team_id=OTHER_TEAM)["text"]
        assert "has no webhook" in answer or "No webhook of the organization" in answer
    deleted = oauth_app.click("webhook_delete", theirs, team_id=OTHER_TEAM)
    assert theirs in qovery.webhooks, deleted  # the button, forged, does not reach it either
    assert (
        oauth_app.ask("deliveries", team_id=OTHER_TEAM)["text"]
        == "Qovery has delivered nothing to this channel yet."
    )
    failed = oauth_app.ask("deliveries", team_id=TEAM_ID)
    [button] = [b["accessory"] for b in failed["blocks"] if "accessory" in b]
    refused = oauth_app.click(button["action_id"], button["value"], team_id=OTHER_TEAM)
    assert "not waiting for a replay" in refused["text"]


def event(app: RunningApp, team_id: str, payload: dict[str, Any]) -> httpx.Response:
    """An Events API callback from Slack, signed."""
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": team_id,
            "api_app_id": "A0QOVERY1",
            "event_id": f"Ev{team_id}",
            "event_time": 1795774500,
            "event": payload,
        }
    )
    return app.http.post(
        "/slack/events", content=body, headers=app.signer.headers(body, content_type="application/json")
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["U0BOT0001"]}},
    ],
)
def test_removing_the_app_forgets_the_workspace_and_its_webhooks(
    oauth_app: RunningApp, qovery: FakeQovery, payload: dict[str, Any]
) -> None:
    gone = subscribe(oauth_app, qovery, team_id=TEAM_ID).webhook_id
    kept = subscribe(oauth_app, qovery, team_id=OTHER_TEAM).webhook_id
    url = oauth_app.url + qovery.webhooks[gone]["target_url"].removeprefix(oauth_app.settings.public_url)
    assert event(oauth_app, TEAM_ID, payload).status_code == 200
    qovery.wait_for("deleteOrganizationWebhook")
    after = httpx.post(url, content=json.dumps({"text": "Deployed"}))
    assert (after.status_code, after.text) == (404, "no_service")
    assert gone not in qovery.webhooks
    assert kept in qovery.webhooks
    assert count(oauth_app, slack_installations, TEAM_ID) == 0
    assert count(oauth_app, slack_bots, TEAM_ID) == 0
    assert count(oauth_app, slack_installations, OTHER_TEAM) == 1


def test_expiring_tokens_are_rotated(
    oauth_settings: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    slack.tokens.clear()
    slack.token_lifetime_seconds = 600  # under Bolt's two hours: rotated at the next use
    with serve(oauth_settings, slack, pace=QUICK_RETRIES) as app:
        qovery.redirects[oauth_settings.public_url] = app.url
        install(app, TEAM_ID)
        [first_token] = slack.tokens
        webhook_id = subscribe(app, qovery, team_id=TEAM_ID).webhook_id
        refreshes = [
            c for c in slack.calls_to("oauth.v2.access") if c.args.get("grant_type") == "refresh_token"
        ]
        assert refreshes
        qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
        [card] = slack.wait_for("chat.postMessage")
        assert card.token != first_token
        assert slack.tokens[card.token or ""] == TEAM_ID
        assert tokens_on_disk(app) == []  # the new token and its refresh token sealed too
