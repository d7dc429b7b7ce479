"""The quiet hours' summary (SPEC §17): one line per deployment held, by environment, its last status;
crafted names stay words, and a night of many environments stays within Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.deliveries import DeliveryKind
from bot.digests import Held
from bot.digests.summary import held_deployments, summary_message
from tests.fakes.slack_api import block_kit_problem

T0 = datetime(2026, 12, 3, 1, tzinfo=UTC)


def event(n: int, event: str, deployment: str, env: str, name: str = "production") -> Held:
    body = {
        "event_type": event,
        "payload_id": f"p{n}",
        "created_at": (T0 + timedelta(minutes=n)).isoformat(),
        "payload": {
            "deployment_id": deployment,
            "organization": {"id": "03ac106b-83c8-42da-a57f-10bef89fb8df", "name": "Acme"},
            "project": {"id": "b77f87e7-cc25-47e0-984b-fb898250c87f", "name": "<!channel> billing"},
            "environment": {"id": env, "name": name, "mode": "PRODUCTION"},
        },
    }
    return Held(n, DeliveryKind.STANDARD, body, T0 + timedelta(minutes=n))


ENV = "46ed7748-5067-4d2e-8e18-262fb544114b"


def test_a_deployments_events_make_one_line_with_its_last_status() -> None:
    held = held_deployments([
        event(1, "DEPLOYMENT_STARTED", "run-1", ENV),
        event(2, "DEPLOYMENT_STARTED", "run-2", ENV),
        event(3, "DEPLOYMENT_SUCCESSFUL", "run-1", ENV),
    ])  # fmt: skip
    assert [(h.key, h.deployment.status.value) for h in held] == [
        ("deployment:run-1", "successful"),
        ("deployment:run-2", "running"),
    ]
    message = summary_message("22:00-08:00 Europe/Paris", held, {})
    assert block_kit_problem(message) is None
    said = json.dumps(message)
    assert "2 deployments" in said
    assert "<!channel>" not in said
    assert f"environment/{ENV}/deployments|in Qovery>" in said


def test_a_long_night_of_many_environments_fits_one_message() -> None:
    events = [event(n, "DEPLOYMENT_FAILURE", f"again-{n}", ENV) for n in range(40)]
    events += [event(100 + n, "DEPLOYMENT_SUCCESSFUL", f"run-{n}", f"{n:08x}-5067-4d2e-8e18-262fb544114b",
                     "*" * 500) for n in range(300)]  # fmt: skip
    message = summary_message("22:00-08:00", held_deployments(events), {})
    assert block_kit_problem(message) is None
    assert len(message["blocks"]) <= 50
    said = json.dumps(message)
    assert "340 deployments" in said
    assert "more environments" in said
    assert "30 earlier, then:" in said
