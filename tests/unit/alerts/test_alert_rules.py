"""Qovery's alert rules as the bot reads them, pure: which channels keep which alerts, which firing is which,
which deployment an alert followed, and the message, whatever Qovery's texts hold."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.alerts.blame import Blame, blamed
from bot.alerts.filters import AlertFilters, Scope
from bot.alerts.messages import FiringButton, fired_reply, firing_message, resolved_reply
from bot.alerts.ports import Firing
from bot.alerts.rules import RuleView, condition_words, firing_key, is_firing, view_of
from bot.commands import parse
from bot.commands.typed import AlertsSubscribe
from bot.qovery import AlertRule, AlertSeverity, DeploymentHistory, EnvironmentType
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import block_kit_problem

ENV = "0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f"
SERVICE = "5b1e9f4c-2a6d-4e8b-a1c3-7d9f0e2b4c6a"
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def rule(**fields: Any) -> AlertRule:
    body: dict[str, Any] = {
        "id": "11111111-2222-4333-8444-555555555555",
        "source": "MANAGED",
        "name": "High 5xx rate",
        "state": "TRIGGERED",
        "severity": "HIGH",
        "condition": {"kind": "CUSTOM", "operator": "ABOVE", "threshold": 0.05, "function": "AVG",
                      "promql": "up"},
        "for_duration": "PT5M",
        "presentation": {"summary": "5xx above 5%", "runbook_url": "https://runbooks.example.com/5xx"},
        "target": {
            "target_type": "APPLICATION",
            "target_id": SERVICE,
            "service": {"id": SERVICE, "name": "api", "service_type": "APPLICATION",
                        "project_name": "billing", "environment_id": ENV, "environment_name": "production",
                        "project_id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"},
        },
        "alert_receiver_ids": [],
        "starts_at": "2026-12-03T13:56:00Z",
    } | fields  # fmt: skip
    found = AlertRule.read(body)
    assert found is not None
    return found


PRODUCTION = Scope("billing", "production", ENV, EnvironmentType.PRODUCTION, "api")


@pytest.mark.parametrize(
    ("options", "scope", "severity", "kept"),
    [
        ("", PRODUCTION, "LOW", True),
        ("--severity high", PRODUCTION, "HIGH", True),
        ("--severity high", PRODUCTION, "CRITICAL", True),
        ("--severity high", PRODUCTION, "MEDIUM", False),
        ("--severity high", PRODUCTION, "SOMETHING_NEW", False),
        ("--projects bill*", PRODUCTION, "LOW", True),
        ("--projects BILLING", PRODUCTION, "LOW", True),
        ("--projects web", PRODUCTION, "LOW", False),
        ("--envs staging,production", PRODUCTION, "LOW", True),
        ("--envs staging", PRODUCTION, "LOW", False),
        ("--env-names prod*", PRODUCTION, "LOW", True),
        ("--services api", PRODUCTION, "LOW", True),
        ("--services worker*", PRODUCTION, "LOW", False),
        # A rule on a whole environment: kept by its place; not by a filter on services.
        ("--envs production", Scope("billing", "production", ENV, "PRODUCTION"), "LOW", True),
        ("--services api", Scope("billing", "production", ENV, "PRODUCTION"), "LOW", False),
        # A rule on a whole cluster: only a channel that filters nothing by place.
        ("", Scope(), "LOW", True),
        ("--severity low", Scope(), "LOW", True),
        ("--projects billing", Scope(), "LOW", False),
    ],
)
def test_a_channel_keeps_the_alerts_its_filters_name(
    options: str, scope: Scope, severity: str, kept: bool
) -> None:
    command = parse(f"alerts subscribe {options}")
    assert isinstance(command, AlertsSubscribe)
    assert command.filters.keeps(scope, severity) is kept


def test_filters_read_back_as_stored_and_garbage_keeps_everything() -> None:
    command = parse('alerts subscribe --projects "bill*,web" --severity critical --mention trigger')
    assert isinstance(command, AlertsSubscribe)
    assert AlertFilters.from_json(command.filters.to_json()) == command.filters
    for stored in ("", "null", "[1, 2]", '{"severity": "urgent", "envs": 3}', "{not json"):
        assert AlertFilters.from_json(stored) == AlertFilters()


def test_a_firing_is_the_rule_with_its_start_and_a_ghost_is_its_name_and_target() -> None:
    assert firing_key(rule()) == "rule:11111111-2222-4333-8444-555555555555"
    ghost = rule(source="GHOST", id=None)
    assert firing_key(ghost).startswith("ghost:")
    assert firing_key(ghost) == firing_key(rule(source="GHOST", id=None, severity="LOW"))
    assert firing_key(ghost) != firing_key(rule(source="GHOST", id=None, name="Other"))
    assert len(firing_key(rule(source="GHOST", id=None, name="x" * 10_000))) <= 100
    assert [is_firing(rule(state=s)) for s in ("TRIGGERED", "PENDING_NOTIFICATION", "NOTIFIED")] == [True] * 3
    assert [is_firing(rule(state=s)) for s in ("OK", "SUPPRESSED", "UNDEPLOYED", "UNROUTED", "NEW")] == [
        False
    ] * 5


def test_rules_qovery_answers_in_a_shape_the_bot_cannot_read_are_left_out() -> None:
    item: object
    for item in (None, [], "rule", {"name": "no source"}, {"source": "MANAGED", "name": 3, "state": "OK"}):
        assert AlertRule.read(item) is None
    sent = rule().edit_body(["r1"])
    assert sent["alert_receiver_ids"] == ["r1"]
    assert set(sent) <= {"name", "description", "tag", "condition", "for_duration", "severity", "enabled",
                         "alert_receiver_ids", "presentation"}  # fmt: skip


def test_the_condition_in_words() -> None:
    assert condition_words(rule()) == "avg > 0.05 for 5 min"
    assert condition_words(rule(for_duration="P1DT2H")) == "avg > 0.05 for 1 d 2 h"
    assert condition_words(rule(for_duration="soon", condition={"kind": "BUILT", "promql": "up"})) == ""


def history(ended: datetime, *, status: str = "DEPLOYED", execution: str = "exec-1") -> DeploymentHistory:
    return DeploymentHistory.model_validate(
        deployment(ENV, status=status, created_at=ended - timedelta(minutes=3), updated_at=ended,
                   execution_id=execution)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("ended_before", "named"),
    [(timedelta(minutes=4), True), (timedelta(minutes=29), True), (timedelta(minutes=31), False),
     (timedelta(minutes=-1), False)],
)  # fmt: skip
def test_an_alert_is_tied_to_a_deployment_that_ended_in_the_thirty_minutes_before_it(
    ended_before: timedelta, named: bool
) -> None:
    found = blamed([history(NOW - ended_before)], ENV, NOW)
    assert (found is not None) is named
    if found is not None:
        assert found.execution_id == "exec-1"
        assert found.triggered_by == "alice@acme.com"
        assert found.versions[0] == "api 3f2a9c1"


def test_the_latest_of_several_deployments_is_named_and_a_running_one_never() -> None:
    entries = [history(NOW - timedelta(minutes=2), status="DEPLOYING", execution="running"),
               history(NOW - timedelta(minutes=10), execution="latest"),
               history(NOW - timedelta(minutes=20), execution="earlier")]  # fmt: skip
    found = blamed(entries, ENV, NOW)
    assert found is not None
    assert found.execution_id == "latest"
    assert Blame.from_json(json.loads(json.dumps(found.to_json()))) == found
    garbage: object
    for garbage in (None, {}, {"execution_id": 1}, {"ended_at": "yesterday"}, []):
        assert Blame.from_json(garbage) is None


def firing(view: RuleView, **fields: Any) -> Firing:
    return Firing(7, "hook", "T1", "C1", view, NOW - timedelta(minutes=4), **fields)


def all_ways(view: RuleView) -> list[dict[str, Any]]:
    blame = Blame(
        "exec-1", ENV, NOW - timedelta(minutes=8), "successful", "<!channel>", ("api <@U1>",), "1.2"
    )
    return [
        firing_message(firing(view), "org"),
        firing_message(firing(view, blame=blame, acknowledged_by="U2", acknowledged_at=NOW), "org"),
        firing_message(firing(view, suppressed=True), "org", silenced_until=NOW + timedelta(hours=1)),
        firing_message(firing(view, resolved_at=NOW), "org"),
        fired_reply(firing(view), "<@U3>"),
        resolved_reply(firing(view, resolved_at=NOW)),
    ]


def test_every_message_of_a_firing_is_block_kit_slack_takes() -> None:
    view = view_of(rule(), Scope("billing", "production", ENV, "PRODUCTION"), None)
    for message in all_ways(view):
        assert block_kit_problem(message) is None


def test_texts_from_qovery_are_escaped_cut_and_never_mention_anyone() -> None:
    hostile = "<!channel> <@U0ADMIN01> <!subteam^S1> & ```" + "x" * 5000
    view = view_of(
        rule(name=hostile, presentation={"summary": hostile, "runbook_url": "javascript:alert(1)"},
             condition={"kind": "CUSTOM", "promql": "```" + hostile}),
    )  # fmt: skip
    for message in all_ways(view):
        text = json.dumps(message)
        assert block_kit_problem(message) is None
        for mention in ("<!channel>", "<@U0ADMIN01>", "<!subteam^S1>"):
            assert mention not in text
        assert "javascript:" not in text
    promql = firing_message(firing(view), "org")["attachments"][0]["blocks"][1]["text"]["text"]
    assert promql.count("```") == 2  # the code block stays one


def test_a_buttons_value_names_a_firing_and_nothing_else() -> None:
    assert FiringButton.load(FiringButton(42).dump()) == FiringButton(42)
    for forged in (
        None,
        42,
        "firing:",
        "firing:x",
        "firing:1:2",
        "firing:" + "9" * 30,
        "card:1:x",
        " firing:1",
    ):
        assert FiringButton.load(forged) is None


def test_severities_are_ordered() -> None:
    assert [s.rank for s in AlertSeverity] == [0, 1, 2, 3]
