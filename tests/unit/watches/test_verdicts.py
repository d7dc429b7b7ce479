"""What a watch says at each read of the alert rules (SPEC §15), pure: which rules watch a deployment, and
whether one fired after it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.qovery import AlertRule
from bot.watches.ports import Watch, WatchState
from bot.watches.verdicts import covering, judge

ENV = "0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f"
OTHER_ENV = "1e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f"
DEPLOYED = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)


def rule(
    name: str, *, service: str | None = "api", env: str = ENV, state: str = "OK", **fields: Any
) -> AlertRule:
    target: dict[str, Any] = {"target_type": "ENVIRONMENT", "target_id": env}
    if service is not None:
        service_id = "5b1e9f4c-2a6d-4e8b-a1c3-7d9f0e2b4c6a"
        target = {"target_type": "APPLICATION", "target_id": service_id,
                  "service": {"id": service_id, "name": service, "environment_id": env}}  # fmt: skip
    rule_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))  # a Qovery id: an alert rule's is a UUID
    found = AlertRule.read({"source": "MANAGED", "id": rule_id, "name": name, "state": state,
                            "severity": "HIGH",
                            "target": target} | fields)  # fmt: skip
    assert found is not None
    return found


def watch(**fields: Any) -> Watch:
    values: dict[str, Any] = {
        "card_id": 1, "hook_id": "h", "team_id": "T", "environment_id": ENV, "services": ("api", "db"),
        "started_at": DEPLOYED, "until": DEPLOYED + timedelta(minutes=15),
    } | fields  # fmt: skip
    return Watch(**values)


def test_the_rules_of_the_deployed_services_and_of_the_environment_watch_it_and_no_others() -> None:
    rules = [rule("api"), rule("env", service=None), rule("worker", service="worker"),
             rule("elsewhere", env=OTHER_ENV),
             rule("elsewhere env", service=None, env=OTHER_ENV)]  # fmt: skip
    assert [r.name for r in covering(watch(), rules)] == ["api", "env"]
    # A delivery that named no service: every rule of the environment counts.
    assert [r.name for r in covering(watch(services=()), rules)] == ["api", "env", "worker"]


def test_the_first_read_says_how_many_rules_watch_and_says_it_once() -> None:
    first = judge(watch(), [rule("api"), rule("env", service=None)], DEPLOYED + timedelta(minutes=1))
    assert first is not None
    assert (first.state, first.rules, first.line) == (
        WatchState.OPEN,
        2,
        ":eyes: Watching 2 alert rules for 15 min",
    )
    assert (
        judge(watch(rules=2), [rule("api"), rule("env", service=None)], DEPLOYED + timedelta(minutes=2))
        is None
    )


def test_no_rule_watching_is_said_and_ends_the_watch() -> None:
    said = judge(watch(), [rule("worker", service="worker")], DEPLOYED)
    assert said is not None
    assert (said.state, said.line) == (WatchState.UNWATCHED, "No alert rule watches these services")


def test_the_end_of_the_watch_without_an_alert() -> None:
    said = judge(watch(rules=1), [rule("api")], DEPLOYED + timedelta(minutes=15))
    assert said is not None
    assert (said.state, said.line) == (
        WatchState.QUIET,
        ":white_check_mark: No alert in the 15 min after this deployment",
    )


def test_an_alert_after_the_deployment_is_named_with_how_long_after() -> None:
    fired = rule("High 5xx rate", state="TRIGGERED", starts_at="2026-12-03T14:04:00Z", severity="CRITICAL")
    said = judge(watch(rules=1), [fired, rule("env", service=None)], DEPLOYED + timedelta(minutes=5))
    assert said is not None
    assert said.state is WatchState.FIRED
    assert said.line == ":warning: *High 5xx rate* (CRITICAL) fired 4 min after this deployment"


def test_an_alert_already_firing_before_the_deployment_or_on_another_service_is_not_blamed() -> None:
    before = rule("api", state="NOTIFIED", starts_at="2026-12-03T13:50:00Z")
    elsewhere = rule("worker", service="worker", state="TRIGGERED", starts_at="2026-12-03T14:03:00Z")
    said = judge(watch(rules=1), [before, elsewhere], DEPLOYED + timedelta(minutes=5))
    assert said is None  # still watching its one rule, quietly


def test_a_name_from_qovery_is_escaped_on_the_card() -> None:
    fired = rule("<!channel> & co", state="TRIGGERED", starts_at="2026-12-03T14:01:00Z")
    said = judge(watch(), [fired], DEPLOYED + timedelta(minutes=2))
    assert said is not None
    assert "<!channel>" not in said.line
    assert "&lt;!channel&gt; &amp; co" in said.line
