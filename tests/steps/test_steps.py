"""Workflow Builder steps end to end: Slack plays `function_executed` through the real app (signed), the
fake Qovery checks every call against its OpenAPI description, and the fake Slack takes each run's one
`functions.completeSuccess` or `completeError`. Waiting runs are followed by two replicas on a moved
clock."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from adapters.core import build_core
from adapters.settings import Settings
from adapters.slack.steps import SlackCompletions
from adapters.sql.engine import migrate
from adapters.sql.steps import SqlStepRuns
from adapters.sql.tables import step_runs
from adapters.steps_schedule import follow_if_due
from bot.actions import EnvironmentActions
from bot.steps import StepRun, Steps
from bot.subscriptions import Hook
from tests.actions.test_actions import audit_posts, sql
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import ADMIN, MEMBER, TEAM_ID, FakeSlack, SlackCall

ELSEWHERE = "C0RELEASE"  # the channel a workflow names


def ended(call: SlackCall) -> tuple[str, Any]:
    """("success", its outputs) or ("error", its words)."""
    if call.method == "functions.completeSuccess":
        outputs = call.args["outputs"]
        return "success", json.loads(outputs) if isinstance(outputs, str) else outputs
    return "error", call.args["error"]


def completions(app: RunningApp, execution_id: str = "Fx0RUN0001") -> list[SlackCall]:
    return completions_in(app.slack, execution_id)


def completions_in(slack: FakeSlack, execution_id: str = "Fx0RUN0001") -> list[SlackCall]:
    return [
        c
        for c in slack.calls
        if c.method.startswith("functions.complete") and c.args.get("function_execution_id") == execution_id
    ]


def person(user_id: str) -> dict[str, str]:
    return {"id": user_id, "secret": "c2VjcmV0"}


def waits(app: RunningApp, execution_id: str = "Fx0RUN0001") -> None:
    """Until the run is recorded as waiting (its step answered the event, and waits)."""
    query = select(step_runs.c.state).where(step_runs.c.execution_id == execution_id)
    deadline = time.monotonic() + 10
    while sql(app, query) != "waiting":
        assert time.monotonic() < deadline, "the run never waited"
        time.sleep(0.05)


def follow(app: RunningApp, minutes: float) -> int:
    """Two replicas' follow of the waiting runs, `minutes` from now: how many runs they completed."""

    async def later() -> int:
        core = build_core(app.settings)
        await migrate(core.engine)
        acting = EnvironmentActions(core.access, core.actions, core.cards, core.hooks, core.poster, "/qovery")
        runs = SqlStepRuns(core.engine, core.box)
        steps = Steps(
            core.access,
            acting,
            core.actions,
            core.hooks,
            runs,
            SlackCompletions(app.settings.slack_api_base, core.poster.bot_token),
        )
        now = datetime.now(UTC) + timedelta(minutes=minutes)
        try:
            done = await asyncio.gather(
                follow_if_due(core.jobs, steps, "replica-1", now),
                follow_if_due(core.jobs, steps, "replica-2", now),
            )
            return sum(done)
        finally:
            await core.close()

    return asyncio.run(later())


# -- deploy and roll back ----------------------------------------------------------------------------------


