"""A fake Qovery API: a real HTTP server on a loopback port, holding a small organization in memory.

Every request it receives and every response it returns is checked against Qovery's OpenAPI
description (`tests/data/qovery/openapi.yaml`, cut from Qovery's own): a request the real API would
refuse is answered 400 and recorded in `spec_violations`, so a client bug fails the test that made it.
It answers as Qovery does (201 on create, 204 on delete, `{"results": [...]}`, 401 without a valid
`Token`, 403 for a role that may not manage webhooks or an organization the token does not belong to,
404, 409 on actions while another runs), records each call, and takes injected errors and delays.

It also plays Qovery's side of a delivery: `deliver()` posts an event to a webhook's target URL; its
alerting (rules, receivers, and an alert's Slack post) is in tests/fakes/qovery_alerting.py; its commits
and audit log in tests/fakes/qovery_contents.py.

    qovery = FakeQovery().start()
    acme = qovery.seed()                      # organization, token, project, environment, services
    qovery.fail("createOrganizationWebhook", status=503)
    ... the bot calls qovery.url with acme.token ...
    [create] = qovery.calls_to("createOrganizationWebhook")
(Long: one server plays every Qovery path the bot calls, spec-checked, with its refusals.)
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.fakes.qovery_alerting import ALERTING_ROUTES, QoveryAlerting
from tests.fakes.qovery_contents import CONTENTS_ROUTES, QoveryContents
from tests.fakes.qovery_history import deployment
from tests.fakes.qovery_services import service_fields
from tests.fakes.recording import CallLog, FaultQueue

__all__ = ["Acme", "FakeQovery", "QoveryCall"]

SPEC_PATH = Path(__file__).parents[1] / "data/qovery/openapi.yaml"
WEBHOOK_ROLES = {"OWNER", "ADMIN", "DEVOPS"}  # the roles that may manage webhooks
DEPLOY_ROLES = WEBHOOK_ROLES | {"BILLING_MANAGER_DEPLOYER", "DEPLOYER"}  # the roles that may deploy
RUNNING_STATES = {"DEPLOYING", "DEPLOYMENT_QUEUED", "BUILDING", "QUEUED", "CANCELING"}
CONSOLE = "https://console.qovery.com"

# The Werkzeug server logs every request at INFO; the calls are recorded here instead.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@cache
def openapi() -> OpenAPI:
    """Qovery's description, parsed once per test run."""
    return OpenAPI.from_file_path(str(SPEC_PATH))


STARTED: list[FakeQovery] = []  # every fake started in the current test, for the secret scan


@dataclass(frozen=True)
class QoveryCall:
    operation: str  # the spec's operationId, such as createOrganizationWebhook
    method: str
    path: str
    body: Any
    token: str | None


@dataclass
class Fault:
    status: int
    body: Any = None
    delay: float = 0.0
    times: int | None = 1


@dataclass(frozen=True)
class Grant:
    """What a token may reach: Qovery's API tokens belong to one organization, a few see several."""

    organizations: tuple[str, ...]
    role: str


@dataclass(frozen=True)
class Acme:
    """The ids of the seeded organization."""

    organization_id: str
    token: str
    project_id: str
    environment_id: str
    service_ids: tuple[str, ...]
    viewer_token: str


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _id() -> str:
    return str(uuid.uuid4())


