"""The Qovery REST API over httpx: the one client of Qovery in the bot, implementing `bot.qovery.QoveryApi`.

One `httpx.AsyncClient` (one connection pool) serves the whole process; a `QoveryClient` is a cheap
view of it for one API token, so every workspace can use its own token. Idempotent reads are retried
a few times, with backoff, on connection failures and 502/503/504; writes never are, since Qovery may
have done what was asked before the answer was lost. (A little over 300 lines: one client for one API.)
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from bot.contents import nanoseconds
from bot.qovery import (
    COMMIT_SERVICE_TYPES,
    AlertReceiver,
    AlertRule,
    AlertRuleList,
    AuditEvent,
    AuditLog,
    Commit,
    DeploymentHistory,
    Environment,
    EnvironmentLog,
    EnvironmentStatus,
    Organization,
    Project,
    QoveryConflict,
    QoveryError,
    QoveryForbidden,
    QoveryInvalidRequest,
    QoveryNotFound,
    QoveryTimeout,
    QoveryUnauthorized,
    QoveryUnavailable,
    QueuedRequest,
    Service,
    ServiceLink,
    ServiceType,
    ServiceVersion,
    Webhook,
    WebhookDelivery,
    WebhookSpec,
    is_qovery_id,
    read_each,
    read_one,
    read_page,
    read_rules,
)

__all__ = ["QoveryClient", "new_http_client"]

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Connect fast or give up; reads get longer, since Qovery's lists can be slow on a large organization.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRIED_STATUSES = {502, 503, 504}
# How far one read of the audit log goes: pages, and events kept; past either the read says it was cut.
AUDIT_PAGES = 20
AUDIT_EVENTS = 2000
# Failures where a read can safely be sent again: the request never reached Qovery, or its answer broke.
RETRIED_FAILURES = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError)
_ERRORS_BY_STATUS: dict[int, type[QoveryError]] = {
    400: QoveryInvalidRequest,
    401: QoveryUnauthorized,
    403: QoveryForbidden,
    404: QoveryNotFound,
    409: QoveryConflict,
    422: QoveryInvalidRequest,
}


def new_http_client(
    base_url: str, *, timeout: httpx.Timeout = TIMEOUT, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The process's one connection pool to Qovery."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        transport=transport,
        headers={"Accept": "application/json", "User-Agent": "qovery-slack"},
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
    )


class QoveryClient:
    """Qovery's API as one token sees it."""

    def __init__(
        self, http: httpx.AsyncClient, token: str, *, attempts: int = 3, backoff_seconds: float = 0.3
    ) -> None:
        self._http = http
        self._token = token
        self._attempts = attempts
        self._backoff = backoff_seconds

    def __repr__(self) -> str:
        return f"QoveryClient({self._http.base_url}, token=<hidden>)"

    # -- organization webhooks ------------------------------------------------------------------------

    async def list_webhooks(self, organization_id: str) -> list[Webhook]:
        return await self._list(Webhook, f"/organization/{_id(organization_id)}/webhook")

    async def get_webhook(self, organization_id: str, webhook_id: str) -> Webhook:
        return await self._one(
            Webhook, "GET", f"/organization/{_id(organization_id)}/webhook/{_id(webhook_id)}"
        )

    async def create_webhook(self, organization_id: str, spec: WebhookSpec) -> Webhook:
        path = f"/organization/{_id(organization_id)}/webhook"
        return await self._one(Webhook, "POST", path, json=spec.body())

    async def edit_webhook(self, organization_id: str, webhook_id: str, spec: WebhookSpec) -> Webhook:
        path = f"/organization/{_id(organization_id)}/webhook/{_id(webhook_id)}"
        return await self._one(Webhook, "PUT", path, json=spec.body())

    async def delete_webhook(self, organization_id: str, webhook_id: str) -> None:
        await self._call("DELETE", f"/organization/{_id(organization_id)}/webhook/{_id(webhook_id)}")

    async def list_webhook_deliveries(self, organization_id: str, webhook_id: str) -> list[WebhookDelivery]:
        path = f"/organization/{_id(organization_id)}/webhook/{_id(webhook_id)}/event"
        return await self._list(WebhookDelivery, path)

    # -- lookups --------------------------------------------------------------------------------------

    async def list_organizations(self) -> list[Organization]:
        return await self._list(Organization, "/organization")

    async def list_projects(self, organization_id: str) -> list[Project]:
        return await self._list(Project, f"/organization/{_id(organization_id)}/project")

    async def list_environments(self, project_id: str) -> list[Environment]:
        return await self._list(Environment, f"/project/{_id(project_id)}/environment")

    async def get_environment(self, environment_id: str) -> Environment:
        return await self._one(Environment, "GET", f"/environment/{_id(environment_id)}")

    async def get_environment_status(self, environment_id: str) -> EnvironmentStatus:
        return await self._one(EnvironmentStatus, "GET", f"/environment/{_id(environment_id)}/status")

    async def list_services(self, environment_id: str) -> list[Service]:
        return await self._list(Service, f"/environment/{_id(environment_id)}/services")

    async def list_deployment_history(self, environment_id: str) -> list[DeploymentHistory]:
        path = f"/environment/{_id(environment_id)}/deploymentHistoryV2"
        return await self._list(DeploymentHistory, path, params={"pageSize": 10})

    async def list_environment_logs(self, environment_id: str, execution_id: str) -> list[EnvironmentLog]:
        path = f"/environment/{_id(environment_id)}/logs"
        body = await self._call("GET", path, params={"version": execution_id})
        if not isinstance(body, list):  # this one answers a bare list
            raise QoveryUnavailable(200, "the answer was not the list Qovery sends")
        return read_each(EnvironmentLog, body)

    async def list_environment_links(self, environment_id: str) -> list[ServiceLink]:
        return await self._list(ServiceLink, f"/environment/{_id(environment_id)}/link")

    async def list_commits(self, service_type: str, service_id: str) -> list[Commit]:
        kind = COMMIT_SERVICE_TYPES.get(service_type.upper())
        if kind is None:
            raise QoveryNotFound(None, f"Qovery keeps no commits for a {service_type.lower()}", lookup=True)
        body = await self._call("GET", f"/{kind}/{_id(service_id)}/commit")
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise QoveryUnavailable(200, "the answer was not the list Qovery sends")
        found = [Commit.read(item) for item in results[:100]]
        # A commit left out would make the walk over the list a wrong list of what was deployed.
        commits = [c for c in found if c is not None]
        if len(commits) < len(found):
            raise QoveryUnavailable(200, "a commit Qovery listed could not be read")
        return commits

    async def service_source(self, service_type: str, service_id: str) -> str | None:
        match service_type.upper():
            case "APPLICATION":
                body = await self._call("GET", f"/application/{_id(service_id)}")
                found = body.get("git_repository") if isinstance(body, dict) else None
                source = found.get("url") if isinstance(found, dict) else None
            case "CONTAINER":
                body = await self._call("GET", f"/container/{_id(service_id)}")
                source = body.get("image_name") if isinstance(body, dict) else None
            case _:
                return None
        # A name to compare and show, never more: bounded, and only text.
        return source.strip()[:300] or None if isinstance(source, str) else None

    async def list_organization_events(
        self,
        organization_id: str,
        *,
        environment_id: str | None = None,
        from_ns: int | None = None,
        to_ns: int | None = None,
        continue_token: str | None = None,
        page_size: int = 100,
    ) -> AuditLog:
        path = f"/organization/{_id(organization_id)}/events"
        params: dict[str, Any] = {"pageSize": page_size}
        params |= {"fromTimestamp": str(from_ns)} if from_ns is not None else {}
        params |= {"toTimestamp": str(to_ns)} if to_ns is not None else {}
        # No environment filter is sent: Qovery's (`serviceEnvironmentId`) keeps only services' events,
        # and would drop an environment's own variables; the environment is kept here instead.
        kept: list[AuditEvent] = []
        seen: set[str] = set()
        limited = False
        for _ in range(AUDIT_PAGES):
            asked = params | ({"continueToken": continue_token} if continue_token else {})
            try:
                events, following, reached = read_page(await self._call("GET", path, params=asked))
            except ValueError:
                raise QoveryUnavailable(200, "the answer was not a page of the audit log") from None
            limited = limited or reached
            new = {key: e for e in events if (key := e.fingerprint()) not in seen}
            seen.update(new)
            kept += [e for e in new.values() if environment_id is None or e.environment_id == environment_id]
            # The next page ends at (and with) the oldest event's microsecond, not before it: events that
            # share it across a page boundary are all read, those read twice kept once. The token only
            # says that there is more (one that jumps back skips nothing); a page that brings nothing new
            # (a token that loops) ends the read: cut, the older part read by time next.
            if following is None or not new or len(kept) >= AUDIT_EVENTS:
                more = following is not None
                break
            end = nanoseconds(min(e.at for e in new.values())) + 999
            params["toTimestamp"] = str(min(end, to_ns) if to_ns is not None else end)
            continue_token = None
        else:
            more = True
        return AuditLog(tuple(kept[:AUDIT_EVENTS]), cut=more, max_limit_reached=limited)

    # -- actions --------------------------------------------------------------------------------------

    async def deploy_environment(self, environment_id: str) -> EnvironmentStatus:
        return await self._one(EnvironmentStatus, "POST", f"/environment/{_id(environment_id)}/deploy")

    async def deploy_services(self, environment_id: str, versions: list[ServiceVersion]) -> EnvironmentStatus:
        body: dict[str, list[dict[str, str]]] = {"applications": [], "containers": [], "jobs": []}
        for version in versions:
            service_id = _id(version.service_id)
            match version.service_type:
                case ServiceType.APPLICATION:
                    body["applications"].append(
                        {"application_id": service_id, "git_commit_id": version.commit or ""}
                    )
                case ServiceType.CONTAINER:
                    body["containers"].append({"id": service_id, "image_tag": version.tag or ""})
                case ServiceType.JOB if version.commit:
                    body["jobs"].append({"id": service_id, "git_commit_id": version.commit})
                case ServiceType.JOB:
                    body["jobs"].append({"id": service_id, "image_tag": version.tag or ""})
                case _:  # no kind is ever put in another's field: refused before Qovery is asked
                    raise QoveryInvalidRequest(None, f"the bot cannot pin a {version.service_type}'s version")
        path = f"/environment/{_id(environment_id)}/service/deploy"
        return await self._one(EnvironmentStatus, "POST", path, json={k: v for k, v in body.items() if v})

    async def redeploy_environment(self, environment_id: str) -> EnvironmentStatus:
        return await self._one(EnvironmentStatus, "POST", f"/environment/{_id(environment_id)}/redeploy")

    async def stop_environment(self, environment_id: str) -> EnvironmentStatus:
        return await self._one(EnvironmentStatus, "POST", f"/environment/{_id(environment_id)}/stop")

    async def cancel_deployment(self, environment_id: str) -> EnvironmentStatus:
        path = f"/environment/{_id(environment_id)}/cancelDeployment"
        return await self._one(EnvironmentStatus, "POST", path, json={"force_cancel": False})

    async def list_deployment_requests(self, environment_id: str) -> list[QueuedRequest]:
        return await self._list(QueuedRequest, f"/environment/{_id(environment_id)}/deploymentQueue")

    async def cancel_deployment_request(self, request_id: str) -> None:
        await self._call("POST", f"/deploymentQueue/{_id(request_id)}/cancelDeployment", {})

    # -- alerting -------------------------------------------------------------------------------------

    async def list_alert_rules(self, organization_id: str) -> list[AlertRule]:
        return (await self.read_alert_rules(organization_id)).rules

    async def read_alert_rules(self, organization_id: str) -> AlertRuleList:
        body = await self._call("GET", f"/organization/{_id(organization_id)}/alert-rules")
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise QoveryUnavailable(200, "the answer was not the list Qovery sends")
        found = read_rules(results, organization_id)
        if found.unreadable:  # one rule the bot cannot read does not hide the others
            log.warning(
                "%d alert rules Qovery answered in a shape the bot cannot read", len(found.unreadable)
            )
        return found

    async def get_alert_rule(self, rule_id: str) -> AlertRule:
        rule = AlertRule.read(await self._call("GET", f"/alert-rules/{_id(rule_id)}"))
        if rule is None:
            raise QoveryUnavailable(200, "the answer did not look like an AlertRule")
        return rule

    async def edit_alert_rule(self, rule: AlertRule, receiver_ids: list[str]) -> AlertRule:
        if rule.id is None:
            raise QoveryNotFound(None, "a rule Qovery no longer keeps cannot be edited")
        body = await self._call("PUT", f"/alert-rules/{_id(rule.id)}", rule.edit_body(receiver_ids))
        edited = AlertRule.read(body)
        if edited is None:
            raise QoveryUnavailable(200, "the answer did not look like an AlertRule")
        return edited

    async def create_alert_receiver(
        self, organization_id: str, name: str, description: str, webhook_url: str
    ) -> AlertReceiver:
        body = {
            "organization_id": _id(organization_id),
            "name": name,
            "description": description,
            "type": "SLACK",
            "send_resolved": True,
            "webhook_url": webhook_url,
        }
        return await self._one(AlertReceiver, "POST", "/alert-receivers", json=body)

    async def delete_alert_receiver(self, receiver_id: str) -> None:
        await self._call("DELETE", f"/alert-receivers/{_id(receiver_id)}")

    async def validate_alert_receiver(self, receiver_id: str, message: str) -> None:
        await self._call("POST", f"/alert-receivers/{_id(receiver_id)}/validate", {"message": message})

    # -- transport ------------------------------------------------------------------------------------

    async def _list(self, model: type[M], path: str, params: dict[str, Any] | None = None) -> list[M]:
        body = await self._call("GET", path, params=params)
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list):
            raise QoveryUnavailable(200, "the answer was not the list Qovery sends")
        return read_each(model, results)  # one item the bot cannot read does not hide the others

    async def _one(self, model: type[M], method: str, path: str, json: Any = None) -> M:
        return _parse(model, await self._call(method, path, json))

    async def _call(
        self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        headers = {"Authorization": f"Token {self._token}"}
        # Only reads are retried: a lost answer to a write does not mean Qovery did not do it.
        attempts = self._attempts if method == "GET" else 1
        for attempt in range(1, attempts + 1):
            retry_left = attempt < attempts
            try:
                response = await self._http.request(method, path, json=json, params=params, headers=headers)
            except RETRIED_FAILURES as failure:
                if retry_left:
                    await self._pause(attempt)
                    continue
                timed_out = isinstance(failure, httpx.TimeoutException)
                raise (QoveryTimeout() if timed_out else QoveryUnavailable()) from None
            except httpx.TimeoutException:
                raise QoveryTimeout() from None
            except httpx.HTTPError:
                raise QoveryUnavailable() from None
            if response.status_code in RETRIED_STATUSES and retry_left:
                await self._pause(attempt)
                continue
            return _read(response, lookup=method == "GET")
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _pause(self, attempt: int) -> None:
        # Full jitter, so that many callers retrying together do not hit Qovery in step.
        await asyncio.sleep(random.uniform(0, self._backoff * 2 ** (attempt - 1)))  # noqa: S311


def _id(value: str) -> str:
    """An id as it goes into a path: a UUID, encoded; anything else reaches no URL at all."""
    if not is_qovery_id(value):
        raise QoveryNotFound(None, "that is not a Qovery id", lookup=True)
    return quote(value, safe="")


def _read(response: httpx.Response, *, lookup: bool) -> Any:
    if response.is_success:
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise QoveryUnavailable(response.status_code, "the answer was not JSON") from None
    log.info("Qovery answered %s to %s %s", response.status_code, response.request.method, response.url.path)
    status = response.status_code
    # Any other 4xx is Qovery refusing what was sent; any 5xx is Qovery failing.
    error = _ERRORS_BY_STATUS.get(status, QoveryInvalidRequest if status < 500 else QoveryUnavailable)
    raise error(status, _detail(response), lookup=lookup)


def _detail(response: httpx.Response) -> str | None:
    """Qovery's own explanation: `detail` (or `message`, `error`) of its JSON, else the raw text."""
    try:
        body = response.json()
    except ValueError:
        return response.text or None
    if isinstance(body, dict):
        for key in ("detail", "message", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return response.text or None


def _parse(model: type[M], data: Any) -> M:
    found = read_one(model, data)  # read as each item of a list is
    if found is None:
        raise QoveryUnavailable(200, f"the answer did not look like a {model.__name__}")
    return found
