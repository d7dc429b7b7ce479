"""`/qovery connect` and `disconnect`: a workspace's own Qovery token, checked, sealed, and forgotten."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from adapters.settings import Settings
from adapters.sql.engine import create_engine
from adapters.sql.tables import workspaces
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, MEMBER, FakeSlack


def stored_token_column(app: RunningApp) -> str | None:
    async def read() -> str | None:
        engine = create_engine(app.settings.database_url)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(select(workspaces.c.qovery_token))).scalar()
        finally:
            await engine.dispose()

    return asyncio.run(read())


def open_connect_form(app: RunningApp, reply: str = "connect") -> dict[str, Any]:
    ack = app.command("connect", response_url=reply, user_id=ADMIN)
    assert (ack.status_code, ack.content) == (200, b"")
    return app.slack.wait_for("views.open")[-1].view()


def test_connect_opens_a_form_for_the_token(app: RunningApp) -> None:
    form = open_connect_form(app)
    assert form["callback_id"] == "connect_form"
    assert [b["block_id"] for b in form["blocks"]] == ["token"]


def test_a_good_token_is_stored_sealed_and_used(app: RunningApp, qovery: FakeQovery, acme: Acme) -> None:
    form = open_connect_form(app)
    closed = app.submit(form, {"token": f"  {acme.token} "})
    assert (closed.status_code, closed.content) == (200, b"")
    assert "Connected to the Qovery organization *Acme*" in app.reply("connect")["text"]
    sealed = stored_token_column(app)
    assert sealed is not None
    assert acme.token not in sealed
    # The workspace now works with its own token, though QOVERY_API_TOKEN is unset.
    assert "The organization has no webhooks yet" in app.ask("webhook list", user_id=MEMBER)["text"]
    assert qovery.calls_to("listOrganizationWebHooks")[0].token == acme.token
    assert all(acme.token not in json.dumps(call.args) for call in app.slack.calls)


def test_a_refused_token_is_shown_under_its_field(app: RunningApp) -> None:
    refused = app.submit(open_connect_form(app), {"token": "qov_not_a_real_token"})
    answer = refused.json()
    assert answer["response_action"] == "errors"
    assert "Qovery refused this token" in answer["errors"]["token"]
    assert stored_token_column(app) is None


def test_slow_qovery_is_shown_under_the_field_within_slacks_limit(
    app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.delay("listOrganization", 4.0, times=1)
    refused = app.submit(open_connect_form(app), {"token": acme.token})
    assert "did not answer in time" in refused.json()["errors"]["token"]


def test_several_organizations_are_chosen_in_the_form(
    app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    globex = qovery.add_organization("Globex")
    token = qovery.add_token(acme.organization_id, globex)
    answer = app.submit(open_connect_form(app), {"token": token}).json()
    assert answer["response_action"] == "update"
    choice = answer["view"]
    assert token not in json.dumps(choice)  # the token went back to Slack sealed, not readable
    [select_block] = choice["blocks"]
    assert {o["text"]["text"] for o in select_block["element"]["options"]} == {"Acme", "Globex"}
    closed = app.submit(choice, {"organization": globex})
    assert (closed.status_code, closed.content) == (200, b"")
    assert "*Globex*" in app.reply("connect")["text"]
    app.ask("webhook list")
    assert qovery.calls_to("listOrganizationWebHooks")[0].path == f"/organization/{globex}/webhook"


def test_members_may_not_connect(app: RunningApp, acme: Acme) -> None:
    form = open_connect_form(app)
    refused = app.submit(form, {"token": acme.token}, user_id=MEMBER).json()
    assert "Sorry, only workspace admins and owners" in refused["errors"]["token"]
    assert stored_token_column(app) is None


@pytest.fixture
def connected(app: RunningApp, acme: Acme) -> RunningApp:
    app.submit(open_connect_form(app), {"token": acme.token})
    app.reply("connect")
    return app


def test_who_connected_may_change_webhooks_after_losing_admin(
    connected: RunningApp, settings: Settings, slack: FakeSlack
) -> None:
    slack.users[ADMIN] = {"is_admin": False}
    with serve(settings, slack) as restarted:  # a fresh role cache
        answer = restarted.ask("subscribe --events failure", user_id=ADMIN)
        assert "Webhook created" in answer["text"]


def test_disconnect_forgets_the_token(connected: RunningApp) -> None:
    assert "is forgotten" in connected.ask("disconnect")["text"]
    assert stored_token_column(connected) is None
    assert "no Qovery token yet" in connected.ask("webhook list")["text"]
    assert "had no Qovery token of its own" in connected.ask("disconnect")["text"]
