"""Approvals for production actions and the audit trail (SPEC §16), end to end: the policy through the
slash command, the request in the channel and its buttons, the plan run once with the requester's own
token, expiry on a moved clock, `/qovery audit`, and every forged, late or second click doing nothing."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from adapters.approvals_schedule import expire_if_due
from adapters.core import build_core
from adapters.sql.engine import migrate
from adapters.sql.tables import actions
from bot.approvals.requests import Approvals
from tests.actions.test_actions import SHA_GOOD, SHA_NOW, SHA_OLD, confirm, history, shown, sql
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN, MEMBER, SlackCall

LEAD = "U0LEAD0001"  # in the group @sre-leads
GROUP = "S0SRELEADS"
POLICY = f'policy approvals production --approvers "<!subteam^{GROUP}|sre-leads>"'


@pytest.fixture
def ids(acme: Acme, qovery: FakeQovery) -> dict[str, str]:
    worker = qovery.add_service(acme.environment_id, "worker", "CONTAINER")
    return {"api": acme.service_ids[0], "db": acme.service_ids[1], "worker": worker}


@pytest.fixture
def gated(acme_app: RunningApp, qovery: FakeQovery, acme: Acme, ids: dict[str, str]) -> RunningApp:
    """Production actions wait for @sre-leads; the environment has a failed deployment to roll back."""
    acme_app.slack.groups[GROUP] = [LEAD]
    acme_app.slack.users[LEAD] = {"is_admin": True}  # §12 lets the lead act on production
    assert "wait for the approval of" in acme_app.ask(POLICY)["text"]
    history(qovery, acme, ids, ("DEPLOYMENT_ERROR", SHA_NOW, "1.5.0"), ("DEPLOYED", SHA_GOOD, "1.4.2"),
            ("DEPLOYED", SHA_OLD, "1.3.0"))  # fmt: skip
    return acme_app


def requests(app: RunningApp, count: int = 1) -> list[SlackCall]:
    return app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "asks to" in c.args.get("text", ""), count=count
    )


def request_buttons(call: SlackCall) -> dict[str, dict[str, Any]]:
    return {
        e["text"]["text"]: e for b in call.args["blocks"] if b["type"] == "actions" for e in b["elements"]
    }


def ask_rollback(app: RunningApp, user_id: str = ADMIN) -> SlackCall:
    """`user_id` (by default an admin, whom §12 lets act on production, but not an approver) asks for a
    rollback of billing / production and confirms it; the request posted."""
    answer = confirm(app, app.ask("rollback billing/production", user_id=user_id), user_id=user_id)
    assert "your request is in the channel" in answer["text"]
    return requests(app)[-1]


def press(app: RunningApp, request: SlackCall, name: str, user_id: str) -> dict[str, Any] | None:
    button = request_buttons(request)[name]
    earlier = {id(call) for call in app.slack.calls}  # an edit made before the press is not its answer
    reply = app.press(button["action_id"], button["value"], user_id=user_id, message_ts=request.answer["ts"])
    found = app.slack.wait_until(
        lambda c: id(c) not in earlier and (c.path == f"/response/{reply}" or c.method == "chat.update"), 10
    )
    said = [c for c in found if c.path == f"/response/{reply}"]
    return said[0].args if said else None


def edit_of(app: RunningApp, request: SlackCall) -> str:
    [edit] = app.slack.wait_until(
        lambda c: c.method == "chat.update" and c.args["ts"] == request.answer["ts"]
    )
    return shown(edit.args)


# -- the policy ----------------------------------------------------------------------------------------------


def test_the_policy_is_shown_to_anyone_and_changed_by_admins_only(
    acme_app: RunningApp, qovery: FakeQovery
) -> None:
    assert "No approval policy" in acme_app.ask("policy show", user_id=MEMBER)["text"]
    refused = acme_app.ask(POLICY, user_id=MEMBER)
    assert "only workspace admins" in refused["text"].lower()
    assert "No approval policy" in acme_app.ask("policy show")["text"]
    acme_app.ask(POLICY + " --actions deploy,rollback")
    said = acme_app.ask("policy show", user_id=MEMBER)["text"]
    assert "`deploy, rollback` on PRODUCTION environments" in said
    assert f"<!subteam^{GROUP}|sre-leads>" in said
    acme_app.ask("policy approvals off")
    assert "No approval policy" in acme_app.ask("policy show")["text"]


def test_bad_policies_are_refused_with_the_word(acme_app: RunningApp) -> None:
    for words, wrong in (
        ("policy approvals prod --approvers <@U0LEAD0001>", "prod"),
        ("policy approvals --approvers <@U0LEAD0001> --actions cancel", "cancel"),
        ("policy approvals --approvers <@U0LEAD0001> --actions nuke", "nuke"),
        ("policy approvals production", "--approvers"),
        ("policy approvals --approvers @channel", "@channel"),
        ("policy approvals --approvers trigger", "trigger"),
        ("audit --user bob", "bob"),
        ("audit --user <!subteam^S0SRELEADS|leads>", "&lt;!subteam^S0SRELEADS|leads&gt;"),  # escaped
    ):
        answer = acme_app.command(words).json()
        assert f"`{wrong}`" in answer["text"], words
    assert "No approval policy" in acme_app.ask("policy show")["text"]


# -- a request ----------------------------------------------------------------------------------------------


def test_a_gated_action_waits_then_runs_once_on_approve_with_the_requesters_own_token(
    gated: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    own = qovery.add_token(acme.organization_id, role="DEVOPS")
    view = gated.ask("login", user_id=MEMBER) if False else None  # logged in below, through the form
    del view
    gated.command("login", user_id=MEMBER)
    [opened] = gated.slack.wait_for("views.open")
    gated.submit(opened.view(), {"token": own}, user_id=MEMBER)
    gated.slack.wait_until(lambda c: c.path.startswith("/response/") and "logged in" in str(c.args).lower())

    request = ask_rollback(gated, MEMBER)  # a member with their own token: §12 lets them act
    text = shown(request.args)
    assert f"<@{MEMBER}> asks to roll back *billing / production*" in text
    assert "*api* (application): `ccccccc` → `bbbbbbb`" in text
    assert "their own Qovery token" in text
    assert f"<!subteam^{GROUP}>" in text  # the approvers are told
    assert set(request_buttons(request)) == {"Approve", "Reject", "Withdraw"}
    assert qovery.calls_to("deployAllServices") == []  # nothing runs yet

    assert press(gated, request, "Approve", LEAD) is None  # the request itself says what happened
    [deployed] = qovery.wait_for("deployAllServices")
    assert deployed.token == own  # Qovery's audit names the requester
    edited = edit_of(gated, request)
    assert f"Approved by <@{LEAD}>" in edited
    assert "request_actions" not in edited  # its buttons are gone
    again = press(gated, request, "Approve", LEAD)
    assert again is not None
    assert "decided already" in again["text"] or "nothing more was done" in again["text"]
    assert len(qovery.calls_to("deployAllServices")) == 1


def test_ten_approvals_at_once_run_the_plan_once(gated: RunningApp, qovery: FakeQovery) -> None:
    request = ask_rollback(gated)
    button = request_buttons(request)["Approve"]
    clicks = [
        threading.Thread(
            target=gated.press, args=(button["action_id"], button["value"]), kwargs={"user_id": LEAD}
        )
        for _ in range(10)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    qovery.wait_for("deployAllServices")
    gated.slack.wait_until(lambda c: c.method == "chat.update")
    assert len(qovery.calls_to("deployAllServices")) == 1


def test_nobody_but_an_approver_other_than_the_requester_may_approve(
    gated: RunningApp, qovery: FakeQovery
) -> None:
    request = ask_rollback(gated)
    mine = press(gated, request, "Approve", ADMIN)
    assert mine is not None
    assert "You asked for it" in mine["text"]
    other = press(gated, request, "Approve", MEMBER)  # not an approver
    assert other is not None
    assert f"Only <!subteam^{GROUP}|sre-leads> may approve" in other["text"]
    for forged in ("request:999999", "request:1; DROP TABLE", "action:1", "x" * 3000):
        answer = gated.click(request_buttons(request)["Approve"]["action_id"], forged, user_id=LEAD)
        assert "does not belong to a request" in answer["text"]
    approve = request_buttons(request)["Approve"]
    elsewhere = gated.click(approve["action_id"], approve["value"], user_id=LEAD, team_id="T0OTHER01")
    assert "does not belong to a request" in elsewhere["text"]
    assert qovery.calls_to("deployAllServices") == []


def test_reject_and_withdraw_say_so_and_nothing_runs(gated: RunningApp, qovery: FakeQovery) -> None:
    first = ask_rollback(gated)
    assert press(gated, first, "Reject", LEAD) is None
    assert f"Rejected by <@{LEAD}>: nothing was done" in edit_of(gated, first)
    second = ask_rollback(gated)
    refused = press(gated, second, "Withdraw", LEAD)
    assert refused is not None
    assert "who asked, may withdraw it" in refused["text"]
    assert press(gated, second, "Withdraw", ADMIN) is None
    assert "Withdrawn by" in shown(
        gated.slack.wait_until(lambda c: c.method == "chat.update" and c.args["ts"] == second.answer["ts"])[
            0
        ].args
    )
    assert qovery.calls_to("deployAllServices") == []


def test_an_approvers_own_action_cancel_and_other_environments_run_at_once(
    gated: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    answer = confirm(gated, gated.ask("rollback billing/production", user_id=LEAD), user_id=LEAD)
    assert "done, and said in the channel" in answer["text"]
    assert len(qovery.calls_to("deployAllServices")) == 1
    qovery.statuses[acme.environment_id]["state"] = "DEPLOYING"
    cancel = confirm(gated, gated.ask("cancel billing/production"))  # an admin: §12 lets them act
    assert "done, and said in the channel" in cancel["text"]
    staging = qovery.add_environment(acme.project_id, "staging", mode="STAGING")
    qovery.add_service(staging, "api")
    done = confirm(gated, gated.ask("redeploy billing/staging"))
    assert "done, and said in the channel" in done["text"]
    assert not [c for c in gated.slack.calls_to("chat.postMessage") if "asks to" in c.args.get("text", "")]


def test_a_request_expires_after_thirty_minutes_on_one_replica_and_says_so(
    gated: RunningApp, qovery: FakeQovery
) -> None:
    request = ask_rollback(gated)

    async def later(minutes: int) -> tuple[int, int]:
        core = build_core(gated.settings)
        await migrate(core.engine)
        approvals = Approvals(core.access, core.policies, core.actions, core.poster, "/qovery")
        now = datetime.now(UTC) + timedelta(minutes=minutes)
        try:
            done = await asyncio.gather(
                expire_if_due(core.jobs, approvals, "replica-1", now),
                expire_if_due(core.jobs, approvals, "replica-2", now),
            )
            return done[0] + done[1], 0
        finally:
            await core.close()

    assert asyncio.run(later(29))[0] == 0
    assert asyncio.run(later(31))[0] == 1  # one replica expired it, the other found nothing to do
    assert "Expired: nobody decided within 30 minutes" in edit_of(gated, request)
    late = press(gated, request, "Approve", LEAD)
    assert late is not None
    assert "expired" in late["text"]
    assert qovery.calls_to("deployAllServices") == []


def test_a_confirmation_past_its_ten_minutes_asks_nobody_and_a_request_past_its_thirty_runs_nothing(
    gated: RunningApp, qovery: FakeQovery
) -> None:
    stale = gated.ask("rollback billing/production")
    sql(gated, update(actions).values(created_at=datetime.now(UTC) - timedelta(minutes=11)))
    assert "This confirmation has expired" in confirm(gated, stale)["text"]
    assert sql(gated, select(actions.c.state)) == "proposed"  # no request was made of it
    request = ask_rollback(gated)  # a fresh one becomes a request, and waits past its 30 minutes
    sql(gated, update(actions).where(actions.c.state == "pending").values(
        created_at=datetime.now(UTC) - timedelta(minutes=31)))  # fmt: skip
    late = press(gated, request, "Approve", LEAD)
    assert late is not None
    assert "expired" in late["text"]
    assert len(requests(gated)) == 1
    assert qovery.calls_to("deployAllServices") == []


# -- the audit trail ---------------------------------------------------------------------------------------


def test_the_audit_lists_actions_and_requests_filtered_by_place_and_user(
    gated: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    rejected = ask_rollback(gated)
    press(gated, rejected, "Reject", LEAD)
    edit_of(gated, rejected)
    confirm(gated, gated.ask("rollback billing/production", user_id=LEAD), user_id=LEAD)
    audit = shown(gated.ask("audit", user_id=MEMBER))
    assert f"<@{LEAD}> rolled back *billing / production*" in audit
    assert f"<@{ADMIN}> asked to roll back *billing / production* · :no_entry: rejected" in audit
    assert f"decided by <@{LEAD}>" in audit
    assert "Qovery: " in audit
    mine = shown(gated.ask(f"audit --user <@{ADMIN}>"))
    assert f"<@{LEAD}> rolled back" not in mine
    assert "asked to roll back" in mine
    assert "none yet" in gated.ask("audit web/production")["text"]
    assert "rolled back" in shown(gated.ask("audit BILLING/production"))
    home = gated.slack.calls_to("views.publish")
    del home


def test_the_home_tab_shows_the_last_five_actions(gated: RunningApp, qovery: FakeQovery) -> None:
    confirm(gated, gated.ask("rollback billing/production", user_id=LEAD), user_id=LEAD)
    from tests.slack.test_workspaces import event

    event(gated, "T0TEAM001", {"type": "app_home_opened", "user": ADMIN, "tab": "home"})
    [published] = gated.slack.wait_for("views.publish")
    text = json.dumps(published.view())
    assert "Last actions from Slack" in text
    assert f"<@{LEAD}> rolled back *billing / production*" in text


def test_a_request_to_run_with_the_requesters_own_token_never_runs_with_the_workspaces_after_a_logout(
    gated: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    own = qovery.add_token(acme.organization_id, role="DEVOPS")
    gated.command("login", user_id=ADMIN)
    [opened] = gated.slack.wait_for("views.open")
    gated.submit(opened.view(), {"token": own}, user_id=ADMIN)
    gated.slack.wait_until(lambda c: c.path.startswith("/response/") and "logged in" in str(c.args).lower())
    request = ask_rollback(gated, ADMIN)
    assert "their own Qovery token" in shown(request.args)  # what the approver reads
    gated.ask("logout", user_id=ADMIN)
    assert press(gated, request, "Approve", LEAD) is None
    edited = edit_of(gated, request)
    assert "could not run" in edited
    assert "logged out since" in edited
    assert qovery.calls_to("deployAllServices") == []  # never with the workspace's token