# The routes, by the spec's operationId; the fake answers nothing else.
ROUTES = Map(
    [
        Rule("/organization", methods=["GET"], endpoint="listOrganization"),
        Rule("/organization/<org>/webhook", methods=["GET"], endpoint="listOrganizationWebHooks"),
        Rule("/organization/<org>/webhook", methods=["POST"], endpoint="createOrganizationWebhook"),
        Rule("/organization/<org>/webhook/<hook>", methods=["GET"], endpoint="getOrganizationWebhook"),
        Rule("/organization/<org>/webhook/<hook>", methods=["PUT"], endpoint="editOrganizationWebhook"),
        Rule("/organization/<org>/webhook/<hook>", methods=["DELETE"], endpoint="deleteOrganizationWebhook"),
        Rule("/organization/<org>/webhook/<hook>/event", methods=["GET"], endpoint="listWebhookEvent"),
        Rule("/organization/<org>/project", methods=["GET"], endpoint="listProject"),
        Rule("/project/<project>/environment", methods=["GET"], endpoint="listEnvironment"),
        Rule("/environment/<env>", methods=["GET"], endpoint="getEnvironment"),
        Rule("/environment/<env>/status", methods=["GET"], endpoint="getEnvironmentStatus"),
        Rule("/environment/<env>/services", methods=["GET"], endpoint="listServicesByEnvironmentId"),
        Rule("/environment/<env>/deploy", methods=["POST"], endpoint="deployEnvironment"),
        Rule("/environment/<env>/stop", methods=["POST"], endpoint="stopEnvironment"),
        Rule("/environment/<env>/redeploy", methods=["POST"], endpoint="redeployEnvironment"),
        Rule("/environment/<env>/service/deploy", methods=["POST"], endpoint="deployAllServices"),
        Rule("/environment/<env>/cancelDeployment", methods=["POST"], endpoint="cancelEnvironmentDeployment"),
        Rule(
            "/environment/<env>/deploymentHistoryV2",
            methods=["GET"],
            endpoint="listEnvironmentDeploymentHistoryV2",
        ),
        Rule("/environment/<env>/logs", methods=["GET"], endpoint="listEnvironmentLogs"),
        Rule("/environment/<env>/link", methods=["GET"], endpoint="listEnvironmentServicesLinks"),
        Rule("/application/<service>", methods=["GET"], endpoint="getApplication"),
        Rule("/container/<service>", methods=["GET"], endpoint="getContainer"),
        Rule(
            "/environment/<env>/deploymentQueue",
            methods=["GET"],
            endpoint="listDeploymentRequestByEnvironmentId",
        ),
        Rule(
            "/deploymentQueue/<request>/cancelDeployment",
            methods=["POST"],
            endpoint="cancelDeploymentRequest",
        ),
        *ALERTING_ROUTES,
        *CONTENTS_ROUTES,
    ]
)


class _Refusal(Exception):
    def __init__(self, status: int, detail: str) -> None:
        self.status = status
        self.detail = detail