def test_a_deploy_step_deploys_as_the_person_says_so_in_its_channel_and_completes_with_outputs(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    inputs = {"environment": "billing/production", "channel": ELSEWHERE, "user_context": person(ADMIN)}
    assert acme_app.run_step("deploy", inputs).status_code == 200
    how, outputs = ended(acme_app.completed())
    assert how == "success", outputs
    [call] = qovery.calls_to("deployEnvironment")
    assert call.path == f"/environment/{acme.environment_id}/deploy"
    [audit] = audit_posts(acme_app)
    assert audit.args["channel"] == ELSEWHERE
    assert f"<@{ADMIN}>" in audit.args["text"]
    assert outputs["status"]
    assert outputs["card_link"].startswith(f"https://slack.com/archives/{ELSEWHERE}/p")
    assert len(completions(acme_app)) == 1


def test_who_acts_is_the_user_context_never_a_user_id_in_another_input(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    # A member may not act on production; a builder naming the admin elsewhere changes nothing.
    inputs = {
        "environment": "billing/production",
        "user_context": person(MEMBER),
        "user_id": ADMIN,
        "user": ADMIN,
    }
    acme_app.run_step("deploy", inputs)
    how, words = ended(acme_app.completed())
    assert how == "error"
    assert "production" in words
    assert "admin" in words.lower()
    assert qovery.calls_to("deployEnvironment") == []


def test_a_step_without_its_user_context_does_nothing_and_says_what_it_needs(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    acme_app.run_step("deploy", {"environment": "billing/production", "user_id": ADMIN})
    how, words = ended(acme_app.completed())
    assert (how, "user context" in words) == ("error", True)
    assert qovery.calls_to("deployEnvironment") == []


def test_an_event_delivered_twice_deploys_once_and_completes_once(
    settings: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    configured = settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})
    inputs = {"environment": "billing/production", "user_context": person(ADMIN)}
    with serve(configured, slack) as app:
        app.run_step("deploy", inputs)
        app.run_step("deploy", inputs)  # Slack delivers the same execution again, at once
        app.completed()
    # Stopping waited for every listener call to end: the second delivery's too.
    assert len(qovery.calls_to("deployEnvironment")) == 1
    assert len(completions_in(slack)) == 1


def test_an_unknown_environment_fails_the_step_with_the_candidates(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    acme_app.run_step("rollback", {"environment": "billing/prod", "user_context": person(ADMIN)})
    how, words = ended(acme_app.completed())
    assert how == "error"
    assert "No environment is named `prod`" in words
    assert "`production`" in words
    assert qovery.calls_to("deployAllServices") == []


@pytest.mark.parametrize(
    "inputs",
    [
        {"environment": "../../organization?x=1"},
        {"environment": "billing/production", "version": "../../etc/passwd", "services": "api"},
        {"environment": "billing/production", "version": "1.0?force=true", "services": "api"},
        {"environment": "billing/production", "channel": "../C0DEPLOYS"},
        {"environment": "billing/" + "x" * 5000},
        {"environment": ["billing/production"]},
    ],
)
def test_hostile_inputs_fail_the_step_and_reach_no_qovery_path(
    acme_app: RunningApp, qovery: FakeQovery, inputs: dict[str, Any]
) -> None:
    acme_app.run_step("deploy", inputs | {"user_context": person(ADMIN)})
    how, words = ended(acme_app.completed())
    assert how == "error"
    assert len(words) < 600
    assert not any(".." in c.path or "?" in c.path for c in qovery.calls)
    assert qovery.calls_to("deployEnvironment") == qovery.calls_to("deployAllServices") == []


def test_a_function_the_bot_does_not_declare_or_another_workspace_does_nothing(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    inputs = {"environment": "billing/production", "user_context": person(ADMIN)}
    assert acme_app.run_step("drop_database", inputs, execution_id="Fx0OTHER01").status_code == 200
    assert (
        acme_app.run_step("deploy", inputs, execution_id="Fx0OTHER02", team_id="T0STRANGE").status_code == 200
    )
    acme_app.run_step("environment_status", {"environment": "billing/production"}, execution_id="Fx0LAST001")
    acme_app.completed("Fx0LAST001")
    assert completions(acme_app, "Fx0OTHER01") == completions(acme_app, "Fx0OTHER02") == []
    assert qovery.calls_to("deployEnvironment") == []


# -- status and waiting ------------------------------------------------------------------------------------


def test_environment_status_gives_the_state_and_the_last_deployment_escaped(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYED", triggered_by="<!channel> eve")
    ]
    acme_app.run_step("environment_status", {"environment": "Billing/Production"})
    how, outputs = ended(acme_app.completed())
    assert how == "success", outputs
    assert outputs["last_status"] == "deployed"
    assert outputs["last_triggered_by"] == "&lt;!channel&gt; eve"  # no mass mention where it is shown
    assert set(outputs) == {"state", "last_status", "last_triggered_by", "last_at", "versions"}


@pytest.mark.parametrize(
    "timeout", [0, 61, "ten", 1.5, None, pytest.param(10**400, id="10**400"), "nan", "-inf", True]
)
def test_a_timeout_outside_1_to_60_minutes_is_an_error_that_says_so(
    acme_app: RunningApp, timeout: object
) -> None:
    acme_app.run_step(
        "wait_for_deployment", {"environment": "billing/production", "timeout_minutes": timeout}
    )
    assert ended(acme_app.completed()) == ("error", "The timeout is a number of minutes, from 1 to 60.")


def test_waiting_for_no_deployment_completes_at_once_with_the_last_status(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.history[acme.environment_id] = [deployment(acme.environment_id, status="DEPLOYMENT_ERROR")]
    acme_app.run_step("wait_for_deployment", {"environment": "billing/production", "timeout_minutes": 5})
    how, outputs = ended(acme_app.completed())
    assert (how, outputs["final_status"]) == ("success", "deployment error")
    assert isinstance(outputs["duration_seconds"], int)


def test_a_wait_completes_once_when_the_deployment_ends_failed_included_seen_by_either_replica(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"
    started = datetime.now(UTC) - timedelta(minutes=2)
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYING", created_at=started)
    ]
    acme_app.run_step("wait_for_deployment", {"environment": "billing/production", "timeout_minutes": 10})
    waits(acme_app)
    assert follow(acme_app, minutes=1) == 0  # still deploying: the run waits
    assert completions(acme_app) == []
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYMENT_ERROR"
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, status="DEPLOYMENT_ERROR", created_at=started)
    ]
    assert follow(acme_app, minutes=2) == 1
    assert follow(acme_app, minutes=3) == 0  # completed once
    [call] = completions(acme_app)
    how, outputs = ended(call)
    assert (how, outputs["final_status"]) == ("success", "deployment error")  # the workflow branches on it


def test_a_wait_fails_at_its_timeout(acme_app: RunningApp, qovery: FakeQovery, acme: Acme) -> None:
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"
    qovery.history[acme.environment_id] = [deployment(acme.environment_id, status="DEPLOYING")]
    acme_app.run_step("wait_for_deployment", {"environment": "billing/production", "timeout_minutes": 3})
    waits(acme_app)
    assert follow(acme_app, minutes=2) == 0
    assert follow(acme_app, minutes=4) == 1
    [call] = completions(acme_app)
    assert ended(call) == ("error", "The deployment was still running at the step's timeout.")


def test_a_run_its_replica_left_while_acting_is_completed_by_another_saying_what_is_known(
    acme_app: RunningApp,
) -> None:
    async def left_acting() -> None:
        core = build_core(acme_app.settings)
        token = acme_app.slack.function_token()
        started = datetime.now(UTC) - timedelta(minutes=1)
        await SqlStepRuns(core.engine, core.box).add(
            StepRun("Fx0LEFT001", TEAM_ID, "deploy", ADMIN, token, started)
        )
        await core.close()

    asyncio.run(left_acting())
    assert follow(acme_app, minutes=1) == 0  # it may still be acting on its replica
    assert follow(acme_app, minutes=10) == 1
    [call] = completions(acme_app, "Fx0LEFT001")
    how, words = ended(call)
    assert how == "error"
    assert "The channel says whether it ran" in words


def test_a_wait_qovery_cannot_answer_fails_at_its_timeout_saying_so(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"
    qovery.history[acme.environment_id] = [deployment(acme.environment_id, status="DEPLOYING")]
    acme_app.run_step("wait_for_deployment", {"environment": "billing/production", "timeout_minutes": 3})
    waits(acme_app)
    qovery.fail("getEnvironmentStatus", status=503, times=None)
    assert follow(acme_app, minutes=2) == 0  # not yet its timeout: read again later
    assert follow(acme_app, minutes=4) == 1
    [call] = completions(acme_app)
    how, words = ended(call)
    assert how == "error"
    assert "timeout passed while Qovery could not be read" in words


# -- Slack refusing a completion ---------------------------------------------------------------------------


def test_a_completion_slack_could_not_take_at_once_is_sent_again_and_the_run_ends_once(
    acme_app: RunningApp,
) -> None:
    acme_app.slack.fail("functions.completeSuccess", status=503, times=1)
    acme_app.run_step("environment_status", {"environment": "billing/production"})
    acme_app.slack.wait_until(lambda c: "Fx0RUN0001" in acme_app.slack.completions)
    assert [c.method for c in acme_app.slack.completions["Fx0RUN0001"]] == ["functions.outputs"]


def test_outputs_slack_refuses_still_end_the_run_with_an_error_that_says_so(acme_app: RunningApp) -> None:
    acme_app.slack.fail("functions.completeSuccess", error="invalid_arguments", times=1)
    acme_app.run_step("environment_status", {"environment": "billing/production"})
    acme_app.slack.wait_until(lambda c: "Fx0RUN0001" in acme_app.slack.completions)
    [done] = acme_app.slack.completions["Fx0RUN0001"]
    assert done.method == "functions.error"
    assert "Slack refused this step's outputs" in done.args["error"]


@pytest.mark.parametrize("queued", ["DEPLOYMENT_QUEUED", "RESTART_QUEUED", "WAITING_RESTARTING"])
def test_a_wait_right_after_a_deploy_waits_for_the_queued_deployment_not_the_one_before(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, queued: str
) -> None:
    # A deploy step just asked Qovery: its deployment is queued; the last one ended long ago.
    qovery.statuses[acme.environment_id]["state"] = queued
    qovery.history[acme.environment_id] = [deployment(acme.environment_id, status="DEPLOYED")]
    acme_app.run_step("wait_for_deployment", {"environment": "billing/production", "timeout_minutes": 10})
    waits(acme_app)
    assert completions(acme_app) == []
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYMENT_ERROR"
    qovery.history[acme.environment_id] = [deployment(acme.environment_id, status="DEPLOYMENT_ERROR")]
    assert follow(acme_app, minutes=2) == 1
    how, outputs = ended(completions(acme_app)[0])
    assert (how, outputs["final_status"]) == ("success", "deployment error")


def test_an_admin_of_another_workspace_in_the_user_context_is_no_admin_here(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    # Slack Connect: users.info answers for a stranger too, with the admin flag of their own workspace.
    acme_app.slack.users["U0STRANGER"] = {"is_admin": True, "team_id": "T0ELSEWHERE"}
    inputs = {"environment": "billing/production", "user_context": person("U0STRANGER")}
    acme_app.run_step("deploy", inputs)
    how, words = ended(acme_app.completed())
    assert how == "error"
    assert "admin" in words.lower()
    assert qovery.calls_to("deployEnvironment") == []


def test_without_a_channel_the_step_posts_in_the_channel_of_the_hook_that_takes_every_environment(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    async def hooked() -> None:
        core = build_core(acme_app.settings)
        await core.hooks.add(Hook("h0every", TEAM_ID, "C0DEPLOYS", "deploys", "s3cret"))  # no filter
        await core.close()

    asyncio.run(hooked())
    acme_app.run_step("deploy", {"environment": "billing/production", "user_context": person(ADMIN)})
    assert ended(acme_app.completed())[0] == "success"
    [audit] = audit_posts(acme_app)
    assert audit.args["channel"] == "C0DEPLOYS"  # not a direct message to the person
