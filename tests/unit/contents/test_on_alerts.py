"""An alert's "which deployment" line, and a watch's line when an alert fired after a deployment, say
what that deployment carried, linked to the reply in its card's thread: read from what was kept for the
card, never asked of Qovery again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.alerts.blame import Blame
from bot.alerts.messages import firing_message
from bot.alerts.ports import Firing
from bot.alerts.rules import view_of
from bot.deliveries import Card, CardCarried, Deployment, DeploymentStatus
from bot.qovery import AlertRule
from bot.watches.ports import WatchState
from bot.watches.verdicts import Verdict, told
from tests.fakes.slack_api import block_kit_problem

ENV = "0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f"
NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
LINE = "3 commits to api, worker 1.4.2 → 1.5.0 · 2 configuration changes"
REPLY = "https://slack.com/archives/C1/p1700000001000200?thread_ts=1700000000.000100&cid=C1"


def card(carried: CardCarried | None) -> Card:
    deployment = Deployment(status=DeploymentStatus.SUCCESSFUL)
    return Card("hook", "key", "1700000000.000100", deployment, id=1, carried=carried)


RULE_ID = "0a1e2b3c-0000-4000-8000-000000000001"  # Qovery's ids are UUIDs: any other is unreadable


def rule() -> AlertRule:
    target = {"target_type": "ENVIRONMENT", "target_id": ENV}
    fields = {"source": "MANAGED", "id": RULE_ID, "name": "High 5xx rate", "state": "TRIGGERED"}
    found = AlertRule.read(fields | {"severity": "CRITICAL", "target": target})
    assert found is not None
    return found


def test_the_alerts_which_deployment_line_says_what_it_carried_linked_to_the_thread() -> None:
    blame = Blame("exec-1", ENV, NOW - timedelta(minutes=8), "successful", "alice@acme.com", ("api 3f2a9c1",))
    kept = blame.shown_by(card(CardCarried(LINE, "1700000001.000200")))
    assert Blame.from_json(json.loads(json.dumps(kept.to_json()))) == kept
    firing = Firing(7, "hook", "T1", "C1", view_of(rule()), NOW - timedelta(minutes=4), blame=kept)
    message = firing_message(firing, "org")
    assert block_kit_problem(message) is None
    assert f"it carried <{REPLY}|{LINE}>" in json.dumps(message, ensure_ascii=False)
    unknown = firing_message(
        Firing(7, "hook", "T1", "C1", view_of(rule()), NOW, blame=blame.shown_by(card(None))), "org"
    )
    assert "it carried" not in json.dumps(unknown)


def test_a_watchs_line_says_what_the_deployment_carried_when_an_alert_fired() -> None:
    fired = Verdict(
        WatchState.FIRED, 1, ":warning: *High 5xx rate* (CRITICAL) fired 4 min after this deployment"
    )
    assert (
        told(fired, card(CardCarried(LINE, "1700000001.000200")), "C1")
        == f"{fired.line} · it carried <{REPLY}|{LINE}>"
    )
    assert told(fired, card(None), "C1") == fired.line
    quiet = Verdict(WatchState.QUIET, 1, ":white_check_mark: No alert in the 15 min after this deployment")
    assert told(quiet, card(CardCarried(LINE, "1700000001.000200")), "C1") == quiet.line


def test_an_alert_never_says_what_another_deployments_card_carried() -> None:
    blame = Blame("exec-2", ENV, NOW - timedelta(minutes=8), "successful", "alice@acme.com", ("api 3f2a9c1",))
    earlier = Card(
        "hook",
        "key",
        "1700000000.000100",
        Deployment(status=DeploymentStatus.SUCCESSFUL, deployment_id="exec-1"),
        id=1,
        carried=CardCarried(LINE, "1700000001.000200"),
    )
    firing = Firing(7, "hook", "T1", "C1", view_of(rule()), NOW, blame=blame.shown_by(earlier))
    said = json.dumps(firing_message(firing, "org"), ensure_ascii=False)
    assert "its card" in said  # the nearest card of the environment, as before
    assert "it carried" not in said
    assert LINE not in said