@dataclass
class FakeQovery(QoveryAlerting, QoveryContents):
    # When True, a SLACK-kind webhook must target Slack's own host, as Qovery may require.
    slack_kind_needs_slack_host: bool = False
    # Off only for benchmarks, where checking against the spec would weigh on the process measuring.
    check_spec: bool = True
    tokens: dict[str, Grant] = field(default_factory=dict)
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    environments: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)  # environment id -> status
    services: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # environment id -> services
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> webhook, with its secret
    webhook_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # delivery log
    # Environment id -> its deployments (newest first), its deployment log, its services' links.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    environment_logs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    links: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Application id -> the git repository it builds from (getApplication); by default acme/platform.
    repositories: dict[str, str] = field(default_factory=dict)
    # Environment id -> the deployment requests waiting while it is busy, oldest first (Qovery queues a
    # deploy, redeploy or deployAllServices on a busy environment since January 2025).
    queues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cancelled_requests: list[str] = field(default_factory=list)
    # Base URLs rewritten on delivery: the bot's PUBLIC_URL -> where the test app really listens.
    redirects: dict[str, str] = field(default_factory=dict)
    log: CallLog[QoveryCall] = field(default_factory=lambda: CallLog(lambda call: call.operation))
    spec_violations: list[str] = field(default_factory=list)
    # Operations whose answers are served unchecked: what Qovery may send tomorrow (a new service kind).
    off_spec: set[str] = field(default_factory=set)
    _faults: FaultQueue[Fault] = field(default_factory=FaultQueue)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: BaseWSGIServer | None = None

    # -- life cycle -------------------------------------------------------------------------------------

    def start(self) -> FakeQovery:
        openapi()  # parse the description before the first request, not during it
        STARTED.append(self)
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        """What QOVERY_API_URL is set to."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- the world ------------------------------------------------------------------------------------

    def add_organization(self, name: str) -> str:
        org_id = _id()
        self.organizations[org_id] = {"id": org_id, "created_at": _now(), "name": name, "plan": "TEAM_2025"}
        return org_id

    def add_token(self, *organization_ids: str, role: str = "ADMIN") -> str:
        token = f"qov_{role.lower()}_{uuid.uuid4().hex}"
        self.tokens[token] = Grant(organization_ids, role)
        return token

    def add_project(self, organization_id: str, name: str) -> str:
        project_id = _id()
        self.projects[project_id] = {
            "id": project_id,
            "created_at": _now(),
            "name": name,
            "organization": {"id": organization_id},
            "associated_environments_count": 0,
        }
        return project_id

    def add_environment(
        self, project_id: str, name: str, mode: str = "PRODUCTION", state: str = "DEPLOYED"
    ) -> str:
        env_id = _id()
        project = self.projects[project_id]
        project["associated_environments_count"] += 1
        self.environments[env_id] = {
            "id": env_id,
            "created_at": _now(),
            "name": name,
            "organization": dict(project["organization"]),
            "project": {"id": project_id},
            "cloud_provider": {"provider": "AWS", "cluster": "eu-west-3"},
            "mode": mode,
            "cluster_id": _id(),
            "cluster_name": "production-cluster",
        }
        self.statuses[env_id] = {
            "id": env_id,
            "state": state,
            "last_deployment_state": state,
            "last_deployment_date": _now(),
            "last_deployment_id": f"{env_id}-1",
            "total_deployment_duration_in_seconds": 95,
        }
        self.services[env_id] = []
        return env_id

    def add_service(self, environment_id: str, name: str, service_type: str = "APPLICATION") -> str:
        service_id = _id()
        service: dict[str, Any] = {
            "id": service_id,
            "created_at": _now(),
            "name": name,
            "environment": {"id": environment_id},
            "icon_uri": "app://qovery-console/application",
            "service_type": service_type,
        }
        if service_type == "APPLICATION":
            service["healthchecks"] = {}
        elif service_type == "DATABASE":
            service |= {"type": "POSTGRESQL", "version": "16", "mode": "CONTAINER"}
        elif service_type == "CONTAINER":
            service |= _container(environment_id, name)
        else:  # the other kinds, and one the spec does not know (served only where `off_spec` allows)
            service |= service_fields(service_type, environment_id, name)
        self.services[environment_id].append(service)
        return service_id

    def add_webhook(self, organization_id: str, **fields: Any) -> str:
        """A webhook made elsewhere (the console, another tool), for the bot to find."""
        webhook_id = _id()
        self.webhooks[webhook_id] = {
            "kind": "STANDARD",
            "target_url": "https://hooks.example.com/qovery",
            "enabled": True,
            "events": ["DEPLOYMENT_FAILURE"],
            "project_names_filter": [],
            "environment_types_filter": [],
            **fields,
            "id": webhook_id,
            "created_at": _now(),
            "updated_at": _now(),
            "organization_id": organization_id,
        }
        self.webhook_events[webhook_id] = []
        return webhook_id

    def seed(self) -> Acme:
        """Acme: one organization with an admin token and a viewer token, project `billing`, its
        `production` environment, and two services."""
        org = self.add_organization("Acme")
        project = self.add_project(org, "billing")
        env = self.add_environment(project, "production", mode="PRODUCTION")
        services = (self.add_service(env, "api"), self.add_service(env, "db", "DATABASE"))
        return Acme(org, self.add_token(org), project, env, services, self.add_token(org, role="VIEWER"))

    # -- scripting and reading ------------------------------------------------------------------------

    def fail(
        self, operation: str, *, status: int, body: Any = None, delay: float = 0.0, times: int | None = 1
    ) -> None:
        """The next `times` calls to `operation` (an operationId) answer `status` with `body`."""
        self._faults.add(operation, Fault(status, body, delay, times))

    def heal(self, operation: str) -> None:
        self._faults.clear(operation)

    def delay(self, operation: str, seconds: float, times: int | None = None) -> None:
        self._faults.add(operation, Fault(0, None, seconds, times))

    @property
    def calls(self) -> list[QoveryCall]:
        return self.log.all()

    def calls_to(self, operation: str) -> list[QoveryCall]:
        return self.log.to(operation)

    def wait_for(self, operation: str, count: int = 1, timeout: float = 10.0) -> list[QoveryCall]:
        return self.log.wait_for(operation, count, timeout)

    # -- Qovery's side of a delivery ------------------------------------------------------------------

    def deliver(
        self,
        webhook_id: str,
        event: str,
        *,
        environment_id: str,
        deployment_id: str | None = None,
        body: dict[str, Any] | None = None,
        secret_header: str = "Qovery-Secret",
    ) -> httpx.Response:
        """POST one event to the webhook's target, as Qovery does, and log it in the delivery log."""
        webhook = self.webhooks[webhook_id]
        if body is None:
            build = self.slack_body if webhook["kind"] == "SLACK" else self.standard_body
            body = build(event, environment_id=environment_id, deployment_id=deployment_id)
        headers = {"Content-Type": "application/json"}
        if webhook.get("target_secret"):
            headers[secret_header] = webhook["target_secret"]
        url = webhook["target_url"]
        for public, real in self.redirects.items():
            if url.startswith(public + "/"):
                url = real + url.removeprefix(public)
        response = httpx.post(url, content=json.dumps(body), headers=headers, timeout=10)
        self.webhook_events[webhook_id].insert(
            0,
            {
                "id": _id(),
                "created_at": _now(),
                "kind": webhook["kind"],
                "matched_event": event,
                "target_url_used": webhook["target_url"],
                "request": body,
                "target_response_status_code": response.status_code,
                "target_response_body": response.text[:1000],
            },
        )
        return response

    def standard_body(
        self, event: str, *, environment_id: str, deployment_id: str | None = None
    ) -> dict[str, Any]:
        """A STANDARD delivery, shaped as Qovery documents it (see shared/qovery/README.md)."""
        env = self.environments[environment_id]
        project = self.projects[env["project"]["id"]]
        org = self.organizations[env["organization"]["id"]]
        deployment = deployment_id or self.statuses[environment_id]["last_deployment_id"]
        current = {
            "DEPLOYMENT_STARTED": "DEPLOYING",
            "DEPLOYMENT_SUCCESSFUL": "DEPLOYED",
            "DEPLOYMENT_FAILURE": "DEPLOYMENT_ERROR",
            "DEPLOYMENT_CANCELLED": "CANCELED",
        }[event]
        services = self.services[environment_id]
        return {
            "created_at": _now(),
            "event_type": event,
            "payload_type": "DEPLOYMENT",
            "payload_id": _id(),
            "payload": {
                "id": deployment,
                "deployment_id": deployment,
                "current_status": current,
                "desired_status": "DEPLOYED",
                "organization": {"id": org["id"], "name": org["name"]},
                "project": {"id": project["id"], "name": project["name"]},
                "environment": {
                    "id": env["id"],
                    "name": env["name"],
                    "mode": env["mode"],
                    "cluster_name": env["cluster_name"],
                },
                "applications": [
                    {"id": s["id"], "name": s["name"]} for s in services if s["service_type"] == "APPLICATION"
                ],
                "databases": [
                    {"id": s["id"], "name": s["name"]} for s in services if s["service_type"] == "DATABASE"
                ],
                "containers": [],
                "jobs": [],
                "logs": [],
            },
        }

    def slack_body(
        self, event: str, *, environment_id: str, deployment_id: str | None = None
    ) -> dict[str, Any]:
        """A SLACK delivery: a Slack incoming-webhook message; Qovery does not publish its exact form,
        so this one carries what any form would: words, colour, and a console link with the ids."""
        env = self.environments[environment_id]
        project = self.projects[env["project"]["id"]]
        link = (
            f"{CONSOLE}/organization/{env['organization']['id']}/project/{project['id']}"
            f"/environment/{env['id']}/overview"
        )
        words = event.removeprefix("DEPLOYMENT_").lower()
        colour = {"started": "#3b82f6", "successful": "good", "failure": "danger"}.get(words, "warning")
        return {
            "text": f"Deployment {words}: {project['name']} / {env['name']}",
            "attachments": [
                {
                    "color": colour,
                    "fields": [
                        {"title": "Project", "value": project["name"], "short": True},
                        {"title": "Environment", "value": env["name"], "short": True},
                    ],
                    "text": f"<{link}|Open in Qovery>",
                }
            ],
        }

    # -- serving --------------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._serve(request)
        return response(environ, start_response)

    def _serve(self, request: Request) -> Response:
        adapter = ROUTES.bind_to_environ(request.environ)
        try:
            operation, args = adapter.match()
        except Exception:
            return _json(404, {"status": 404, "error": "Not Found", "detail": "no such route"})
        body = request.get_json(silent=True) if request.data else None
        token = _token(request.headers.get("Authorization"))
        self.log.record(QoveryCall(operation, request.method, request.path, body, token))
        fault = self._faults.take(operation)

        problem = _request_problem(request) if self.check_spec else None
        if problem:
            with self._lock:
                self.spec_violations.append(f"{request.method} {request.path}: {problem}")
            return _json(400, {"status": 400, "error": "Bad Request", "detail": problem})
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status:  # an injected failure: answered as is, the spec has nothing to say of it
                return _json(fault.status, fault.body)
        self._asked.query, self._asked.base = request.args, request.host_url  # for the paged answers
        try:
            grant = self._grant(token)
            answer: Response = getattr(self, f"_op_{operation}")(grant, body, **args)
            response = answer
        except _Refusal as refusal:
            error = _REASONS.get(refusal.status, "Error")
            response = _json(
                refusal.status, {"status": refusal.status, "error": error, "detail": refusal.detail}
            )
        checked = self.check_spec and operation not in self.off_spec
        problem = _response_problem(request, response) if checked else None
        if problem:
            with self._lock:
                self.spec_violations.append(f"answer to {request.method} {request.path}: {problem}")
            return _json(500, {"status": 500, "error": "fake broke the spec", "detail": problem})
        return response

    # -- permissions ----------------------------------------------------------------------------------

    def _grant(self, token: str | None) -> Grant:
        if token is None or token not in self.tokens:
            raise _Refusal(401, "Invalid token")
        return self.tokens[token]

    def _organization(self, grant: Grant, org: str, *, webhooks: bool = False) -> None:
        # Qovery answers 403, not 404, for an organization the token cannot see.
        if org not in grant.organizations or org not in self.organizations:
            raise _Refusal(403, "Access denied to this organization")
        if webhooks and grant.role not in WEBHOOK_ROLES:
            raise _Refusal(403, f"The {grant.role} role may not manage webhooks")

    def _webhook(self, grant: Grant, org: str, hook: str) -> dict[str, Any]:
        self._organization(grant, org, webhooks=True)
        webhook = self.webhooks.get(hook)
        if webhook is None or webhook["organization_id"] != org:
            raise _Refusal(404, f"Webhook {hook} not found")
        return webhook

    def _environment(self, grant: Grant, env: str) -> dict[str, Any]:
        environment = self.environments.get(env)
        if environment is None or environment["organization"]["id"] not in grant.organizations:
            raise _Refusal(403, "Access denied to this environment")
        return environment

    # -- operations, by operationId -------------------------------------------------------------------

    def _op_listOrganization(self, grant: Grant, _: Any) -> Response:
        return _json(200, {"results": [self.organizations[org] for org in grant.organizations]})

    def _op_listOrganizationWebHooks(self, grant: Grant, _: Any, org: str) -> Response:
        self._organization(grant, org, webhooks=True)
        found = [w for w in self.webhooks.values() if w["organization_id"] == org]
        return _json(200, {"results": [_public(w) for w in found]})

    def _op_createOrganizationWebhook(self, grant: Grant, body: Any, org: str) -> Response:
        self._organization(grant, org, webhooks=True)
        self._check_webhook_body(body)
        webhook_id = self.add_webhook(org)
        self.webhooks[webhook_id] |= {"enabled": False, **_writable(body)}
        return _json(201, _public(self.webhooks[webhook_id]))

    def _op_getOrganizationWebhook(self, grant: Grant, _: Any, org: str, hook: str) -> Response:
        return _json(200, _public(self._webhook(grant, org, hook)))

    def _op_editOrganizationWebhook(self, grant: Grant, body: Any, org: str, hook: str) -> Response:
        webhook = self._webhook(grant, org, hook)
        self._check_webhook_body(body)
        # A full replace: what the body leaves out is gone, the secret included.
        kept = {k: webhook[k] for k in ("id", "created_at", "organization_id")}
        webhook.clear()
        webhook |= kept | {"enabled": False, **_writable(body), "updated_at": _now()}
        return _json(200, _public(webhook))

    def _op_deleteOrganizationWebhook(self, grant: Grant, _: Any, org: str, hook: str) -> Response:
        self._webhook(grant, org, hook)
        del self.webhooks[hook]
        return Response(status=204)

    def _op_listWebhookEvent(self, grant: Grant, _: Any, org: str, hook: str) -> Response:
        self._webhook(grant, org, hook)
        return _json(200, {"results": self.webhook_events.get(hook, [])})

    def _op_listProject(self, grant: Grant, _: Any, org: str) -> Response:
        self._organization(grant, org)
        found = [p for p in self.projects.values() if p["organization"]["id"] == org]
        return _json(200, {"results": found})

    def _op_listEnvironment(self, grant: Grant, _: Any, project: str) -> Response:
        found = self.projects.get(project)
        if found is None or found["organization"]["id"] not in grant.organizations:
            raise _Refusal(403, "Access denied to this project")
        return _json(
            200, {"results": [e for e in self.environments.values() if e["project"]["id"] == project]}
        )

    def _op_getEnvironment(self, grant: Grant, _: Any, env: str) -> Response:
        return _json(200, self._environment(grant, env))

    def _op_getEnvironmentStatus(self, grant: Grant, _: Any, env: str) -> Response:
        self._environment(grant, env)
        return _json(200, self.statuses[env])

    def _service(self, grant: Grant, service_id: str, service_type: str) -> dict[str, Any]:
        """One service of a kind, when the token may read its environment."""
        for env, services in self.services.items():
            for service in services:
                if service["id"] == service_id and service["service_type"] == service_type:
                    self._environment(grant, env)
                    return service
        raise _Refusal(404, f"No {service_type.lower()} {service_id}")

    def _op_getApplication(self, grant: Grant, _: Any, service: str) -> Response:
        found = self._service(grant, service, "APPLICATION")
        repository = self.repositories.get(service, "https://github.com/acme/platform")
        owner, name = repository.rstrip("/").split("/")[-2:]
        git = {"provider": "GITHUB", "owner": owner, "name": name, "url": repository, "branch": "main"}
        return _json(200, found | {"git_repository": git})

    def _op_getContainer(self, grant: Grant, _: Any, service: str) -> Response:
        return _json(200, self._service(grant, service, "CONTAINER"))

    def _op_listServicesByEnvironmentId(self, grant: Grant, _: Any, env: str) -> Response:
        self._environment(grant, env)
        return _json(200, {"results": self.services[env]})

    def _may_deploy(self, grant: Grant, env: str) -> dict[str, Any]:
        """The environment's status, when the token's role may act on it."""
        self._environment(grant, env)
        if grant.role not in DEPLOY_ROLES:
            raise _Refusal(403, f"The {grant.role} role may not deploy this environment")
        return self.statuses[env]

    def _act(self, grant: Grant, env: str) -> dict[str, Any]:
        """An action on the environment: a role that may deploy, and nothing else running there."""
        status = self._may_deploy(grant, env)
        if status["state"] in RUNNING_STATES:
            raise _Refusal(409, "Operation is in progress")
        return status

    def _queued(self, env: str) -> dict[str, Any]:
        status = self.statuses[env]
        status |= {"state": "DEPLOYMENT_QUEUED", "last_deployment_id": f"{env}-{_id()[:8]}"}
        return status

    def _deploy_or_wait(self, grant: Grant, env: str, action: str) -> dict[str, Any]:
        """A deployment asked: it starts (queued for a worker) when the environment is free; while it is
        busy, it waits in the environment's queue, and the answer names the request."""
        status = self._may_deploy(grant, env)
        if status["state"] not in RUNNING_STATES:
            return self._queued(env) | {"deployment_request_id": _id()}
        request: dict[str, Any] = {
            "identifier": {"deployment_request_id": _id(), "environment_id": env},
            "auditing_data": {"triggered_by": "Slack bot", "origin": "API"},
            "trigger_action": action,
            "stages": [],
        }
        self.queues.setdefault(env, []).append(request)
        return status | {"deployment_request_id": request["identifier"]["deployment_request_id"]}

    def start_queued(self, env: str) -> str:
        """The environment's oldest waiting request starts (the running deployment ended): its deployment
        heads the history; the request's id."""
        with self._lock:
            request = self.queues[env].pop(0)
            self._queued(env)
            started = deployment(env, status="DEPLOYING", created_at=datetime.now(UTC))
            self.history[env] = [started, *self.history.get(env, [])]
        return str(request["identifier"]["deployment_request_id"])

    def _op_listDeploymentRequestByEnvironmentId(self, grant: Grant, _: Any, env: str) -> Response:
        self._environment(grant, env)
        return _json(200, {"results": self.queues.get(env, [])})

    def _op_cancelDeploymentRequest(self, grant: Grant, _: Any, request: str) -> Response:
        for env, waiting in self.queues.items():
            found = [r for r in waiting if r["identifier"]["deployment_request_id"] == request]
            if found:
                self._may_deploy(grant, env)
                waiting.remove(found[0])
                self.cancelled_requests.append(request)
                return Response(status=202)
        if request in self.cancelled_requests:
            raise _Refusal(409, "Deployment request is already cancelled or an operation is in progress")
        raise _Refusal(404, "No such deployment request")

    def _op_deployEnvironment(self, grant: Grant, _: Any, env: str) -> Response:
        status = self._deploy_or_wait(grant, env, "DEPLOY")
        return _json(
            202,
            {
                "id": env,
                "state": "DEPLOYMENT_QUEUED",
                "service_deployment_status": "UP_TO_DATE",
                "status_details": {"action": "DEPLOY", "status": "QUEUED", "sub_action": "NONE"},
                "is_part_last_deployment": True,
                "deployment_requests_count": len(self.queues.get(env, [])) + 1,
                "deployment_request_id": status["deployment_request_id"],
                "execution_id": status["last_deployment_id"],
            },
        )

    def _op_redeployEnvironment(self, grant: Grant, _: Any, env: str) -> Response:
        return _json(202, self._deploy_or_wait(grant, env, "DEPLOY"))

    def _op_deployAllServices(self, grant: Grant, body: Any, env: str) -> Response:
        self._may_deploy(grant, env)
        known = {s["id"]: s["service_type"] for s in self.services[env]}
        wanted = [(a["application_id"], "APPLICATION") for a in body.get("applications", [])]
        wanted += [(c["id"], "CONTAINER") for c in body.get("containers", [])]
        wanted += [(j.get("id"), "JOB") for j in body.get("jobs", [])]
        for service_id, service_type in wanted:
            if known.get(service_id) != service_type:
                raise _Refusal(400, f"No {service_type.lower()} {service_id} in this environment")
        return _json(202, self._deploy_or_wait(grant, env, "DEPLOY"))

    def _op_stopEnvironment(self, grant: Grant, _: Any, env: str) -> Response:
        status = self._act(grant, env)
        if status["state"] == "STOPPED":
            raise _Refusal(409, "Environment is already stopped")
        status |= {"state": "STOP_QUEUED", "last_deployment_id": f"{env}-{_id()[:8]}"}
        return _json(202, status)

    def _op_cancelEnvironmentDeployment(self, grant: Grant, body: Any, env: str) -> Response:
        status = self._may_deploy(grant, env)
        if status["state"] not in RUNNING_STATES - {"CANCELING"}:
            raise _Refusal(409, "Environment deployment is already cancelled or no deployment is running")
        status["state"] = "CANCELING"
        return _json(202, status)

    def _op_listEnvironmentDeploymentHistoryV2(self, grant: Grant, _: Any, env: str) -> Response:
        self._environment(grant, env)
        found = self.history.get(env, [])
        return _json(200, {"page": 1, "page_size": 10, "results": found[:10]})

    def _op_listEnvironmentLogs(self, grant: Grant, _: Any, env: str) -> Response:
        self._environment(grant, env)
        return _json(200, self.environment_logs.get(env, [])[-1000:])

    def _op_listEnvironmentServicesLinks(self, grant: Grant, _: Any, env: str) -> Response:
        self._environment(grant, env)
        return _json(200, {"results": self.links.get(env, [])})

    def _check_webhook_body(self, body: dict[str, Any]) -> None:
        # What Qovery checks beyond the schema's types.
        if not re.match(r"https?://", body["target_url"]):
            raise _Refusal(400, "target_url must start with http:// or https://")
        slack_host = body["target_url"].startswith("https://hooks.slack.com/")
        if body["kind"] == "SLACK" and self.slack_kind_needs_slack_host and not slack_host:
            raise _Refusal(400, "A SLACK webhook must target https://hooks.slack.com/")


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict"}
_WRITABLE = (
    "kind",
    "target_url",
    "target_secret",
    "description",
    "enabled",
    "events",
    "project_names_filter",
    "environment_types_filter",
)


