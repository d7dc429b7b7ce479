"""The fake Qovery's alerting: alert rules with their state, SLACK alert receivers, and Qovery's side of
an alert, an Alertmanager-style Slack body posted to every receiver of a rule when its state changes.

Mixed into `FakeQovery` (tests/fakes/qovery_api.py), whose server checks every request and answer
against Qovery's OpenAPI description as for every other operation. What Qovery does beyond its
description is played as the bot must expect it: a rule keeps at least one receiver; a receiver still
on a rule cannot be deleted; only the roles that manage webhooks may edit rules and receivers; an
organization whose clusters have no alerting answers 404 with Qovery's words.

    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=api)
    qovery.fire(rule)       # TRIGGERED since now; its receivers are rung
    qovery.resolve(rule)    # OK again; rung again (send_resolved)
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from werkzeug.routing import Rule
from werkzeug.wrappers import Response

__all__ = ["ALERTING_ROLES", "ALERTING_ROUTES", "QoveryAlerting"]

ALERTING_ROLES = {"OWNER", "ADMIN", "DEVOPS"}  # the roles that may edit rules and receivers
ALERTING_ROUTES = [
    Rule("/organization/<org>/alert-rules", methods=["GET"], endpoint="getAlertRules"),
    Rule("/alert-rules/<rule>", methods=["GET"], endpoint="getAlertRule"),
    Rule("/alert-rules/<rule>", methods=["PUT"], endpoint="editAlertRule"),
    Rule("/alert-receivers", methods=["POST"], endpoint="createAlertReceiver"),
    Rule("/alert-receivers/<receiver>", methods=["DELETE"], endpoint="deleteAlertReceiver"),
    Rule("/alert-receivers/<receiver>/validate", methods=["POST"], endpoint="validateExistingAlertReceiver"),
]
_EDITABLE = ("name", "description", "tag", "condition", "for_duration", "severity", "enabled", "presentation")


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class QoveryAlerting:
    # Rule id -> the rule as Qovery answers it; GHOST rules (no id) per organization.
    alert_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    ghost_rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    alert_receivers: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> with its webhook_url
    alerting_disabled: set[str] = field(default_factory=set)  # organizations without alerting
    # When True, a SLACK receiver must post to Slack's own host, as Qovery may require.
    receiver_needs_slack_host: bool = False
    # What each ring of a receiver answered: (receiver id, HTTP status).
    rings: list[tuple[str, int]] = field(default_factory=list)
    # Done once each, right after the next getAlertRules is answered: someone at Qovery editing a rule
    # while the bot holds the list it read.
    meanwhile: list[Callable[[], None]] = field(default_factory=list)
    _alert_lock: threading.Lock = field(default_factory=threading.Lock)

    # -- the world ------------------------------------------------------------------------------------

    def add_alert_rule(
        self,
        organization_id: str,
        name: str,
        *,
        service_id: str | None = None,
        environment_id: str | None = None,
        severity: str = "HIGH",
        receivers: tuple[str, ...] = (),
        summary: str | None = "5xx above 5% of requests",
        runbook_url: str | None = None,
        promql: str = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
    ) -> str:
        """A MANAGED rule on a service (or on a whole environment), OK until fired."""
        rule_id = str(uuid.uuid4())
        self.alert_rules[rule_id] = {
            "id": rule_id,
            "created_at": _now(),
            "source": "MANAGED",
            "name": name,
            "state": "OK",
            "organization_id": organization_id,
            "cluster_id": str(uuid.uuid4()),
            "description": f"{name}, from the tests",
            "tag": "tests",
            "condition": {
                "kind": "CUSTOM",
                "operator": "ABOVE",
                "threshold": 0.05,
                "function": "AVG",
                "promql": promql,
            },
            "for_duration": "PT5M",
            "severity": severity,
            "enabled": True,
            "alert_receiver_ids": list(receivers),
            "presentation": {"summary": summary, "runbook_url": runbook_url},
            "target": self._target(service_id, environment_id),
            "is_up_to_date": True,
        }
        return rule_id

    def add_ghost_rule(self, organization_id: str, name: str, *, service_id: str, state: str) -> None:
        self.ghost_rules.setdefault(organization_id, []).append(
            {"source": "GHOST", "name": name, "state": state, "target": self._target(service_id, None),
             "starts_at": _now()}
        )  # fmt: skip

    def add_alert_receiver(self, organization_id: str, name: str, webhook_url: str) -> str:
        """A receiver made elsewhere (the console, another tool)."""
        receiver_id = str(uuid.uuid4())
        self.alert_receivers[receiver_id] = {
            "id": receiver_id,
            "created_at": _now(),
            "organization_id": organization_id,
            "name": name,
            "description": "",
            "type": "SLACK",
            "send_resolved": True,
            "webhook_url": webhook_url,
        }
        return receiver_id

    def fire(self, rule_id: str, state: str = "TRIGGERED", at: datetime | None = None) -> None:
        """The rule fires (since `at`, else now), and Alertmanager rings its receivers."""
        rule = self.alert_rules[rule_id]
        rule["state"] = state
        rule["starts_at"] = (at or datetime.now(UTC)).isoformat().replace("+00:00", "Z")
        self.ring(rule_id, firing=True)

    def resolve(self, rule_id: str, state: str = "OK") -> None:
        rule = self.alert_rules[rule_id]
        rule["state"] = state
        rule.pop("starts_at", None)
        self.ring(rule_id, firing=False)

    def ring(self, rule_id: str, *, firing: bool) -> None:
        """Alertmanager's Slack post to each receiver of the rule: fixed words, which the bot must never
        show (they carry a mass mention here to prove it)."""
        rule = self.alert_rules[rule_id]
        for receiver_id in rule["alert_receiver_ids"]:
            receiver = self.alert_receivers.get(receiver_id)
            if receiver is not None:
                self._post(receiver_id, receiver["webhook_url"], _alertmanager_body(rule, firing=firing))

    # -- operations, by operationId -----------------------------------------------------------------

    def _op_getAlertRules(self, grant: Any, _: Any, org: str) -> Response:
        self._organization(grant, org)  # type: ignore[attr-defined]
        if org in self.alerting_disabled:
            raise self._refusal(404, "Alerting is not enabled on any cluster of this organization")
        rules = [r for r in self.alert_rules.values() if r["organization_id"] == org]
        answer = _json(200, {"results": [*rules, *self.ghost_rules.get(org, [])]})
        while self.meanwhile:
            self.meanwhile.pop(0)()
        return answer

    def _op_getAlertRule(self, grant: Any, _: Any, rule: str) -> Response:
        found = self.alert_rules.get(rule)
        if found is None or found["organization_id"] not in grant.organizations:
            raise self._refusal(404, f"Alert rule {rule} not found")
        return _json(200, found)

    def _op_editAlertRule(self, grant: Any, body: Any, rule: str) -> Response:
        found = self.alert_rules.get(rule)
        if found is None or found["organization_id"] not in grant.organizations:
            raise self._refusal(404, f"Alert rule {rule} not found")
        self._may_edit(grant)
        unknown = [r for r in body["alert_receiver_ids"] if r not in self.alert_receivers]
        if unknown:
            raise self._refusal(400, f"Unknown alert receivers: {', '.join(unknown)}")
        with self._alert_lock:
            found |= {k: body[k] for k in _EDITABLE if k in body}
            found["alert_receiver_ids"] = list(body["alert_receiver_ids"])
            found["updated_at"] = _now()
        return _json(200, found)

    def _op_createAlertReceiver(self, grant: Any, body: Any) -> Response:
        org = body["organization_id"]
        self._organization(grant, org)  # type: ignore[attr-defined]
        self._may_edit(grant)
        if org in self.alerting_disabled:
            raise self._refusal(400, "Alerting is not enabled on any cluster of this organization")
        url = body.get("webhook_url", "")
        if self.receiver_needs_slack_host and not url.startswith("https://hooks.slack.com/"):
            raise self._refusal(400, "webhook_url must be a Slack incoming webhook URL")
        receiver_id = self.add_alert_receiver(org, body["name"], url)
        self.alert_receivers[receiver_id] |= {"description": body["description"]}
        return _json(201, _shown(self.alert_receivers[receiver_id]))

    def _op_deleteAlertReceiver(self, grant: Any, _: Any, receiver: str) -> Response:
        found = self._receiver(grant, receiver)
        self._may_edit(grant)
        using = [r["name"] for r in self.alert_rules.values() if receiver in r["alert_receiver_ids"]]
        if using:
            raise self._refusal(403, f"The receiver is still used by alert rules: {', '.join(using)}")
        del self.alert_receivers[found["id"]]
        return Response(status=204)

    def _op_validateExistingAlertReceiver(self, grant: Any, body: Any, receiver: str) -> Response:
        found = self._receiver(grant, receiver)
        message = (body or {}).get("message") or "Test alert from Qovery"
        self._post(found["id"], found["webhook_url"], {"text": f"<!channel> {message}"})
        return Response(status=200)

    # -- helpers ------------------------------------------------------------------------------------

    def _receiver(self, grant: Any, receiver: str) -> dict[str, Any]:
        found = self.alert_receivers.get(receiver)
        if found is None or found["organization_id"] not in grant.organizations:
            raise self._refusal(404, f"Alert receiver {receiver} not found")
        return found

    def _may_edit(self, grant: Any) -> None:
        if grant.role not in ALERTING_ROLES:
            raise self._refusal(403, f"The {grant.role} role may not edit alert rules or receivers")

    def _refusal(self, status: int, detail: str) -> Exception:
        from tests.fakes.qovery_api import _Refusal  # the server's one refusal

        return _Refusal(status, detail)

    def _target(self, service_id: str | None, environment_id: str | None) -> dict[str, Any]:
        services: dict[str, list[dict[str, Any]]] = self.services  # type: ignore[attr-defined]
        if service_id is None:
            assert environment_id is not None, "a rule watches a service or an environment"
            return {"target_type": "ENVIRONMENT", "target_id": environment_id}
        env_id = next(e for e, found in services.items() if any(s["id"] == service_id for s in found))
        service = next(s for s in services[env_id] if s["id"] == service_id)
        env = self.environments[env_id]  # type: ignore[attr-defined]
        project = self.projects[env["project"]["id"]]  # type: ignore[attr-defined]
        return {
            "target_type": service["service_type"],
            "target_id": service_id,
            "service": {
                "id": service_id,
                "name": service["name"],
                "description": "",
                "icon_uri": "app://qovery-console/application",
                "service_type": service["service_type"],
                "project_id": project["id"],
                "project_name": project["name"],
                "environment_id": env_id,
                "environment_name": env["name"],
                "cluster_id": env["cluster_id"],
            },
        }

    def _post(self, receiver_id: str, url: str, body: dict[str, Any]) -> None:
        for public, real in self.redirects.items():  # type: ignore[attr-defined]
            if url.startswith(public + "/"):
                url = real + url.removeprefix(public)
        try:
            status = httpx.post(url, content=json.dumps(body), timeout=10).status_code
        except httpx.HTTPError:
            status = 0
        self.rings.append((receiver_id, status))


def _alertmanager_body(rule: dict[str, Any], *, firing: bool) -> dict[str, Any]:
    status = "FIRING:1" if firing else "RESOLVED"
    return {
        "username": "Qovery",
        "attachments": [
            {
                "color": "danger" if firing else "good",
                "title": f"[{status}] {rule['name']}",
                "text": f"<!channel> {rule['presentation'].get('summary') or ''} <https://evil.example|click>",
                "fallback": f"[{status}] {rule['name']}",
            }
        ],
    }


def _shown(receiver: dict[str, Any]) -> dict[str, Any]:
    """SlackAlertReceiverResponse: Qovery does not show the URL back."""
    return {k: v for k, v in receiver.items() if k not in ("webhook_url", "organization_id")}


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
