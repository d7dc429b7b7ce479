"""The fake Qovery's commits and audit log: what a deployment carries is read from these.

Mixed into `FakeQovery` (tests/fakes/qovery_api.py), whose server checks every request and answer
against Qovery's OpenAPI description as for every other operation. Commits are a branch per service,
newest first, at most 100 answered (Qovery's "last 100 commits"), each with a `commit_page_url`. The
audit log is newest first, in pages of `pageSize` (10 by default, as Qovery's) with `links.next` and
a `continueToken` that are the last event's timestamp in nanoseconds, as digits; `fromTimestamp` and
`toTimestamp` bound it (inclusive); the other filters are ignored, as Qovery may.

    shas = qovery.add_commits(api_id, 5)             # 5 commits on api's branch, newest first
    qovery.add_audit_event(acme.organization_id, environment_id=env, sub_target_type="VARIABLE", ...)
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

__all__ = ["CONTENTS_ROUTES", "QoveryContents", "nanoseconds"]

CONTENTS_ROUTES = [
    Rule("/application/<service>/commit", methods=["GET"], endpoint="listApplicationCommit"),
    Rule("/job/<service>/commit", methods=["GET"], endpoint="listJobCommit"),
    Rule("/helm/<service>/commit", methods=["GET"], endpoint="listHelmCommit"),
    Rule("/terraform/<service>/commit", methods=["GET"], endpoint="listTerraformCommit"),
    Rule("/organization/<org>/events", methods=["GET"], endpoint="getOrganizationEvents"),
]
_MESSAGES = (
    "Fix rounding of invoice totals\n\nThe last cent was lost on some currencies.",
    "Add retry on payment provider timeouts",
    "Bump httpx from 0.27 to 0.28",
    "Refactor the ledger's export",
    "Merge pull request #412 from acme/feature/refunds\n\nRefunds",
)
_AUTHORS = ("Alice Martin", "Bob Chen", "dependabot[bot]", "Chloé Dubois")


def nanoseconds(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def _sha(seed: str) -> str:
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


def _at(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class QoveryContents:
    # Service id -> its branch's commits, newest first.
    commits: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Organization id -> its audit log, any order (served newest first).
    audit_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Every value of a variable or a secret the audit log carried: the secret-leak scan looks for them.
    secret_values: set[str] = field(default_factory=set)
    # Set: the audit log's pager is stuck, every `continueToken` answered with the first page again.
    audit_pager_stuck: bool = False
    _asked: threading.local = field(default_factory=threading.local)  # the request being answered

    # -- the world ------------------------------------------------------------------------------------

    def add_commits(
        self, service_id: str, count: int, *, messages: tuple[str, ...] = (), authors: tuple[str, ...] = ()
    ) -> list[str]:
        """`count` new commits on top of the service's branch; their SHAs, newest first."""
        branch = self.commits.setdefault(service_id, [])
        added: list[dict[str, Any]] = []
        start = datetime.now(UTC) - timedelta(hours=count + 1)
        for n in range(count):
            sha = _sha(f"{service_id}:{len(branch) + n}")
            added.insert(
                0,
                {
                    "git_commit_id": sha,
                    "created_at": _at(start + timedelta(hours=n)),
                    "author_name": (authors or _AUTHORS)[n % len(authors or _AUTHORS)],
                    "author_avatar_url": "https://avatars.githubusercontent.com/u/1",
                    "message": (messages or _MESSAGES)[n % len(messages or _MESSAGES)],
                    "tag": "",
                    "commit_page_url": f"https://github.com/acme/billing/commit/{sha}",
                },
            )
        branch[:0] = added
        return [c["git_commit_id"] for c in added]

    def add_audit_event(
        self,
        organization_id: str,
        *,
        at: datetime,
        event_type: str = "UPDATE",
        target_type: str = "APPLICATION",
        target_name: str = "api",
        sub_target_type: str | None = None,
        change: Any = None,
        original_change: Any = None,
        triggered_by: str = "alice@acme.com",
        origin: str = "CONSOLE",
        project_id: str | None = None,
        environment_id: str | None = None,
        timestamp: str | None = None,
    ) -> dict[str, Any]:
        """One event; `change` and `original_change` given as objects are sent as JSON strings, as
        strings as they are."""
        event: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "timestamp": timestamp or str(nanoseconds(at)),
            "event_type": event_type,
            "target_id": str(uuid.uuid4()),
            "target_name": target_name,
            "target_type": target_type,
            "sub_target_type": sub_target_type,
            "origin": origin,
            "triggered_by": triggered_by,
            "project_id": project_id,
            "project_name": "billing",
            "environment_id": environment_id,
            "environment_name": "production",
            "user_agent": "Mozilla/5.0",
        }
        for key, value in (("change", change), ("original_change", original_change)):
            if sub_target_type in ("VARIABLE", "SECRET") and isinstance(value, dict) and value.get("value"):
                self.secret_values.add(str(value["value"]))
            if value is not None:
                event[key] = value if isinstance(value, str) else json.dumps(value)
        if sub_target_type is None:
            del event["sub_target_type"]
        self.audit_events.setdefault(organization_id, []).append(event)
        return event

    # -- operations -----------------------------------------------------------------------------------

    def _commit_list(self, service: str) -> Response:
        from tests.fakes.qovery_api import _json  # the server's one way to answer

        if service not in self.commits:
            return _json(404, {"status": 404, "error": "Not Found", "detail": f"Service {service} not found"})
        return _json(200, {"results": self.commits[service][:100]})

    def _op_listApplicationCommit(self, grant: Any, _: Any, service: str) -> Response:
        return self._commit_list(service)

    def _op_listJobCommit(self, grant: Any, _: Any, service: str) -> Response:
        return self._commit_list(service)

    def _op_listHelmCommit(self, grant: Any, _: Any, service: str) -> Response:
        return self._commit_list(service)

    def _op_listTerraformCommit(self, grant: Any, _: Any, service: str) -> Response:
        return self._commit_list(service)

    def _op_getOrganizationEvents(self, grant: Any, _: Any, org: str) -> Response:
        from tests.fakes.qovery_api import _json

        self._organization(grant, org)  # type: ignore[attr-defined]
        query = self._asked.query
        size = int(float(query.get("pageSize") or 10))
        low, high = (int(query[k]) if query.get(k) else None for k in ("fromTimestamp", "toTimestamp"))
        before = int(query["continueToken"]) if query.get("continueToken") else None
        before = None if self.audit_pager_stuck else before
        found = sorted(self.audit_events.get(org, []), key=lambda e: -_ns(e))
        found = [
            e
            for e in found
            if (low is None or _ns(e) >= low)
            and (high is None or _ns(e) <= high)
            and (before is None or _ns(e) < before)
        ]
        page, rest = found[:size], found[size:]
        links: dict[str, str] = {}
        if rest and page:
            asked = {k: v for k, v in query.items() if k != "continueToken"}
            asked["continueToken"] = str(_ns(page[-1]))
            links["next"] = f"{self._asked.base}organization/{org}/events?{urlencode(asked)}"
        return _json(200, {"links": links, "organization_max_limit_reached": False, "events": page})


def _ns(event: dict[str, Any]) -> int:
    stamp = str(event["timestamp"])
    if stamp.isdigit():
        return int(stamp)
    return nanoseconds(datetime.fromisoformat(stamp.replace("Z", "+00:00")))
