"""Qovery's deployment history read whatever zone its times were written in: entries with an offset or
with no zone are read as the instants they are, and one entry whose time cannot be read leaves the
others on the card and in `/qovery history` (it used to fail the whole read, or raise comparing times)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from tests.deliveries.test_deliveries import cards
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.helpers import subscribe

EXECUTION = "exec-failed-1"


def written_as(entry: dict[str, Any], created_at: object) -> dict[str, Any]:
    entry["auditing_data"]["created_at"] = created_at
    entry["auditing_data"].pop("updated_at", None)
    return entry


def histories(acme: Acme) -> list[dict[str, Any]]:
    """The failed deployment written with an offset, one with no zone, and one with no readable time."""
    now, env = datetime.now(UTC), acme.environment_id
    return [
        written_as(deployment(env, status="DEPLOYMENT_ERROR", execution_id=EXECUTION, failing="api",
                              triggered_by="alice@acme.com"),
                   (now - timedelta(minutes=3)).astimezone(timezone(timedelta(hours=5))).isoformat()),
        written_as(deployment(env, triggered_by="<broken>"), "last Tuesday"),
        written_as(deployment(env, triggered_by="bob@acme.com"),
                   (now - timedelta(hours=5)).replace(tzinfo=None).isoformat()),
    ]  # fmt: skip


def test_history_lists_the_entries_it_can_read_whatever_their_zone(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.check_spec = False  # a time with no zone, or none at all, is not what Qovery's description says
    qovery.history[acme.environment_id] = histories(acme)
    answer = json.dumps(acme_app.ask("history billing/production"), ensure_ascii=False)
    assert "alice@acme.com" in answer
    assert "bob@acme.com" in answer
    assert "broken" not in answer
    assert answer.count(":white_check_mark:") + answer.count(":x:") == 2


def test_a_card_is_completed_from_an_entry_written_with_an_offset_beside_an_unreadable_one(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.check_spec = False
    qovery.history[acme.environment_id] = histories(acme)
    webhook = subscribe(acme_app, qovery, "--kind standard").webhook_id
    qovery.deliver(webhook, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id, deployment_id=EXECUTION)
    [card] = cards(acme_app.slack, 1)
    [edited] = acme_app.slack.wait_for("chat.update")
    assert edited.args["ts"] == card.answer["ts"]
    assert "Deployment by alice@acme.com from the console" in json.dumps(edited.args)
    assert "Failed at stage *deploy*: *api*" in json.dumps(edited.args)
