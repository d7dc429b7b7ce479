"""The deployment card, rendered by the pure function in bot/, and `qovery-slack render`.

The blocks of each kind of card are kept in tests/snapshots/, so a change to what users see is a
deliberate one: rerun with UPDATE_SNAPSHOTS=1 to accept it, and review the diff.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.blocks import MAX_BLOCKS
from bot.deliveries.cards import render_card, render_delivery
from bot.deliveries.events import Deployment, DeploymentStatus, Named, read_slack_body, read_standard_body

SNAPSHOTS = Path(__file__).parents[1] / "snapshots"
STARTED_AT = datetime(2026, 11, 27, 10, 15, tzinfo=UTC)

STANDARD: dict[str, Any] = {
    "created_at": "2026-11-27T10:15:00Z",
    "event_type": "DEPLOYMENT_STARTED",
    "payload_type": "DEPLOYMENT",
    "payload_id": "6c1c5b1e-payload",
    "payload": {
        "id": "dep-42",
        "current_status": "DEPLOYING",
        "desired_status": "DEPLOYED",
        "organization": {"id": "0e000000-0000-4000-8000-0000000000a1", "name": "Acme"},
        "project": {"id": "0e000000-0000-4000-8000-0000000000b1", "name": "billing"},
        "environment": {
            "id": "0e000000-0000-4000-8000-0000000000c1",
            "name": "production",
            "mode": "PRODUCTION",
            "cluster_name": "eu",
        },
        "applications": [{"id": "a1", "name": "api"}],
        "containers": [{"id": "c1", "name": "worker"}],
        "databases": [{"id": "d1", "name": "postgres"}],
        "jobs": [],
        "logs": "build log",
    },
}
ORG, PROJECT, ENV = (
    "5a7c0e1e-0000-4000-8000-00000000000a",
    "5a7c0e1e-0000-4000-8000-00000000000b",
    "5a7c0e1e-0000-4000-8000-00000000000c",
)
SLACK_BODY = {
    "text": "Deployment failure: billing / production",
    "attachments": [
        {
            "color": "danger",
            "fields": [
                {"title": "Project", "value": "billing", "short": True},
                {"title": "Environment", "value": "production", "short": True},
            ],
            "text": f"<https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}/overview|Open>",
        }
    ],
}


def event(event_type: str, **payload: Any) -> dict[str, Any]:
    body = copy.deepcopy(STANDARD)
    body["event_type"] = event_type
    body["payload"].update(payload)
    return body


def matches_snapshot(name: str, message: dict[str, Any]) -> None:
    path = SNAPSHOTS / f"{name}.json"
    rendered = json.dumps(message, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(rendered)
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert rendered == path.read_text(), f"{name} changed: run with UPDATE_SNAPSHOTS=1 if that is meant"


def card(event_type: str, minutes: int = 0) -> dict[str, Any]:
    deployment = read_standard_body(event(event_type))
    assert deployment is not None
    finished = STARTED_AT + timedelta(minutes=minutes, seconds=12) if minutes else None
    return render_card(deployment, started_at=STARTED_AT, finished_at=finished, card_id=7)


def test_started_card() -> None:
    matches_snapshot("started", card("DEPLOYMENT_STARTED"))


def test_successful_card() -> None:
    matches_snapshot("successful", card("DEPLOYMENT_SUCCESSFUL", minutes=4))


def test_failed_card() -> None:
    matches_snapshot("failed", card("DEPLOYMENT_FAILURE", minutes=2))


def test_cancelled_card() -> None:
    matches_snapshot("cancelled", card("DEPLOYMENT_CANCELLED", minutes=1))


def test_card_from_a_slack_body() -> None:
    deployment = read_slack_body(SLACK_BODY)
    assert deployment is not None
    matches_snapshot("slack-body", render_card(deployment, card_id=7))


def test_a_slack_body_it_cannot_read_is_posted_as_it_came() -> None:
    body = {"text": "Hello <!here|here>", "username": "impostor", "icon_url": "https://x", "blocks": []}
    assert render_delivery(body) == {"text": "Hello @here"}


def test_the_card_says_what_the_spec_asks() -> None:
    message = card("DEPLOYMENT_FAILURE", minutes=4)
    text = json.dumps(message)
    assert message["text"] == "Deployment failed: billing / production (Acme)"
    assert message["attachments"][0]["color"] == "#e01e5a"
    for part in (
        "*Project*\\nbilling",
        "production (production)",
        "api, worker, postgres",
        "failed after 4 min 12 s",
    ):
        assert part in text
    assert "<!date^1795774752^" in text  # when it ended, in each reader's time zone
    assert "Organization Acme" in text


def test_payload_id_field_and_logs_as_a_string_are_read() -> None:
    deployment = read_standard_body(event("DEPLOYMENT_STARTED", deployment_id="dep-real"))
    assert deployment is not None
    assert deployment.key == "deployment:dep-real"  # deployment_id wins over id
    env = "0e000000-0000-4000-8000-0000000000c9"
    bare = read_standard_body({"event_type": "deployment_started", "payload": {"environment": env}})
    assert bare is not None
    assert (bare.key, bare.project.name, bare.services) == (f"environment:{env}", None, ())


def test_outside_text_is_escaped_and_cut_to_slacks_limits() -> None:
    huge = "<!channel> & " + "x" * 5000
    deployment = Deployment(
        status=DeploymentStatus.FAILED,
        organization=Named("o", huge),
        project=Named("p", huge),
        environment=Named("e", huge),
        environment_type=huge,
        services=tuple(huge for _ in range(100)),
        details=huge,
    )
    message = render_card(deployment)
    text = json.dumps(message)
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp;" in text
    blocks = message["attachments"][0]["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    for block in blocks:
        if "text" in block:
            assert len(block["text"]["text"]) <= 3000
        for field in block.get("fields", []):
            assert len(field["text"]) <= 2000
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
            else:
                assert len(element["text"]) <= 3000
    assert len(message["text"]) <= 3000


def test_render_command_prints_the_card(tmp_path: Path) -> None:
    path = tmp_path / "delivery.json"
    path.write_text(json.dumps(event("DEPLOYMENT_FAILURE")))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "render", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert json.loads(result.stdout) == render_delivery(event("DEPLOYMENT_FAILURE"))
    from_stdin = subprocess.run(
        [sys.executable, "-m", "bot", "render", "-"],
        input=json.dumps(SLACK_BODY),
        capture_output=True,
        text=True,
    )
    assert json.loads(from_stdin.stdout)["text"] == "Deployment failed: billing / production"


@pytest.mark.parametrize(("content", "says"), [("{", "is not JSON"), ('{"a": 1}', "is neither a STANDARD")])
def test_render_command_explains_a_bad_file(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "render", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert says in result.stderr
    assert "Traceback" not in result.stderr
