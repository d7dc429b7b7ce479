"""The deployment queue end to end: an action from Slack on a busy environment is queued by Qovery (the
fake queues as Qovery does, spec-checked); its message in the channel says behind what and carries
**Cancel request**, which cancels that request exactly, once; the message is edited when the request
starts (seen by one replica's minute check, on a moved clock); `/qovery status` shows the queue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.core import build_core
from adapters.queue_schedule import follow_if_due
from adapters.sql.engine import migrate
from bot.actions.queue import QueuedRequests
from tests.actions.test_actions import audit_posts, confirm, shown
from tests.approvals.test_approvals import edit_of as request_edit
from tests.approvals.test_approvals import press as press_request
from tests.approvals.test_approvals import requests
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import ADMIN, MEMBER, SlackCall


@pytest.fixture
def busy(acme_app: RunningApp, qovery: FakeQovery, acme: Acme) -> RunningApp:
    """billing / production deploys bob's change, started 3 minutes ago."""
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"
    started = datetime.now(UTC) - timedelta(minutes=3)
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYING", created_at=started, triggered_by="bob@acme.com")
    ]
    return acme_app


def cancel_button(call: SlackCall) -> dict[str, Any]:
    [found] = [e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    return dict(found)


def edit_of(app: RunningApp, message: SlackCall) -> str:
    [edit] = app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == message.answer["ts"]
    )
    return shown(edit.args)


def follow(app: RunningApp, minutes: int) -> int:
    """Two replicas' minute check, `minutes` from now: how many requests they saw leave the queue."""

    async def later() -> int:
        core = build_core(app.settings)
        await migrate(core.engine)
        queue = QueuedRequests(core.access, core.actions, core.poster)
        now = datetime.now(UTC) + timedelta(minutes=minutes)
        try:
            done = await asyncio.gather(
                follow_if_due(core.jobs, queue, "replica-1", now),
                follow_if_due(core.jobs, queue, "replica-2", now),
            )
            return sum(done)
        finally:
            await core.close()

    return asyncio.run(later())


