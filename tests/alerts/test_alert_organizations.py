"""`/qovery alerts subscribe` and `alerts list` against a rule of another organization that Qovery lists
with the workspace's: never edited, never named. Here the token sees both organizations (a few do), and
the rule claims the workspace's organization while it watches the other's service; on both databases."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from adapters.settings import Settings
from tests.alerts.test_alert_poison import answer_with, doctor_says, reads
from tests.alerts.test_alert_reads import Clock, subscribed
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery, Grant
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def configured(settings: Settings, acme: Acme, database_url: str) -> Settings:
    """The token sees Acme and Globex: the workspace is Acme's."""
    update = {"qovery_api_token": SecretStr(acme.token), "database_url": database_url,
              "qovery_organization_id": acme.organization_id}  # fmt: skip
    return settings.model_copy(update=update)


def foreign_rule(qovery: FakeQovery, acme: Acme) -> tuple[str, str]:
    """Acme's rule, and Globex's one listed with Acme's rules as Acme's."""
    ours = qovery.add_alert_rule(acme.organization_id, "Ours", service_id=acme.service_ids[0])
    globex = qovery.add_organization("Globex")
    qovery.tokens[acme.token] = Grant((acme.organization_id, globex), "ADMIN")
    service = qovery.add_service(qovery.add_environment(qovery.add_project(globex, "shop"), "prod"), "web")
    theirs = qovery.add_alert_rule(globex, "Theirs", service_id=service)
    claimed = qovery.alert_rules[theirs] | {"organization_id": acme.organization_id}
    answer_with(qovery, acme.organization_id, claimed)
    return ours, theirs


def test_subscribe_never_edits_nor_names_another_organizations_rule(
    configured: Settings,
    slack: FakeSlack,
    qovery: FakeQovery,
    acme: Acme,
) -> None:
    ours, theirs = foreign_rule(qovery, acme)
    before = list(qovery.alert_rules[theirs]["alert_receiver_ids"])
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        answer = json.dumps(app.ask("alerts subscribe"))
        listed = json.dumps(app.ask("alerts list"))
    for said in (answer, listed):
        assert "Ours" in said
        assert "Theirs" not in said
    assert [c.path for c in qovery.calls_to("editAlertRule")] == [f"/alert-rules/{ours}"]
    assert qovery.alert_rules[theirs]["alert_receiver_ids"] == before


def test_the_doctor_never_names_another_organizations_rule_the_bot_cannot_read(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    broken = {"starts_at": "yesterday at noon", "state": "TRIGGERED"}
    ours = qovery.add_alert_rule(acme.organization_id, "Ours", service_id=acme.service_ids[0])
    globex = qovery.add_organization("Globex")
    service = qovery.add_service(qovery.add_environment(qovery.add_project(globex, "shop"), "prod"), "web")
    theirs = qovery.add_alert_rule(globex, "Theirs", service_id=service)
    subscribed(configured, slack, qovery)
    claimed = qovery.alert_rules[theirs] | broken | {"organization_id": acme.organization_id}
    answer_with(qovery, acme.organization_id, claimed, qovery.alert_rules[ours] | broken, instead_of=ours)
    reads(configured, Clock(), lambda: None)
    report = doctor_says(configured, slack)
    assert "*Ours* could not be read" in report  # the workspace's own unreadable rule is named
    assert "Theirs" not in report
