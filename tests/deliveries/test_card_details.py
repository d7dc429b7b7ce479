"""Cards that say who, what and why (SPEC §10): Qovery's deployment history and logs read into the card,
rendered by the pure functions of bot/ (snapshots in tests/snapshots/detailed-*.json)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.blocks import BUTTON_VALUE_LIMIT, MAX_BLOCKS, SECTION_LIMIT, URL_LIMIT
from bot.deliveries.card_details import log_reply
from bot.deliveries.cards import render_card
from bot.deliveries.deployment_details import MAX_LOG_LINES, details, log_lines, redact, seconds_of, tie
from bot.deliveries.events import Deployment, DeploymentStatus, Named
from bot.qovery import DeploymentHistory, EnvironmentLog
from tests.deliveries.test_cards import STARTED_AT, matches_snapshot
from tests.fakes.qovery_history import deployment, log

ORG, PROJECT, ENV = (
    "0e000000-0000-4000-8000-0000000000a1",
    "0e000000-0000-4000-8000-0000000000b1",
    "0e000000-0000-4000-8000-0000000000c1",
)
EXECUTION = f"{ENV}-7"
STATUS_OF_STATE = {
    "DEPLOYING": DeploymentStatus.RUNNING,
    "DEPLOYED": DeploymentStatus.SUCCESSFUL,
    "DEPLOYMENT_ERROR": DeploymentStatus.FAILED,
    "CANCELED": DeploymentStatus.CANCELLED,
}


def entry(state: str, **options: Any) -> DeploymentHistory:
    fields: dict[str, Any] = {"execution_id": EXECUTION, "created_at": STARTED_AT, "status": state} | options
    return DeploymentHistory.model_validate(deployment(ENV, **fields))


def event(
    status: DeploymentStatus, *, env_type: str = "PRODUCTION", deployment_id: str | None = EXECUTION
) -> Deployment:
    return Deployment(
        status=status,
        at=STARTED_AT + timedelta(minutes=4),
        deployment_id=deployment_id,
        organization=Named(ORG, "Acme"),
        project=Named(PROJECT, "billing"),
        environment=Named(ENV, "production" if env_type == "PRODUCTION" else "pr-42"),
        environment_type=env_type,
        services=("api", "worker", "db"),
    )  # fmt: skip


def card(state: str, **options: Any) -> dict[str, Any]:
    status = STATUS_OF_STATE[state]
    found = details(entry(state, **options))
    finished = STARTED_AT + timedelta(minutes=4, seconds=12) if status.terminal else None
    return render_card(event(status), started_at=STARTED_AT, finished_at=finished, card_id=7, details=found)


def test_started_card_says_who_triggered_what_and_each_version() -> None:
    message = card("DEPLOYING", trigger_action="RESTART", origin="API", triggered_by="bob@acme.com")
    matches_snapshot("detailed-started", message)
    shown = json.dumps(message)
    assert "Restart by bob@acme.com from the API" in shown
    assert (
        "<https://github.com/acme/billing/commit/3f2a9c1b7e0d4c5a8b6f1e2d3c4b5a6978877665|`3f2a9c1`>" in shown
    )
    assert "Fix invoices by Alice" in shown
    assert "`ghcr.io/acme/worker:1.4.2`" in shown


def test_successful_card() -> None:
    matches_snapshot("detailed-successful", card("DEPLOYED"))


def test_failed_card_names_the_stage_the_service_and_why_with_a_logs_button() -> None:
    message = card("DEPLOYMENT_ERROR", failing="api")
    matches_snapshot("detailed-failed", message)
    shown = json.dumps(message)
    assert "Failed at stage *deploy*: *api*. Qovery says: api: deploy error." in shown
    buttons = {b["text"]["text"]: b for b in message["attachments"][0]["blocks"][-1]["elements"]}
    assert set(buttons) == {"Open in Qovery", "View logs", "Redeploy", "Rollback"}
    assert buttons["View logs"]["url"].endswith(f"/environment/{ENV}/deployments")


def test_the_failure_reply_carries_the_last_log_lines_errors_first() -> None:
    lines = [log(EXECUTION, f"step {n}") for n in range(30)]
    lines.insert(3, log(EXECUTION, "Error: image pull failed", error=True))
    lines += [log(f"{ENV}-6", "another deployment's line", error=True), log(EXECUTION, "ready? no")]
    found = details(entry("DEPLOYMENT_ERROR", failing="api"))
    kept = log_lines([EnvironmentLog.model_validate(line) for line in lines], EXECUTION)
    reply = log_reply("billing / production", replace(found, log_lines=kept))
    assert reply is not None
    matches_snapshot("detailed-failed-logs", reply)
    text = reply["blocks"][0]["text"]["text"]
    shown = text.split("```")[1].strip().splitlines()
    assert len(shown) == MAX_LOG_LINES
    assert shown[0] == "Error: image pull failed"
    assert shown[-1] == "ready? no"
    assert "another deployment" not in text


def test_cancelled_card() -> None:
    matches_snapshot("detailed-cancelled", card("CANCELED"))


def test_preview_card_lists_its_services_links() -> None:
    found = details(entry("DEPLOYED"))
    api = next(line for line in found.services if line.name == "api")
    found = found.__class__(
        **{**found.__dict__, "links": (("api", "https://api-pr-42.acme.dev"), ("x", "javascript:alert(1)"))}
    )
    message = render_card(event(DeploymentStatus.SUCCESSFUL, env_type="PREVIEW"), card_id=7, details=found)
    matches_snapshot("detailed-preview", message)
    shown = json.dumps(message)
    assert "<https://api-pr-42.acme.dev|api>" in shown
    assert "javascript:" not in shown
    assert api.service_id  # links are tied to their service by id


# -- tying a delivery to the history ------------------------------------------------------------------


def test_a_delivery_is_tied_by_its_execution_id() -> None:
    history = [entry("DEPLOYING", execution_id="newer"), entry("DEPLOYMENT_ERROR")]
    assert tie(history, event(DeploymentStatus.FAILED), STARTED_AT) is history[1]


def test_without_an_id_only_the_one_recent_deployment_that_says_the_same_is_taken() -> None:
    at = STARTED_AT + timedelta(minutes=4)
    failed = entry("DEPLOYMENT_ERROR")
    anonymous = event(DeploymentStatus.FAILED, deployment_id=None)
    assert tie([failed], anonymous, at) is failed
    assert tie([failed], event(DeploymentStatus.SUCCESSFUL, deployment_id=None), at) is None  # another story
    again = entry("DEPLOYMENT_ERROR", execution_id="again", created_at=STARTED_AT + timedelta(minutes=1))
    assert tie([again, failed], anonymous, at) is None  # two candidates: say nothing
    assert tie([failed], anonymous, at + timedelta(hours=3)) is None  # too old to be this one
    assert tie([], anonymous, at) is None


def test_a_card_without_details_says_only_what_the_delivery_says() -> None:
    plain = render_card(event(DeploymentStatus.FAILED), started_at=STARTED_AT, card_id=7)
    shown = json.dumps(plain)
    assert "Fix invoices" not in shown
    assert "alice" not in shown
    assert "api, worker, db" in shown  # the delivery's own list


# -- hostile words from outside -----------------------------------------------------------------------


def test_commit_messages_authors_and_log_lines_never_mention_nor_break_the_card() -> None:
    hostile = "<!channel> <@U0ALICE1> ```*bold* " + "x" * 5000
    found = details(
        entry("DEPLOYMENT_ERROR", failing="api", commit=("a" * 40, hostile, hostile), triggered_by=hostile)
    )
    lines = log_lines([EnvironmentLog.model_validate(log(EXECUTION, hostile, error=True))] * 20, EXECUTION)
    found = replace(found, log_lines=lines)
    message = render_card(event(DeploymentStatus.FAILED), card_id=7, details=found)
    reply = log_reply(hostile, found)
    for shown in (json.dumps(message), json.dumps(reply)):
        assert "<!channel>" not in shown
        assert "<@U0ALICE1>" not in shown
    blocks = message["attachments"][0]["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in blocks if "text" in b)
    assert reply is not None
    assert reply["blocks"][0]["text"]["text"].count("```") == 2
    for element in blocks[-1]["elements"]:
        assert len(element.get("value", "")) <= BUTTON_VALUE_LIMIT
        assert len(element.get("url", "")) <= URL_LIMIT


def test_a_kind_of_service_qovery_adds_tomorrow_is_shown_by_its_name_escaped_and_cut() -> None:
    kinds = {"<!channel>": "<!here>" + "Q" * 10_000, "chart": "HELM", "mystery": "QUANTUM_THING"}
    entry_of_every_kind = entry("DEPLOYED", others=kinds)
    message = card("DEPLOYED", others=kinds)
    shown = json.dumps(message, ensure_ascii=False)
    for mention in ("<!channel>", "<!here>"):
        assert mention not in shown
    assert "*&lt;!channel&gt;* (&lt;!here&gt;" + "Q" * 33 + ") · version not known to the bot" in shown
    assert "*chart* (Helm chart) · `acme-chart 1.2.0`" in shown
    assert "*mystery* (QUANTUM_THING) · version not known to the bot" in shown
    assert all(len(b.get("text", {}).get("text", "")) <= SECTION_LIMIT for b in _blocks(message))
    assert len(details(entry_of_every_kind).services) == 6  # none dropped


def test_a_card_of_hundreds_of_services_keeps_each_line_whole_and_counts_the_rest() -> None:
    kinds = {f"{n}-<!channel>" + "x" * 10_000: "<@U0ADMIN>" * 50 for n in range(300)}
    [listed] = [
        b["text"]["text"] for b in _blocks(card("DEPLOYED", others=kinds)) if "U0ADMIN" in json.dumps(b)
    ]
    assert len(listed) <= SECTION_LIMIT
    *lines, more = listed.split("\n")
    assert more == f"… and {303 - len(lines)} more"  # api, worker and db, then the 300
    assert all(line.endswith("· version not known to the bot · 30 s") for line in lines[3:])
    assert "<!channel>" not in listed
    assert "<@U0ADMIN>" not in listed


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for a in message.get("attachments", [message]) for b in a.get("blocks", [])]


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        ("export DATABASE_PASSWORD=hunter2hunter2", "hunter2"),
        ("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc.def'", "eyJhbGciOiJIUzI1NiJ9"),
        ("token: qov_admin_0123456789abcdef", "qov_admin_0123456789abcdef"),
        ("slack xoxb-1234-5678-abcdefghijkl failed", "xoxb-1234-5678-abcdefghijkl"),
        ("postgres://app:s3cr3t@db:5432/app", "s3cr3t"),
        ("key AKIAABCDEFGHIJKLMNOP used", "AKIAABCDEFGHIJKLMNOP"),
        ("api_key = 'Zk3j2L9qP0xW7vB5nM1cR8tY4uI6oA2s'", "Zk3j2L9qP0xW7vB5nM1cR8tY4uI6oA2s"),
        (
            "sig 9f8e7D6c5B4a3F2e1D0c9B8a7F6e5D4c3B2a1F0e9D8c7B6a",
            "9f8e7D6c5B4a3F2e1D0c9B8a7F6e5D4c3B2a1F0e9D8c7B6a",
        ),
    ],
)
def test_what_looks_like_a_secret_is_hidden_from_log_lines(line: str, hidden: str) -> None:
    assert hidden not in redact(line)
    assert "[hidden]" in redact(line)


def test_commits_and_digests_stay_readable() -> None:
    line = "checkout 3f2a9c1b7e0d4c5a8b6f1e2d3c4b5a6978877665 at step 12"
    assert redact(line) == line


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT4M12S", 252.0), ("PT1H", 3600.0), ("P1DT1S", 86401.0), ("00:04:12", 252.0), ("12.5", 12.5),
     ("soon", None), ("", None), (None, None), ("PT", None),
     # Past any deployment's length, or no number at all: not a reading (a time plus it would overflow).
     ("P99999999D", None), ("1e400", None), ("inf", None), ("nan", None), ("999999999:00:00", None)],
)  # fmt: skip
def test_durations_as_qovery_writes_them(text: str | None, seconds: float | None) -> None:
    assert seconds_of(text) == seconds


def test_now_is_utc() -> None:
    assert re.fullmatch(r".*Z", deployment(ENV)["auditing_data"]["created_at"])
    assert datetime.now(UTC).tzinfo is UTC


def test_render_prints_the_card_completed_from_a_history_file(tmp_path: Path) -> None:
    body = {
        "event_type": "DEPLOYMENT_FAILURE",
        "created_at": "2026-11-27T10:19:00Z",
        "payload": {
            "deployment_id": EXECUTION,
            "organization": {"id": ORG, "name": "Acme"},
            "project": {"id": PROJECT, "name": "billing"},
            "environment": {"id": ENV, "name": "production", "mode": "PRODUCTION"},
        },
    }
    history = {
        "page": 1,
        "page_size": 10,
        "results": [deployment(ENV, status="DEPLOYMENT_ERROR", execution_id=EXECUTION, failing="api")],
    }
    (tmp_path / "delivery.json").write_text(json.dumps(body))
    (tmp_path / "history.json").write_text(json.dumps(history))
    command = [sys.executable, "-m", "bot", "render", str(tmp_path / "delivery.json")]
    plain = subprocess.run(command, capture_output=True, text=True, check=True)
    completed = subprocess.run(
        [*command, "--history", str(tmp_path / "history.json")], capture_output=True, text=True, check=True
    )
    assert "Fix invoices" not in plain.stdout
    assert "Deployment by alice@acme.com from the console" in completed.stdout
    assert "Failed at stage *deploy*: *api*" in completed.stdout
    (tmp_path / "bad.json").write_text('{"results": [{"no": "history"}]}')
    refused = subprocess.run(
        [*command, "--history", str(tmp_path / "bad.json")], capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert "is not a deployment history" in refused.stderr
    assert "Traceback" not in refused.stderr
