"""A long plan is shown whole: the confirmation, the request an approver decides on and the channel's
message name every service that will change (30 or 200, with long names and versions), split over
sections within Block Kit's limits (the fake Slack reads every message with slack-sdk's models); what
runs is exactly what was shown. A plan too long for one message is refused, never cut."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.blocks import SECTION_LIMIT, escape
from tests.actions.test_actions import audit_posts, confirm, shown
from tests.approvals.test_approvals import GROUP, LEAD, POLICY, edit_of, press, request_buttons, requests
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment


def long_environment(qovery: FakeQovery, acme: Acme, count: int) -> dict[str, str]:
    """`count` containers with long names (escaped longer still), each with a long tag now (a failed
    deployment) and another in the last good one: a rollback changes them all. Their ids by name."""
    names = [f"{n:04d}-billing-&-<ops>-{'x' * 40}" for n in range(count)]
    ids = {name: qovery.add_service(acme.environment_id, name, "CONTAINER") for name in names}
    now = datetime.now(UTC)

    def entry(status: str, tag: str, hours: int) -> dict[str, Any]:
        found = deployment(acme.environment_id, status=status, created_at=now - timedelta(hours=hours))
        [template] = [s for s in found["stages"][1]["services"] if s["identifier"]["name"] == "worker"]
        containers = []
        for name, service_id in ids.items():
            container = copy.deepcopy(template)
            container["identifier"] |= {"name": name, "service_id": service_id}
            container["details"]["tag"] = f"{tag}-{name[:4]}-" + "9" * 60
            containers.append(container)
        found["stages"][1]["services"] = containers
        found["stages"][0]["services"] = []
        return found

    qovery.history[acme.environment_id] = [entry("DEPLOYMENT_ERROR", "now", 0), entry("DEPLOYED", "good", 1)]
    return ids


def every_service_in(text: str, ids: dict[str, str]) -> list[str]:
    """The services a message does not name."""
    return [name for name in ids if escape(name)[:55] not in text]


@pytest.mark.parametrize("count", [30, 200])
def test_a_long_plan_is_shown_whole_to_the_asker_and_the_approver_and_runs_as_shown(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, count: int
) -> None:
    acme_app.slack.groups[GROUP] = [LEAD]
    acme_app.slack.users[LEAD] = {"is_admin": True}
    acme_app.ask(POLICY)
    ids = long_environment(qovery, acme, count)

    confirmation = acme_app.ask("rollback billing/production")
    assert every_service_in(shown(confirmation), ids) == []
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in confirmation["blocks"] if "text" in b)
    assert "more services" not in shown(confirmation)
    assert "your request is in the channel" in confirm(acme_app, confirmation)["text"]

    [request] = requests(acme_app)
    assert every_service_in(shown(request.args), ids) == []  # what the approver reads
    assert "more services" not in shown(request.args)
    assert set(request_buttons(request)) == {"Approve", "Reject", "Withdraw"}
    press(acme_app, request, "Approve", LEAD)
    [ran] = qovery.wait_for("deployAllServices")
    containers = {c["id"]: c["image_tag"] for c in ran.body["containers"]}
    assert containers == {i: f"good-{name[:4]}-" + "9" * 60 for name, i in ids.items()}  # as shown
    assert "Approved by" in edit_of(acme_app, request)
    [told] = audit_posts(acme_app)  # in the channel, for everyone
    assert every_service_in(shown(told.args), ids) == []


def test_a_plan_too_long_for_one_message_is_refused_and_nothing_is_proposed(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    long_environment(qovery, acme, 1000)
    refused = acme_app.ask("rollback billing/production")
    # the 1,000 to roll back and the seed's two services the bot leaves as they are
    assert "would name 1002 services, more than one Slack message can show in full" in refused["text"]
    assert "Confirm" not in shown(refused)
    assert qovery.calls_to("deployAllServices") == []
