"""A step passes the same gates as a button: a freeze stops it, an approval policy holds it until an
approver decides, and the run completes then, once, whichever replica follows it."""

from __future__ import annotations

from sqlalchemy import update

from adapters.sql.tables import actions
from tests.actions.test_actions import SHA_GOOD, SHA_NOW, audit_posts, history, sql
from tests.approvals.test_approvals import GROUP, LEAD, POLICY, edit_of, ids, press, requests
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, MEMBER
from tests.promotion.test_promotion import world
from tests.steps.test_steps import ELSEWHERE, completions, ended, follow, person, waits

__all__ = ["ids", "world"]  # the approvals' and the promotions' fixtures, used here

ROLLBACK = {"environment": "billing/production", "channel": ELSEWHERE, "user_context": person(ADMIN)}


def test_a_held_step_waits_for_its_approval_in_its_channel_then_completes_once(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    acme_app.slack.groups[GROUP] = [LEAD]
    acme_app.slack.users[LEAD] = {"is_admin": True}
    acme_app.ask(POLICY)
    history(qovery, acme, ids, ("DEPLOYMENT_ERROR", SHA_NOW, "1.5.0"), ("DEPLOYED", SHA_GOOD, "1.4.2"))
    acme_app.run_step("rollback", ROLLBACK)
    [request] = requests(acme_app)
    assert request.args["channel"] == ELSEWHERE  # the approval request goes where the workflow said
    waits(acme_app)
    assert follow(acme_app, minutes=1) == 0  # undecided: the run waits
    assert completions(acme_app) == []
    assert qovery.calls_to("deployAllServices") == []

    press(acme_app, request, "Approve", LEAD)
    edit_of(acme_app, request)
    qovery.wait_for("deployAllServices")
    assert follow(acme_app, minutes=2) == 1
    assert follow(acme_app, minutes=3) == 0
    [call] = completions(acme_app)
    how, outputs = ended(call)
    assert how == "success", outputs
    assert f"api {SHA_GOOD}" in outputs["versions"]


def test_a_rejected_step_fails_with_the_words(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    acme_app.slack.groups[GROUP] = [LEAD]
    acme_app.ask(POLICY)
    history(qovery, acme, ids, ("DEPLOYMENT_ERROR", SHA_NOW, "1.5.0"), ("DEPLOYED", SHA_GOOD, "1.4.2"))
    acme_app.run_step("rollback", ROLLBACK)
    [request] = requests(acme_app)
    waits(acme_app)
    press(acme_app, request, "Reject", LEAD)
    edit_of(acme_app, request)
    assert follow(acme_app, minutes=1) == 1
    [call] = completions(acme_app)
    assert ended(call) == ("error", "An approver rejected the request: nothing was done.")
    assert qovery.calls_to("deployAllServices") == []


def test_during_a_freeze_a_step_runs_nothing_and_fails_saying_the_freeze(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    acme_app.ask('policy freeze now 4h --reason "INC-42: the payments outage"')
    acme_app.run_step("deploy", {"environment": "billing/production", "user_context": person(ADMIN)})
    how, words = ended(acme_app.completed())
    assert how == "error"
    assert "release freeze" in words
    assert "INC-42" in words
    assert qovery.calls_to("deployEnvironment") == []


# -- promote -----------------------------------------------------------------------------------------------


def test_a_promote_step_deploys_what_the_plan_would_and_completes_with_the_versions(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    inputs = {
        "from": "billing/staging",
        "to": "production",
        "channel": ELSEWHERE,
        "user_context": person(ADMIN),
    }
    acme_app.run_step("promote", inputs)
    how, outputs = ended(acme_app.completed())
    assert how == "success", outputs
    [call] = qovery.calls_to("deployAllServices")
    assert call.body == {
        "applications": [{"application_id": world["api"], "git_commit_id": world["new_sha"]}],
        "containers": [{"id": world["worker"], "image_tag": "1.5.0"}],
    }
    assert f"api {world['new_sha']}" in outputs["versions"]
    assert "worker 1.5.0" in outputs["versions"]
    [audit] = audit_posts(acme_app)
    assert audit.args["channel"] == ELSEWHERE


def test_a_promote_step_a_member_may_not_run_on_production_does_nothing(
    acme_app: RunningApp, qovery: FakeQovery, world: dict[str, str]
) -> None:
    inputs = {"from": "billing/staging", "to": "production", "user_context": person(MEMBER), "user_id": ADMIN}
    acme_app.run_step("promote", inputs)
    how, words = ended(acme_app.completed())
    assert how == "error"
    assert "production" in words
    assert qovery.calls_to("deployAllServices") == []


def test_an_approved_step_whose_outcome_is_unknown_never_says_nothing_was_done(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    acme_app.slack.groups[GROUP] = [LEAD]
    acme_app.ask(POLICY)
    history(qovery, acme, ids, ("DEPLOYMENT_ERROR", SHA_NOW, "1.5.0"), ("DEPLOYED", SHA_GOOD, "1.4.2"))
    acme_app.run_step("rollback", ROLLBACK)
    waits(acme_app)
    # Approved, then Qovery did not answer in time: whether it rolled back is not known.
    sql(acme_app, update(actions).values(state="unknown", outcome="Qovery did not answer in time."))
    assert follow(acme_app, minutes=1) == 1
    [call] = completions(acme_app)
    how, words = ended(call)
    assert how == "error"
    assert "nothing was done" not in words.lower()
    assert "not known" in words
    assert "Qovery did not answer in time." in words


def test_a_step_approved_after_its_run_token_expired_still_completes_with_the_bot_token(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]
) -> None:
    acme_app.slack.groups[GROUP] = [LEAD]
    acme_app.ask(POLICY)
    history(qovery, acme, ids, ("DEPLOYMENT_ERROR", SHA_NOW, "1.5.0"), ("DEPLOYED", SHA_GOOD, "1.4.2"))
    token = acme_app.slack.function_token()
    acme_app.run_step("rollback", ROLLBACK, token=token)
    [request] = requests(acme_app)
    waits(acme_app)
    del acme_app.slack.tokens[token]  # the run's own token expired while the approvers thought
    press(acme_app, request, "Reject", LEAD)
    edit_of(acme_app, request)
    assert follow(acme_app, minutes=1) == 1
    [done] = acme_app.slack.completions["Fx0RUN0001"]
    assert done.args["error"] == "An approver rejected the request: nothing was done."