def test_a_queued_action_says_behind_what_shows_in_status_and_is_edited_when_it_starts(
    busy: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    answer = confirm(busy, busy.ask("redeploy billing/production"))
    assert "queued by Qovery (the environment is busy), and said in the channel" in answer["text"]
    [message] = audit_posts(busy)
    text = shown(message.args)
    assert "Queued behind bob@acme.com's deploy, started <!date^" in text
    assert cancel_button(message)["text"]["text"] == "Cancel request"
    assert "confirm" in cancel_button(message)
    [waiting] = qovery.queues[acme.environment_id]
    status = shown(busy.ask("status billing/production", user_id=MEMBER))
    assert "1 queued" in status
    assert f"1. deploy by <@{ADMIN}> from Slack, since <!date^" in status
    assert follow(busy, 1) == 0  # still waiting: nothing to say
    qovery.start_queued(acme.environment_id)
    assert follow(busy, 2) == 1  # one replica saw it leave the queue, the other had nothing to do
    edited = edit_of(busy, message)
    assert ":arrow_forward: Started" in edited
    assert "Cancel request" not in edited
    assert follow(busy, 3) == 0
    assert qovery.calls_to("cancelDeploymentRequest") == []
    assert waiting["identifier"]["deployment_request_id"] not in str(busy.ask("status")["blocks"])


def test_cancel_request_cancels_that_request_once_for_whoever_may_cancel(
    busy: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.queues[acme.environment_id] = [
        {"identifier": {"deployment_request_id": "0b0b0b0b-0000-4000-8000-000000000001",
                        "environment_id": acme.environment_id},
         "auditing_data": {"triggered_by": "carol@acme.com", "origin": "CONSOLE"},
         "trigger_action": "DEPLOY", "stages": []}
    ]  # fmt: skip
    confirm(busy, busy.ask("redeploy billing/production"))
    [message] = audit_posts(busy)
    assert "1 request ahead of it" in shown(message.args)
    mine = qovery.queues[acme.environment_id][1]["identifier"]["deployment_request_id"]
    button = cancel_button(message)
    for forged in ("queued:999999", "queued:1; DROP TABLE", "action:1", "x" * 3000):
        assert "does not belong to a queued request" in busy.click(button["action_id"], forged)["text"]
    elsewhere = busy.click(button["action_id"], button["value"], team_id="T0OTHER01")
    assert "does not belong to a queued request" in elsewhere["text"]
    member = busy.click(button["action_id"], button["value"], user_id=MEMBER)  # production: admins only
    assert "admin" in member["text"].lower()
    assert qovery.calls_to("cancelDeploymentRequest") == []
    busy.press(button["action_id"], button["value"], message_ts=message.answer["ts"])
    [cancelled] = qovery.wait_for("cancelDeploymentRequest")
    assert cancelled.path == f"/deploymentQueue/{mine}/cancelDeployment"  # that request exactly
    assert f"Cancelled by <@{ADMIN}> before it started" in edit_of(busy, message)
    again = busy.click(button["action_id"], button["value"])
    assert "no longer waiting" in again["text"]
    assert len(qovery.calls_to("cancelDeploymentRequest")) == 1
    assert [r["trigger_action"] for r in qovery.queues[acme.environment_id]] == ["DEPLOY"]  # carol's stays


def test_a_queue_qovery_will_not_show_holds_up_no_other(
    busy: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    staging = qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    qovery.add_service(staging, "api")
    qovery.statuses[staging]["state"] = "DEPLOYING"
    confirm(busy, busy.ask("redeploy billing/production"))
    confirm(busy, busy.ask("redeploy billing/staging"))
    production_message, staging_message = audit_posts(busy, 2)
    qovery.start_queued(acme.environment_id)
    qovery.start_queued(staging)
    qovery.fail("listDeploymentRequestByEnvironmentId", status=403)  # the first queue read: refused
    assert follow(busy, 1) == 1
    assert "Started" in edit_of(busy, staging_message)
    assert follow(busy, 2) == 1  # the next minute, the one refused before
    assert "Started" in edit_of(busy, production_message)


def test_a_queued_request_qovery_describes_unreadably_still_waits_with_its_cancel_button(
    busy: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    """Qovery's queue names the action's request but says who and what in a shape the bot cannot read:
    the request is still waiting, so its message is not edited to say it left, and Cancel still works."""
    confirm(busy, busy.ask("redeploy billing/production"))
    [message] = audit_posts(busy)
    [waiting] = qovery.queues[acme.environment_id]
    qovery.off_spec.add("listDeploymentRequestByEnvironmentId")
    waiting["auditing_data"] = {"triggered_by": None, "origin": 7}
    waiting["trigger_action"] = {"what": "DEPLOY"}
    assert follow(busy, 1) == 0  # still in Qovery's queue: nothing to say
    assert not [c for c in busy.slack.calls if c.method == "chat.update"]
    status = shown(busy.ask("status billing/production", user_id=MEMBER))
    assert "1 queued" in status
    button = cancel_button(message)
    busy.press(button["action_id"], button["value"], message_ts=message.answer["ts"])
    assert f"Cancelled by <@{ADMIN}> before it started" in edit_of(busy, message)


def test_cancel_request_after_the_request_started_says_so_and_edits_the_message(
    busy: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    """The request left Qovery's queue (it started) before the minute's check saw it: Cancel request
    says it started and nothing was cancelled (not "try again"), and the message loses its button."""
    confirm(busy, busy.ask("redeploy billing/production"))
    [message] = audit_posts(busy)
    qovery.start_queued(acme.environment_id)
    button = cancel_button(message)
    answer = busy.click(button["action_id"], button["value"], message_ts=message.answer["ts"])
    assert "no longer waiting in Qovery's queue" in answer["text"]
    assert "Try again" not in answer["text"]
    edited = edit_of(busy, message)
    assert ":arrow_forward: Started" in edited
    assert "Cancel request" not in edited
    assert follow(busy, 1) == 0  # already said


def test_a_queued_request_whose_environment_was_deleted_is_said_gone_not_followed_forever(
    busy: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    """The environment is deleted in Qovery while the request waits: its queue answers 404 from then
    on. The message says the request left the queue, loses Cancel request, and the bot stops asking."""
    confirm(busy, busy.ask("redeploy billing/production"))
    [message] = audit_posts(busy)
    qovery.fail("listDeploymentRequestByEnvironmentId", status=404, times=None)
    qovery.fail("listEnvironmentDeploymentHistoryV2", status=404, times=None)
    assert follow(busy, 1) == 1
    edited = edit_of(busy, message)
    assert "left the queue" in edited
    assert "Cancel request" not in edited
    asked = len(qovery.calls_to("listDeploymentRequestByEnvironmentId"))
    assert follow(busy, 2) == 0
    assert len(qovery.calls_to("listDeploymentRequestByEnvironmentId")) == asked


def test_an_approved_request_that_qovery_queued_says_queued_not_could_not_run(
    busy: RunningApp, qovery: FakeQovery
) -> None:
    """An approver lets a held-back redeploy through on a busy environment: Qovery queues it. The
    request in the channel says it was queued, never that it could not run."""
    approver = "U0ADMIN002"
    busy.slack.users[approver] = {"is_admin": True}
    busy.ask(f'policy approvals production --approvers "<@{approver}>"')
    assert "your request is in the channel" in confirm(busy, busy.ask("redeploy billing/production"))["text"]
    [request] = requests(busy)
    assert press_request(busy, request, "Approve", approver) is None
    qovery.wait_for("redeployEnvironment")
    decided = request_edit(busy, request)
    assert "could not run" not in decided
    assert "queued" in decided.lower()