def _container(environment_id: str, name: str) -> dict[str, Any]:
    """What a ContainerResponse must carry beyond the common fields."""
    return {
        "image_name": f"ghcr.io/acme/{name}",
        "tag": "1.4.2",
        "registry": {"id": _id(), "name": "GitHub", "url": "https://ghcr.io", "kind": "GITHUB_CR"},
        "maximum_cpu": 4000,
        "maximum_memory": 8192,
        "maximum_gpu": 0,
        "cpu": 500,
        "memory": 512,
        "gpu": 0,
        "min_running_instances": 1,
        "max_running_instances": 1,
        "healthchecks": {},
        "auto_preview": False,
    }


def _writable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in _WRITABLE if k in body}


def _public(webhook: dict[str, Any]) -> dict[str, Any]:
    """What Qovery shows of a webhook: never the secret, only whether there is one."""
    shown = {k: v for k, v in webhook.items() if k not in ("target_secret", "organization_id")}
    return shown | {"target_secret_set": bool(webhook.get("target_secret"))}


def _token(header: str | None) -> str | None:
    if header and header.startswith("Token "):
        return header.removeprefix("Token ")
    return None  # a Bearer JWT or nothing: this fake knows only API tokens


def _json(status: int, body: Any) -> Response:
    data = "" if body is None else json.dumps(body)
    return Response(data, status=status, content_type="application/json" if data else None)


def _request_problem(request: Request) -> str | None:
    try:
        openapi().validate_request(WerkzeugOpenAPIRequest(request))
    except Exception as error:  # openapi-core raises one of many validation errors
        return _explain(error)
    return None


def _response_problem(request: Request, response: Response) -> str | None:
    try:
        openapi().validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))
    except Exception as error:
        return _explain(error)
    return None


def _explain(error: Exception) -> str:
    causes = [str(error)]
    for cause in getattr(error, "schema_errors", None) or []:
        causes.append(getattr(cause, "message", str(cause)))
    if error.__cause__ is not None:
        causes.append(_explain(error.__cause__) if isinstance(error.__cause__, Exception) else "")
    return "; ".join(c for c in causes if c)
