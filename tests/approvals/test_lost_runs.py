"""An action left running by a bot that stopped while it asked Qovery (its replica died between "approved"
and Qovery's answer), on a clock the test moves: once it cannot be running any more, the request is
edited to say the outcome is unknown with a link to check Qovery, `/qovery audit` says so, and nothing
is ever run again (nor said twice, however many replicas look)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from adapters.approvals_schedule import expire_if_due
from adapters.core import build_core
from adapters.sql.engine import migrate
from adapters.sql.tables import actions
from bot.approvals.requests import Approvals
from tests.actions.test_actions import buttons, confirm, shown, sql
from tests.approvals.test_approvals import LEAD, ask_rollback, edit_of, gated, ids, press
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import ADMIN

__all__ = ["gated", "ids"]  # the fixtures this file shares with the approvals' tests


def settle(app: RunningApp, minutes: int) -> int:
    """The approvals' schedule, `minutes` from now, on two replicas at once: how many actions it settled."""

    async def run() -> int:
        core = build_core(app.settings)
        await migrate(core.engine)
        approvals = Approvals(core.access, core.policies, core.actions, core.poster, "/qovery")
        now = datetime.now(UTC) + timedelta(minutes=minutes)
        try:
            found = await asyncio.gather(
                *(expire_if_due(core.jobs, approvals, f"replica-{n}", now) for n in (1, 2))
            )
            return sum(found)
        finally:
            await core.close()

    return asyncio.run(run())


def died_while_running(app: RunningApp, **values: str) -> None:
    """As a replica that died after moving the action to running and before Qovery answered leaves it."""
    sql(app, update(actions).values(state="running", **values))


def test_a_request_left_running_by_a_stopped_bot_is_said_unknown_and_never_run(
    gated: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    request = ask_rollback(gated)
    died_while_running(gated, decided_by=LEAD)
    assert settle(gated, 39) == 0  # it could still be running: a request is approved within 30 minutes
    assert settle(gated, 41) == 1  # one replica said it, the other found nothing to do
    edited = edit_of(gated, request)
    assert f"Approved by <@{LEAD}>, but the bot stopped before Qovery's answer was recorded" in edited
    assert "whether it ran is not known, and it will not be run again" in edited
    page = f"organization/{acme.organization_id}/project/{acme.project_id}/environment/{acme.environment_id}"
    assert f"https://console.qovery.com/{page}/overview|the environment in Qovery's console" in edited
    assert "request_actions" not in edited  # no buttons
    assert settle(gated, 43) == 0  # said once
    audit = shown(gated.ask("audit"))
    assert ":grey_question: outcome unknown" in audit
    assert f"approved by <@{LEAD}>" in audit
    again = press(gated, request, "Approve", LEAD)
    assert again is not None
    assert "nothing more was done" in again["text"]
    assert qovery.calls_to("deployAllServices") == []


def test_an_action_left_running_without_a_request_is_said_unknown_in_the_channel(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    confirmation = acme_app.ask("redeploy billing/production")
    died_while_running(acme_app)
    assert settle(acme_app, 41) == 1
    [said] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.postMessage" and "whether it ran is not known" in c.args["text"]
    )
    assert f"<@{ADMIN}> asked from Slack to redeploy *billing / production*" in said.args["text"]
    assert "outcome unknown" in shown(acme_app.ask("audit"))
    assert "already confirmed or called off" in confirm(acme_app, confirmation)["text"]
    assert buttons(confirmation)  # the confirmation was shown; its button does nothing now
    assert qovery.calls_to("redeployEnvironment") == []
