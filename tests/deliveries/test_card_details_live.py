"""Cards completed from Qovery's history, end to end (SPEC §10): the fake Qovery serves the history and
the logs, spec-checked; the card goes out at once, then is edited; a failure gets its log lines in the
card's thread; a slow, down or unsure Qovery leaves the card as it was and holds up no other channel."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from tests.deliveries.test_deliveries import OTHER_CHANNEL, cards, drained
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment, log
from tests.fakes.slack_api import CHANNEL, SlackCall
from tests.helpers import subscribe

EXECUTION = "exec-failed-1"


def updates(app: RunningApp) -> list[SlackCall]:
    return app.slack.calls_to("chat.update")


def replies(app: RunningApp) -> list[SlackCall]:
    return [c for c in app.slack.calls_to("chat.postMessage") if c.args.get("thread_ts")]


def failing(qovery: FakeQovery, acme: Acme) -> None:
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYMENT_ERROR", execution_id=EXECUTION, failing="api"),
        deployment(acme.environment_id, status="DEPLOYED", created_at=datetime.now(UTC) - timedelta(days=1)),
    ]
    qovery.environment_logs[acme.environment_id] = [
        log(EXECUTION, "Pulling image"),
        log(EXECUTION, "Error: readiness probe failed on port 8080", error=True),
        log(EXECUTION, "DATABASE_URL=postgres://app:hunter2@db/app"),
        log("another-execution", "not this deployment's"),
    ]


def test_a_failure_card_is_posted_at_once_then_completed_with_its_log_lines_in_its_thread(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    failing(qovery, acme)
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id=EXECUTION)
    [card] = cards(acme_app.slack, 1)
    assert "alice@acme.com" not in json.dumps(card.args)  # at once: what the delivery says
    [edited] = acme_app.slack.wait_for("chat.update")
    [reply] = acme_app.slack.wait_until(lambda c: c.method == "chat.postMessage" and "thread_ts" in c.args)
    shown = json.dumps(edited.args)
    assert edited.args["ts"] == card.answer["ts"]
    assert "Deployment by alice@acme.com from the console" in shown
    assert "Failed at stage *deploy*: *api*" in shown
    assert "View logs" in shown
    said = reply.args["blocks"][0]["text"]["text"]
    assert reply.args["thread_ts"] == card.answer["ts"]
    assert said.index("readiness probe failed") < said.index("Pulling image")  # errors first
    assert "hunter2" not in said
    assert "not this deployment" not in said
    drained(acme_app)
    # What one failed deployment cost at Qovery: one look at the history, one at the logs.
    assert len(qovery.calls_to("listEnvironmentDeploymentHistoryV2")) == 1
    assert len(qovery.calls_to("listEnvironmentLogs")) == 1


def test_a_slow_qovery_holds_up_no_other_channel(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    failing(qovery, acme)
    slow = subscribe(acme_app, qovery, "--kind standard").webhook_id
    other = subscribe(acme_app, qovery, "--kind standard", channel_id=OTHER_CHANNEL).webhook_id
    qovery.delay("listEnvironmentDeploymentHistoryV2", 1.5, times=1)  # within the client's 2 s
    qovery.deliver(slow, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id=EXECUTION)
    cards(acme_app.slack, 1)
    qovery.deliver(other, "DEPLOYMENT_STARTED", environment_id=acme.environment_id, deployment_id="another")
    [elsewhere] = cards(acme_app.slack, 1, channel=OTHER_CHANNEL)
    [edited] = acme_app.slack.wait_for("chat.update", timeout=15)
    assert edited.args["channel"] == CHANNEL
    assert elsewhere.at < edited.at  # the other channel's card did not wait for the slow lookup


def test_a_qovery_that_does_not_answer_leaves_the_card_as_it_was(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    failing(qovery, acme)
    qovery.fail("listEnvironmentDeploymentHistoryV2", status=503, times=None)
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id=EXECUTION)
    cards(acme_app.slack, 1)
    qovery.wait_for("listEnvironmentDeploymentHistoryV2", count=3)  # a read is tried three times
    time.sleep(0.5)
    assert updates(acme_app) == []
    assert replies(acme_app) == []


def test_a_deployment_that_cannot_be_told_for_sure_adds_nothing(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    failing(qovery, acme)
    qovery.history[acme.environment_id].insert(
        0, deployment(acme.environment_id, status="DEPLOYMENT_ERROR", execution_id="exec-failed-2")
    )
    webhook = subscribe(acme_app, qovery).webhook_id  # SLACK bodies carry no deployment id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    [card] = cards(acme_app.slack, 1)
    qovery.wait_for("listEnvironmentDeploymentHistoryV2")
    time.sleep(0.5)
    assert updates(acme_app) == []  # two recent failures: which one? Nothing is said.
    assert "Deployment failed" in card.args["text"]


def test_the_one_recent_deployment_completes_a_card_without_an_id(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    failing(qovery, acme)
    webhook = subscribe(acme_app, qovery).webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    cards(acme_app.slack, 1)
    [edited] = acme_app.slack.wait_for("chat.update")
    assert "Fix invoices" in json.dumps(edited.args)


def test_a_preview_environments_card_lists_its_services_links(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    preview = qovery.add_environment(acme.project_id, "pr-42", mode="PREVIEW")
    entry = deployment(preview, status="DEPLOYED", execution_id="exec-preview")
    api = entry["stages"][1]["services"][0]["identifier"]["service_id"]
    qovery.history[preview] = [entry]
    link = {
        "service_id": api,
        "service_type": "APPLICATION",
        "url": "https://api-pr-42.acme.dev",
        "internal_port": 8080,
        "external_port": 443,
        "is_qovery_domain": True,
        "is_default": True,
    }
    qovery.links[preview] = [link]
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_SUCCESSFUL", environment_id=preview, deployment_id="exec-preview")
    [edited] = acme_app.slack.wait_for("chat.update")
    assert "<https://api-pr-42.acme.dev|api>" in json.dumps(edited.args)
    assert len(qovery.calls_to("listEnvironmentServicesLinks")) == 1


def test_a_history_that_is_not_what_qovery_describes_leaves_the_card_as_it_was(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    garbage = {"results": [{"identifier": 5, "stages": "all of them", "status": None}], "page": "one"}
    qovery.fail("listEnvironmentDeploymentHistoryV2", status=200, body=garbage)
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id=EXECUTION)
    cards(acme_app.slack, 1)
    qovery.wait_for("listEnvironmentDeploymentHistoryV2")
    time.sleep(0.5)
    assert updates(acme_app) == []
    assert replies(acme_app) == []
