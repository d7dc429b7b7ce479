"""Forged button values naming rows the tables cannot hold, on both databases, through the real app: every
button that names one of the bot's own rows (a card, a confirmation, a request, an alert's firing, a
failed delivery) answers in words that nothing was done; no traceback, and nothing is acted on. On
PostgreSQL an id past INTEGER's range raised in the driver, and the click was never answered."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from adapters.settings import Settings
from bot.actions import CONFIRM_ACTION, DISMISS_ACTION
from bot.alerts.messages import (
    ACKNOWLEDGE_ACTION,
    ALERT_ROLLBACK_ACTION,
    SILENCE_ACTION,
    UNSILENCE_ACTION,
)
from bot.approvals import APPROVE_ACTION, REJECT_ACTION, WITHDRAW_ACTION
from bot.deliveries.cards import CANCEL_ACTION, REDEPLOY_ACTION, ROLLBACK_ACTION
from bot.deliveries.delivery_log import REPLAY_ACTION
from bot.doctor.doctor import REPAIR_ACTION
from bot.doctor.home import PAGE_ACTION
from bot.subscriptions.webhook_views import DELETE_ACTION
from tests.actions.test_actions import buttons
from tests.conftest import make_settings
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, TEAM_ID, FakeSlack
from tests.slack.test_workspaces import event

# Past BIGINT, past INTEGER, signed, zero, non-ASCII digits (Python's `int` reads them), 2,000 digits.
FORGED = ("99999999999999999999", "2147483648", "-1", "0", "+1", " 1", "1 ", "\u0661", "\u0663", "9" * 2000)

_CARD = "does not belong to a deployment card"
_ACTION = "does not belong to a confirmation of yours"
_REQUEST = "does not belong to a request"
_FIRING = "does not belong to an alert of this channel"

# Each button that names a row: its action id, its value around an id, what a click naming nothing says.
BUTTONS: tuple[tuple[str, Callable[[str, str], str], str], ...] = (
    (REDEPLOY_ACTION, lambda row, env: f"card:{row}:{env}", _CARD),
    (CANCEL_ACTION, lambda row, env: f"card:{row}:{env}", _CARD),
    (ROLLBACK_ACTION, lambda row, env: f"card:{row}:{env}", _CARD),
    (CONFIRM_ACTION, lambda row, _: f"action:{row}", _ACTION),
    (DISMISS_ACTION, lambda row, _: f"action:{row}", _ACTION),
    (APPROVE_ACTION, lambda row, _: f"request:{row}", _REQUEST),
    (REJECT_ACTION, lambda row, _: f"request:{row}", _REQUEST),
    (WITHDRAW_ACTION, lambda row, _: f"request:{row}", _REQUEST),
    (ACKNOWLEDGE_ACTION, lambda row, _: f"firing:{row}", _FIRING),
    (SILENCE_ACTION, lambda row, _: f"firing:{row}", _FIRING),
    (UNSILENCE_ACTION, lambda row, _: f"firing:{row}", _FIRING),
    (ALERT_ROLLBACK_ACTION, lambda row, _: f"firing:{row}", _FIRING),
    (REPLAY_ACTION, lambda row, _: row, "not waiting for a replay"),
)


@pytest.fixture
def settings(slack: FakeSlack, qovery: FakeQovery, database_url: str) -> Settings:
    """The app on each database (the PostgreSQL case runs when TEST_POSTGRES_URL is set)."""
    return make_settings(slack, qovery_api_url=qovery.url, database_url=database_url)


def test_a_forged_id_out_of_any_column_is_refused_in_words_on_every_button(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, caplog: pytest.LogCaptureFixture
) -> None:
    proposed = acme_app.ask("redeploy billing/production")  # action 1: `action:\u0661` must not run it
    assert buttons(proposed)["Redeploy"]["value"] == "action:1"
    for action_id, value, words in BUTTONS:
        for row in FORGED:
            answer = acme_app.click(action_id, value(row, acme.environment_id))
            assert words in answer["text"], (action_id, row[:30], answer["text"])
    for row in FORGED:  # the buttons that name something else than a row: a webhook, a finding, a page
        assert "names no webhook: nothing was deleted" in acme_app.click(DELETE_ACTION, row)["text"]
        assert "no longer finds this" in acme_app.click(REPAIR_ACTION, f"finding:{row}")["text"]
    event(acme_app, TEAM_ID, {"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    [home] = acme_app.slack.wait_for("views.publish")
    for row in FORGED:
        page = acme_app.press_in_home(f"{PAGE_ACTION}_next", f"page:{row}", home.view())
        assert "Subscriptions" in json.dumps(page)  # the first page, drawn again
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback
    acted = (
        "redeployEnvironment",
        "cancelEnvironmentDeployment",
        "deployAllServices",
        "deleteOrganizationWebhook",
    )
    assert not [call for name in acted for call in qovery.calls_to(name)]  # nothing acted on
    assert "done" in acme_app.click(CONFIRM_ACTION, "action:1")["text"]  # the real one still works
