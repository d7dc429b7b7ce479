"""A confirmation says whose Qovery token the action runs with; what runs is that, on both databases: one
who logs in or out between the confirmation and the click is told, and nothing runs with another token."""

from __future__ import annotations

import json

import pytest

from adapters.settings import Settings
from tests.actions.test_actions import confirm, log_in
from tests.conftest import make_settings
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, FakeSlack


@pytest.fixture
def settings(slack: FakeSlack, qovery: FakeQovery, database_url: str) -> Settings:
    return make_settings(slack, qovery_api_url=qovery.url, database_url=database_url)


def test_a_confirmation_for_your_own_token_never_runs_with_the_workspaces_after_a_logout(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    own = qovery.add_token(acme.organization_id, role="DEPLOYER")
    assert log_in(acme_app, own, user_id=ADMIN).status_code == 200
    acme_app.reply("login")
    confirmation = acme_app.ask("redeploy billing/production")
    assert "Qovery will be asked with your own Qovery token" in json.dumps(confirmation)
    acme_app.ask("logout")
    done = confirm(acme_app, confirmation)
    assert "Nothing was done" in done["text"]
    assert "your own Qovery token" in done["text"]
    assert qovery.calls_to("redeployEnvironment") == []  # never as the workspace


def test_a_confirmation_for_the_workspaces_token_never_runs_with_one_logged_in_since(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    confirmation = acme_app.ask("redeploy billing/production")
    assert "Qovery will be asked with the workspace's Qovery token" in json.dumps(confirmation)
    own = qovery.add_token(acme.organization_id, role="DEPLOYER")
    assert log_in(acme_app, own, user_id=ADMIN).status_code == 200
    acme_app.reply("login")
    done = confirm(acme_app, confirmation)
    assert "Nothing was done" in done["text"]
    assert qovery.calls_to("redeployEnvironment") == []
