"""Deployment histories and logs as Qovery's API returns them, for the fake Qovery to serve.

`deployment()` builds one `DeploymentHistoryEnvironmentV2` with the stages Qovery runs (build, then
deploy), an application with its commit, a container with its image and tag, a database, each with
status details, and durations; `failing()` makes one service fail; `log()` one line of the environment's
deployment log. The fake checks every answer against Qovery's OpenAPI description.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.qovery_services import history_details

__all__ = ["deployment", "log"]

ALICE = "alice@acme.com"


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _service(
    name: str,
    service_type: str,
    status: str,
    details: dict[str, Any],
    seconds: int,
    service_id: str | None = None,
) -> dict[str, Any]:
    return {
        "identifier": {
            "name": name,
            "service_id": service_id or str(uuid.uuid5(uuid.NAMESPACE_DNS, name)),
            "service_type": service_type,
        },
        "status": status,
        "auditing_data": {
            "created_at": _at(datetime.now(UTC)),
            "updated_at": _at(datetime.now(UTC)),
            "triggered_by": ALICE,
        },
        "details": details,
        "status_details": {
            "action": "DEPLOY",
            "status": "ERROR"
            if status.endswith("ERROR")
            else "SUCCESS"
            if status == "DEPLOYED"
            else "ONGOING",
            "sub_action": "NONE",
        },
        "icon_uri": f"app://qovery-console/{service_type.lower()}",
        "total_duration": f"PT{seconds // 60}M{seconds % 60}S",
    }


def _commit(sha: str, message: str, author: str) -> dict[str, Any]:
    return {
        "git_commit_id": sha,
        "created_at": _at(datetime.now(UTC) - timedelta(minutes=30)),
        "author_name": author,
        "message": message,
        "tag": "",
        "commit_page_url": f"https://github.com/acme/billing/commit/{sha}",
    }


def deployment(
    environment_id: str,
    *,
    status: str = "DEPLOYED",
    execution_id: str | None = None,
    created_at: datetime | None = None,
    trigger_action: str = "DEPLOY",
    triggered_by: str = ALICE,
    origin: str = "CONSOLE",
    commit: tuple[str, str, str] = (
        "3f2a9c1b7e0d4c5a8b6f1e2d3c4b5a6978877665",
        "Fix invoices\n\nlong body",
        "Alice",
    ),
    image: tuple[str, str] = ("ghcr.io/acme/worker", "1.4.2"),
    failing: str | None = None,
    service_ids: dict[str, str] | None = None,
    updated_at: datetime | None = None,
    others: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One deployment of the environment: build, then deploy of api (application), worker (container)
    and db (database), and of `others` (name -> kind: a Helm chart, a Terraform service ...) with the
    details Qovery gives of their kind; `failing` names the service whose deployment fails;
    `service_ids` gives the services the ids they have at the fake (by name)."""
    ids = service_ids or {}
    created = created_at or datetime.now(UTC) - timedelta(minutes=5)
    ok = "DEPLOYED" if status != "DEPLOYING" else "DEPLOYING"

    def state(name: str) -> str:
        return "DEPLOYMENT_ERROR" if name == failing else ok

    sha, message, author = commit
    services = [
        _service(
            "api",
            "APPLICATION",
            state("api"),
            {"commit": _commit(sha, message, author), "build_pod_name": "build-1-0"},
            134,
            ids.get("api"),
        ),
        _service(
            "worker",
            "CONTAINER",
            state("worker"),
            {"image_name": image[0], "tag": image[1], "arguments": []},
            41,
            ids.get("worker"),
        ),
        _service("db", "DATABASE", state("db"), {}, 12, ids.get("db")),
    ]
    services += [
        _service(
            name, kind, state(name), history_details(kind, _commit(sha, message, author)), 30, ids.get(name)
        )
        for name, kind in (others or {}).items()
    ]
    built = services[0] | {"status": "DEPLOYED" if status != "DEPLOYING" else "DEPLOYING"}
    return {
        "identifier": {
            "execution_id": execution_id or f"{environment_id}-{uuid.uuid4().hex[:8]}",
            "environment_id": environment_id,
        },
        "auditing_data": {
            "created_at": _at(created),
            "updated_at": _at(updated_at or created + timedelta(minutes=3)),  # when it ended
            "triggered_by": triggered_by,
            "origin": origin,
        },
        "status": status,
        "trigger_action": trigger_action,
        "total_duration": "PT4M12S",
        "action_status": "ERROR" if failing else "SUCCESS" if status == "DEPLOYED" else "ONGOING",
        "stages": [
            {"name": "build", "status": "DONE", "duration": "PT2M14S", "services": [built]},
            {
                "name": "deploy",
                "status": "ERROR" if failing else "DONE" if ok == "DEPLOYED" else "ONGOING",
                "duration": "PT1M58S",
                "services": services,
            },
        ],
    }


def log(execution_id: str, text: str, *, error: bool = False, at: datetime | None = None) -> dict[str, Any]:
    """One line of an environment's deployment log; an error line is marked as Qovery marks them."""
    line: dict[str, Any] = {
        "type": "ERROR" if error else "INFO",
        "timestamp": _at(at or datetime.now(UTC)),
        "details": {"execution_id": execution_id, "stage": {"step": "Deploy", "name": "deploy"}},
        "message": {"safe_message": text},
    }
    if error:
        line["error"] = {"tag": "CANNOT_DEPLOY", "user_log_message": text}
    return line
