"""The Qovery client against the fake Qovery server, whose every request and answer is checked against
Qovery's OpenAPI description.
(Long: every call of the client, each with Qovery's refusals, reads best in one file.)"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest

from adapters.qovery import QoveryClient, new_http_client
from bot.qovery import (
    QoveryApi,
    QoveryConflict,
    QoveryError,
    QoveryForbidden,
    QoveryInvalidRequest,
    QoveryNotFound,
    QoveryTimeout,
    QoveryUnauthorized,
    QoveryUnavailable,
    ServiceType,
    ServiceVersion,
    Webhook,
    WebhookEvent,
    WebhookKind,
    WebhookSpec,
)
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_services import EVERY_KIND
from tests.fakes.slack_api import FakeSlack
from tests.helpers import free_port

T = TypeVar("T")
MISSING = "11111111-1111-1111-1111-111111111111"
SPEC = WebhookSpec(
    kind=WebhookKind.SLACK,
    target_url="https://bot.example.com/qovery/hooks/abc",
    target_secret="hook-secret-value",
    description="Slack #deploys",
    events=[WebhookEvent.DEPLOYMENT_STARTED, WebhookEvent.DEPLOYMENT_FAILURE],
    project_names_filter=["billing*"],
    environment_types_filter=["PRODUCTION"],  # type: ignore[list-item]
)


@pytest.fixture
def acme(qovery: FakeQovery) -> Acme:
    return qovery.seed()


def call(
    qovery: FakeQovery,
    token: str,
    action: Callable[[QoveryApi], Awaitable[T]],
    *,
    timeout: float = 5.0,
) -> T:
    """Run one action with a client for `token`, on a fresh pool, with quick retries."""

    async def scenario() -> T:
        async with new_http_client(qovery.url, timeout=httpx.Timeout(timeout)) as http:
            return await action(QoveryClient(http, token, backoff_seconds=0.01))

    return asyncio.run(scenario())


# -- operations --------------------------------------------------------------------------------------------


def test_list_organizations(qovery: FakeQovery, acme: Acme) -> None:
    [org] = call(qovery, acme.token, lambda api: api.list_organizations())
    assert (org.id, org.name) == (acme.organization_id, "Acme")
    [sent] = qovery.calls_to("listOrganization")
    assert sent.token == acme.token


def test_create_sends_exactly_the_spec_fields(qovery: FakeQovery, acme: Acme) -> None:
    created = call(qovery, acme.token, lambda api: api.create_webhook(acme.organization_id, SPEC))
    assert created.target_secret_set
    assert created.events == ["DEPLOYMENT_STARTED", "DEPLOYMENT_FAILURE"]
    [sent] = qovery.calls_to("createOrganizationWebhook")
    assert (sent.method, sent.path) == ("POST", f"/organization/{acme.organization_id}/webhook")
    assert sent.body == {
        "kind": "SLACK",
        "target_url": "https://bot.example.com/qovery/hooks/abc",
        "target_secret": "hook-secret-value",
        "description": "Slack #deploys",
        "enabled": True,  # always sent explicitly
        "events": ["DEPLOYMENT_STARTED", "DEPLOYMENT_FAILURE"],
        "project_names_filter": ["billing*"],
        "environment_types_filter": ["PRODUCTION"],
    }


def test_list_and_get_webhooks(qovery: FakeQovery, acme: Acme) -> None:
    foreign = qovery.add_webhook(acme.organization_id, description="PagerDuty")
    listed = call(qovery, acme.token, lambda api: api.list_webhooks(acme.organization_id))
    assert [w.id for w in listed] == [foreign]
    got = call(qovery, acme.token, lambda api: api.get_webhook(acme.organization_id, foreign))
    assert (got.description, got.kind, got.target_secret_set) == ("PagerDuty", "STANDARD", False)


def test_edit_replaces_the_whole_webhook_with_put(qovery: FakeQovery, acme: Acme) -> None:
    webhook_id = call(qovery, acme.token, lambda api: api.create_webhook(acme.organization_id, SPEC)).id
    changed = SPEC.model_copy(update={"enabled": False, "events": [WebhookEvent.DEPLOYMENT_SUCCESSFUL]})
    edited = call(qovery, acme.token, lambda api: api.edit_webhook(acme.organization_id, webhook_id, changed))
    assert (edited.enabled, edited.events) == (False, ["DEPLOYMENT_SUCCESSFUL"])
    assert edited.target_secret_set  # the secret went along with the rest
    [sent] = qovery.calls_to("editOrganizationWebhook")
    assert sent.method == "PUT"
    assert sent.body["target_secret"] == "hook-secret-value"


def test_delete_webhook(qovery: FakeQovery, acme: Acme) -> None:
    webhook_id = qovery.add_webhook(acme.organization_id)
    assert call(qovery, acme.token, lambda api: api.delete_webhook(acme.organization_id, webhook_id)) is None
    assert webhook_id not in qovery.webhooks


def test_delivery_log(qovery: FakeQovery, acme: Acme, slack: FakeSlack) -> None:
    # The fake Slack's response_url stands in for a target that answers 200.
    webhook_id = qovery.add_webhook(acme.organization_id, target_url=slack.response_url("hook"))
    qovery.deliver(webhook_id, "DEPLOYMENT_STARTED", environment_id=acme.environment_id)
    qovery.deliver(webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    log = call(qovery, acme.token, lambda api: api.list_webhook_deliveries(acme.organization_id, webhook_id))
    assert [(d.matched_event, d.target_response_status_code) for d in log] == [
        ("DEPLOYMENT_FAILURE", 200),
        ("DEPLOYMENT_STARTED", 200),
    ]
    assert log[0].request["payload"]["environment"]["id"] == acme.environment_id


def test_lookups(qovery: FakeQovery, acme: Acme) -> None:
    [project] = call(qovery, acme.token, lambda api: api.list_projects(acme.organization_id))
    assert (project.id, project.name) == (acme.project_id, "billing")
    [env] = call(qovery, acme.token, lambda api: api.list_environments(acme.project_id))
    assert (env.id, env.name, env.mode, env.project.id) == (
        acme.environment_id,
        "production",
        "PRODUCTION",
        acme.project_id,
    )
    got = call(qovery, acme.token, lambda api: api.get_environment(acme.environment_id))
    assert (got.organization.id, got.cluster_name) == (acme.organization_id, "production-cluster")
    status = call(qovery, acme.token, lambda api: api.get_environment_status(acme.environment_id))
    assert status.state == "DEPLOYED"
    services = call(qovery, acme.token, lambda api: api.list_services(acme.environment_id))
    assert [(s.name, s.service_type) for s in services] == [("api", "APPLICATION"), ("db", "DATABASE")]


def test_where_a_services_code_comes_from_is_its_repository_or_its_image_and_nothing_for_other_kinds(
    qovery: FakeQovery, acme: Acme
) -> None:
    api_id, db_id = acme.service_ids
    worker = qovery.add_service(acme.environment_id, "worker", "CONTAINER")
    qovery.repositories[api_id] = "https://github.com/acme/billing"
    found = call(qovery, acme.token, lambda api: api.service_source("APPLICATION", api_id))
    assert found == "https://github.com/acme/billing"
    assert (
        call(qovery, acme.token, lambda api: api.service_source("CONTAINER", worker)) == "ghcr.io/acme/worker"
    )
    assert call(qovery, acme.token, lambda api: api.service_source("DATABASE", db_id)) is None
    assert qovery.calls_to("getApplication")[0].path == f"/application/{api_id}"
    with pytest.raises(QoveryError):  # another organization's service, or none: said, never a guess
        call(qovery, acme.viewer_token, lambda api: api.service_source("CONTAINER", api_id))


def test_services_of_every_kind_are_read_and_only_pinnable_ones_are_ever_sent_at_a_version(
    qovery: FakeQovery, acme: Acme
) -> None:
    for name, kind in EVERY_KIND.items():
        if name not in ("api", "db", "quantum"):
            qovery.add_service(acme.environment_id, name, kind)
    services = call(qovery, acme.token, lambda api: api.list_services(acme.environment_id))
    assert {s.name: s.service_type for s in services} == {
        name: ServiceType(kind) for name, kind in EVERY_KIND.items() if name != "quantum"
    }
    by_name = {s.name: s.id for s in services}
    pinned = [
        ServiceVersion(by_name["nightly"], ServiceType.JOB, commit="a" * 40),
        ServiceVersion(by_name["worker"], ServiceType.CONTAINER, tag="1.5.0"),
    ]
    call(qovery, acme.token, lambda api: api.deploy_services(acme.environment_id, pinned))
    [sent] = qovery.calls_to("deployAllServices")
    assert sent.body == {
        "containers": [{"id": by_name["worker"], "image_tag": "1.5.0"}],
        "jobs": [{"id": by_name["nightly"], "git_commit_id": "a" * 40}],
    }
    chart = [ServiceVersion(by_name["chart"], ServiceType.HELM, commit="a" * 40)]
    with pytest.raises(QoveryInvalidRequest, match="cannot pin a HELM"):
        call(qovery, acme.token, lambda api: api.deploy_services(acme.environment_id, chart))
    assert len(qovery.calls_to("deployAllServices")) == 1  # a Helm chart is never sent as a job


def test_redeploy_and_cancel(qovery: FakeQovery, acme: Acme) -> None:
    queued = call(qovery, acme.token, lambda api: api.redeploy_environment(acme.environment_id))
    assert queued.state == "DEPLOYMENT_QUEUED"
    canceling = call(qovery, acme.token, lambda api: api.cancel_deployment(acme.environment_id))
    assert canceling.state == "CANCELING"
    [cancel] = qovery.calls_to("cancelEnvironmentDeployment")
    assert cancel.body == {"force_cancel": False}


def test_one_pool_serves_many_tokens(qovery: FakeQovery, acme: Acme) -> None:
    other_org = qovery.add_organization("Globex")
    other_token = qovery.add_token(other_org)

    async def scenario() -> list[str]:
        async with new_http_client(qovery.url) as http:
            first, second = QoveryClient(http, acme.token), QoveryClient(http, other_token)
            found = await asyncio.gather(first.list_organizations(), second.list_organizations())
            return [orgs[0].name for orgs in found]

    assert asyncio.run(scenario()) == ["Acme", "Globex"]
    assert {c.token for c in qovery.calls_to("listOrganization")} == {acme.token, other_token}


# -- errors ------------------------------------------------------------------------------------------------


def error_of(qovery: FakeQovery, token: str, action: Callable[[QoveryApi], Awaitable[object]]) -> QoveryError:
    with pytest.raises(QoveryError) as caught:
        call(qovery, token, action, timeout=1.0)
    return caught.value


def test_refused_token(qovery: FakeQovery, acme: Acme) -> None:
    error = error_of(qovery, "qov_deleted_token", lambda api: api.list_organizations())
    assert isinstance(error, QoveryUnauthorized)
    assert error.status == 401
    assert error.detail == "Invalid token"
    assert "`/deploys connect`" in error.sentence("/deploys")


def test_role_that_may_not_manage_webhooks(qovery: FakeQovery, acme: Acme) -> None:
    error = error_of(qovery, acme.viewer_token, lambda api: api.create_webhook(acme.organization_id, SPEC))
    assert isinstance(error, QoveryForbidden)
    assert "Owner, Admin or DevOps" in error.sentence()
    assert "The VIEWER role may not manage webhooks" in error.sentence()


def test_forbidden_lookup_by_id_says_the_id_may_not_exist(qovery: FakeQovery, acme: Acme) -> None:
    error = error_of(
        qovery, acme.token, lambda api: api.get_environment("00000000-0000-0000-0000-000000000000")
    )
    assert isinstance(error, QoveryForbidden)
    assert "the id may not exist, or the token's role may not see it" in error.sentence()


def test_not_found(qovery: FakeQovery, acme: Acme) -> None:
    missing = "11111111-1111-1111-1111-111111111111"
    error = error_of(qovery, acme.token, lambda api: api.get_webhook(acme.organization_id, missing))
    assert isinstance(error, QoveryNotFound)
    assert error.detail == f"Webhook {missing} not found"


def test_conflict_while_another_operation_runs(qovery: FakeQovery, acme: Acme) -> None:
    error = error_of(qovery, acme.token, lambda api: api.cancel_deployment(acme.environment_id))
    assert isinstance(error, QoveryConflict)
    assert "another operation is running" in error.sentence()


def test_invalid_request_carries_qoverys_detail(qovery: FakeQovery, acme: Acme) -> None:
    bad = SPEC.model_copy(update={"target_url": "ftp://bot.example.com/hook"})
    error = error_of(qovery, acme.token, lambda api: api.create_webhook(acme.organization_id, bad))
    assert isinstance(error, QoveryInvalidRequest)
    assert error.sentence().endswith("Qovery said: target_url must start with http:// or https://")


@pytest.mark.parametrize("status", [400, 422])
def test_validation_statuses(qovery: FakeQovery, acme: Acme, status: int) -> None:
    qovery.fail(
        "createOrganizationWebhook", status=status, body={"status": status, "detail": "events is empty"}
    )
    error = error_of(qovery, acme.token, lambda api: api.create_webhook(acme.organization_id, SPEC))
    assert isinstance(error, QoveryInvalidRequest)
    assert (error.status, error.detail) == (status, "events is empty")


def test_detail_falls_back_to_the_raw_text_cut_short(qovery: FakeQovery, acme: Acme) -> None:
    qovery.fail("listOrganization", status=500, body="<html>" + "x" * 5000 + "</html>", times=3)
    error = error_of(qovery, acme.token, lambda api: api.list_organizations())
    assert isinstance(error, QoveryUnavailable)
    assert error.status == 500
    assert error.detail is not None
    assert error.detail.startswith('"<html>xxx')
    assert len(error.detail) <= 300


def test_timeout(qovery: FakeQovery, acme: Acme) -> None:
    qovery.delay("listOrganization", 2.0, times=1)
    error = error_of(qovery, acme.token, lambda api: api.list_organizations())
    assert isinstance(error, QoveryTimeout)
    assert isinstance(error, QoveryUnavailable)  # a timeout is one way of being unavailable
    assert "did not answer in time" in error.sentence()


def test_connection_refused() -> None:
    closed_port = free_port()  # nothing listens once the socket is closed

    async def scenario() -> None:
        async with new_http_client(f"http://127.0.0.1:{closed_port}") as http:
            await QoveryClient(http, "qov_token", backoff_seconds=0.01).list_organizations()

    with pytest.raises(QoveryUnavailable) as caught:
        asyncio.run(scenario())
    assert "could not be reached" in caught.value.sentence()


# -- retries -----------------------------------------------------------------------------------------------


def test_reads_are_retried_on_gateway_errors(qovery: FakeQovery, acme: Acme) -> None:
    qovery.fail("listOrganizationWebHooks", status=503, times=2)
    assert call(qovery, acme.token, lambda api: api.list_webhooks(acme.organization_id)) == []
    assert len(qovery.calls_to("listOrganizationWebHooks")) == 3


def test_reads_give_up_after_three_attempts(qovery: FakeQovery, acme: Acme) -> None:
    qovery.fail("getEnvironment", status=504, times=None)
    error = error_of(qovery, acme.token, lambda api: api.get_environment(acme.environment_id))
    assert (type(error), error.status) == (QoveryUnavailable, 504)
    assert len(qovery.calls_to("getEnvironment")) == 3


def test_reads_are_not_retried_on_a_plain_server_error(qovery: FakeQovery, acme: Acme) -> None:
    qovery.fail("listOrganization", status=500)
    error_of(qovery, acme.token, lambda api: api.list_organizations())
    assert len(qovery.calls_to("listOrganization")) == 1


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("createOrganizationWebhook", lambda a, api: api.create_webhook(a.organization_id, SPEC)),
        ("redeployEnvironment", lambda a, api: api.redeploy_environment(a.environment_id)),
        ("deleteOrganizationWebhook", lambda a, api: api.delete_webhook(a.organization_id, MISSING)),
        ("editOrganizationWebhook", lambda a, api: api.edit_webhook(a.organization_id, MISSING, SPEC)),
    ],
)
def test_writes_are_never_retried(
    qovery: FakeQovery,
    acme: Acme,
    operation: str,
    action: Callable[[Acme, QoveryApi], Awaitable[object]],
) -> None:
    qovery.fail(operation, status=503, times=None)
    error = error_of(qovery, acme.token, lambda api: action(acme, api))
    assert error.status == 503
    assert len(qovery.calls_to(operation)) == 1


# -- secrets -----------------------------------------------------------------------------------------------


def test_tokens_never_show_in_errors_reprs_or_logs(
    qovery: FakeQovery, acme: Acme, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    qovery.fail("listOrganization", status=500, body={"detail": "boom"})
    errors = [
        error_of(qovery, acme.token, lambda api: api.list_organizations()),
        error_of(qovery, acme.viewer_token, lambda api: api.list_webhooks(acme.organization_id)),
        error_of(qovery, "qov_never_valid_token", lambda api: api.list_organizations()),
    ]
    shown = caplog.text + "".join(f"{e} {e!r} {e.sentence()}" for e in errors)
    shown += repr(QoveryClient(httpx.AsyncClient(), acme.token)) + repr(SPEC)
    for secret in (acme.token, acme.viewer_token, "qov_never_valid_token", "hook-secret-value"):
        assert secret not in shown


# -- tolerance -------------------------------------------------------------------------------------------


def test_unknown_fields_and_new_enum_values_are_kept() -> None:
    webhook = Webhook.model_validate(
        {
            "id": "w1",
            "created_at": "2026-11-27T10:00:00Z",
            "kind": "TEAMS",
            "events": ["DEPLOYMENT_STARTED", "DEPLOYMENT_QUEUED"],
            "retries": 3,
        }
    )
    assert webhook.kind == "TEAMS"
    assert webhook.events == [WebhookEvent.DEPLOYMENT_STARTED, "DEPLOYMENT_QUEUED"]
    assert webhook.model_extra == {"retries": 3}


def test_request_body_has_no_field_outside_the_spec() -> None:
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        WebhookSpec.model_validate({"kind": "SLACK", "target_url": "https://x", "events": [], "retries": 3})
    with pytest.raises(ValueError, match="DEPLOY_NOW"):
        WebhookSpec.model_validate({"kind": "SLACK", "target_url": "https://x", "events": ["DEPLOY_NOW"]})


# -- the fake's own checks ---------------------------------------------------------------------------------


def test_fake_rejects_a_request_the_spec_refuses(qovery: FakeQovery, acme: Acme) -> None:
    body = {"kind": "SLACK", "target_url": "https://bot.example.com/h", "events": ["DEPLOY_NOW"]}
    response = httpx.post(
        f"{qovery.url}/organization/{acme.organization_id}/webhook",
        json=body,
        headers={"Authorization": f"Token {acme.token}"},
    )
    assert response.status_code == 400
    assert "'DEPLOY_NOW' is not one of" in response.json()["detail"]
    [violation] = qovery.spec_violations
    assert violation.startswith(f"POST /organization/{acme.organization_id}/webhook")
    assert qovery.webhooks == {}  # nothing was created
    qovery.spec_violations.clear()  # seen; the fixture would fail the test otherwise


def test_fake_refuses_a_missing_authorization_header_by_the_spec(qovery: FakeQovery) -> None:
    assert httpx.get(f"{qovery.url}/organization").status_code == 400
    assert qovery.spec_violations
    qovery.spec_violations.clear()


def test_fake_checks_its_own_answers(qovery: FakeQovery, acme: Acme) -> None:
    qovery.add_webhook(acme.organization_id, events=["DEPLOYMENT_EXPLODED"])
    response = httpx.get(
        f"{qovery.url}/organization/{acme.organization_id}/webhook",
        headers={"Authorization": f"Token {acme.token}"},
    )
    assert response.status_code == 500
    assert "DEPLOYMENT_EXPLODED" in qovery.spec_violations[0]
    qovery.spec_violations.clear()


@pytest.mark.parametrize(
    "environment_id", ["../organization/x", "x?force=true", "e" * 5000, "", f"{MISSING}/../..", f" {MISSING}"]
)
def test_an_id_that_is_not_a_uuid_reaches_no_qovery_url(
    qovery: FakeQovery, acme: Acme, environment_id: str
) -> None:
    with pytest.raises(QoveryNotFound):
        call(qovery, acme.token, lambda api: api.redeploy_environment(environment_id))
    with pytest.raises(QoveryNotFound):
        call(qovery, acme.token, lambda api: api.get_webhook(acme.organization_id, environment_id))
    assert qovery.calls == []
