"""Every list Qovery answers is read item by item: one item the bot cannot read (a bad time, a field of
the wrong type) is left out, and every other item of the list is read; times come back aware in UTC,
whatever zone or offset Qovery wrote them with. Against the fake Qovery, its spec check off where the
answer is one Qovery's description would not allow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest

from adapters.qovery import QoveryClient, new_http_client
from bot.qovery import QoveryApi
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment, log

T = TypeVar("T")
# The same instant, as Qovery may write it.
INSTANT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WRITTEN = ["2026-03-02T09:30:00Z", "2026-03-02T14:30:00+05:00", "2026-03-02T09:30:00"]
UNREADABLE = ["yesterday", "2026-13-45T99:00:00Z", "0001-01-01T00:00:00Z", 12.5, None, {"at": 1}]


@pytest.fixture
def acme(qovery: FakeQovery) -> Acme:
    acme = qovery.seed()
    qovery.check_spec = False  # the answers below are Qovery's at its worst, not its description's
    return acme


def call(qovery: FakeQovery, token: str, action: Callable[[QoveryApi], Awaitable[T]]) -> T:
    async def scenario() -> T:
        async with new_http_client(qovery.url, timeout=httpx.Timeout(5.0)) as http:
            return await action(QoveryClient(http, token, backoff_seconds=0.01))

    return asyncio.run(scenario())


def _copies(item: dict[str, Any], key: str, values: list[Any]) -> list[dict[str, Any]]:
    """`item` once per value, each with its own id and `key` set to the value."""
    return [{**item, "id": f"{item['id']}-{n}", key: value} for n, value in enumerate(values)]


@pytest.mark.parametrize("unreadable", UNREADABLE)
def test_one_webhook_with_an_unreadable_time_or_id_leaves_the_others_listed(
    qovery: FakeQovery, acme: Acme, unreadable: Any, caplog: pytest.LogCaptureFixture
) -> None:
    first = qovery.add_webhook(acme.organization_id, description="first")
    timeless = qovery.add_webhook(acme.organization_id, description="timeless")
    nameless = qovery.add_webhook(acme.organization_id, description="nameless")
    last = qovery.add_webhook(acme.organization_id, description="last")
    qovery.webhooks[timeless]["created_at"] = unreadable
    qovery.webhooks[nameless]["id"] = ["not", "an", "id"]
    caplog.set_level(logging.INFO)
    found = call(qovery, acme.token, lambda api: api.list_webhooks(acme.organization_id))
    # A webhook whose time cannot be read is still the bot's to recognise (never taken as gone);
    # one without an id the bot can read is no webhook it can tell.
    assert [(w.id, w.description) for w in found] == [
        (first, "first"),
        (timeless, "timeless"),
        (last, "last"),
    ]
    assert found[1].created_at is None
    # Said in the log, without the value (it may be anything).
    assert "left out 1 of 4 Webhook items" in caplog.text
    assert unreadable is None or str(unreadable) not in caplog.text


@pytest.mark.parametrize("unreadable", UNREADABLE)
def test_one_delivery_with_an_unreadable_time_leaves_the_others_in_the_log(
    qovery: FakeQovery, acme: Acme, unreadable: Any
) -> None:
    webhook_id = qovery.add_webhook(acme.organization_id)
    good = {"id": "d", "created_at": WRITTEN[1], "kind": "STANDARD", "matched_event": "DEPLOYMENT_STARTED",
            "target_url_used": "https://x.example.com", "target_response_status_code": 200}  # fmt: skip
    qovery.webhook_events[webhook_id] = [good, {**good, "id": "bad", "created_at": unreadable}, good]
    found = call(
        qovery, acme.token, lambda api: api.list_webhook_deliveries(acme.organization_id, webhook_id)
    )
    assert [d.created_at for d in found] == [INSTANT, INSTANT]


def test_times_with_an_offset_or_no_zone_are_the_same_instant_in_utc(qovery: FakeQovery, acme: Acme) -> None:
    webhook_id = qovery.add_webhook(acme.organization_id)
    template = {**qovery.webhooks.pop(webhook_id)}
    for copy in _copies(template, "created_at", WRITTEN):
        qovery.webhooks[copy["id"]] = copy
    found = call(qovery, acme.token, lambda api: api.list_webhooks(acme.organization_id))
    assert [(w.created_at, w.created_at and w.created_at.utcoffset()) for w in found] == [
        (INSTANT, UTC.utcoffset(None))
    ] * 3


def test_every_list_reads_past_an_item_it_cannot_read(qovery: FakeQovery, acme: Acme) -> None:
    org, env = acme.organization_id, acme.environment_id
    # Deliveries of a webhook: one with a bad time among good ones.
    webhook_id = qovery.add_webhook(acme.organization_id)
    good_delivery = {"id": "d", "created_at": WRITTEN[1], "kind": "STANDARD",
                     "matched_event": "DEPLOYMENT_STARTED", "target_url_used": "https://x.example.com",
                     "target_response_status_code": 200}  # fmt: skip
    qovery.webhook_events[webhook_id] = [good_delivery, {**good_delivery, "id": "bad", "created_at": "soon"}]
    # Projects, environments and services: one of the wrong shape each.
    qovery.projects["broken"] = {"id": "broken", "name": ["not", "a", "name"], "organization": {"id": org}}
    qovery.services[env].insert(0, {"id": 7, "name": None, "service_type": "APPLICATION"})
    # The deployment history: entries written with an offset, with no zone, and one with no time at all.
    first, second, broken = deployment(env), deployment(env), deployment(env)
    first["auditing_data"]["created_at"] = WRITTEN[1]
    second["auditing_data"]["created_at"] = WRITTEN[2]
    broken["auditing_data"]["created_at"] = "the day before"
    qovery.history[env] = [first, broken, second]
    # The environment's log and its links: one bad line, one bad link.
    qovery.environment_logs[env] = [log("exec-1", "built"), {**log("exec-1", "x"), "timestamp": 3.5}]
    qovery.links[env] = [{"service_id": "s", "url": "https://api.example.com"}, {"url": None}]
    # Alert rules: one whose time cannot be read does not hide the others.
    rule_id = qovery.add_alert_rule(org, "5xx", service_id=acme.service_ids[0])
    other = qovery.add_alert_rule(org, "Latency", service_id=acme.service_ids[0])
    qovery.alert_rules[rule_id]["starts_at"] = "2026-02-30T10:00:00+02:00"
    qovery.alert_rules[other] |= {"state": "TRIGGERED", "starts_at": WRITTEN[1]}

    async def reads(api: QoveryApi) -> dict[str, Any]:
        return {
            "deliveries": await api.list_webhook_deliveries(org, webhook_id),
            "projects": await api.list_projects(org),
            "environments": await api.list_environments(acme.project_id),
            "services": await api.list_services(env),
            "history": await api.list_deployment_history(env),
            "logs": await api.list_environment_logs(env, "exec-1"),
            "links": await api.list_environment_links(env),
            "rules": await api.list_alert_rules(org),
        }

    found = call(qovery, acme.token, reads)
    assert [d.created_at for d in found["deliveries"]] == [INSTANT]
    assert [p.name for p in found["projects"]] == ["billing"]
    assert [e.id for e in found["environments"]] == [env]
    assert [s.name for s in found["services"]] == ["api", "db"]
    assert [h.auditing_data.created_at for h in found["history"]] == [INSTANT, INSTANT]
    assert len(found["logs"]) == 1
    assert [link.url for link in found["links"]] == ["https://api.example.com"]
    assert ("Latency", INSTANT) in [(r.name, r.starts_at) for r in found["rules"]]


def test_one_service_of_a_deployment_that_cannot_be_read_leaves_the_rest_of_it(
    qovery: FakeQovery, acme: Acme
) -> None:
    entry = deployment(acme.environment_id)
    deploy_stage = entry["stages"][1]
    names = [service["identifier"]["name"] for service in deploy_stage["services"]]
    deploy_stage["services"][0] |= {"status": 500, "identifier": {"name": ["not", "a", "name"]}}
    entry["stages"].append({"name": 7, "status": None})
    qovery.history[acme.environment_id] = [entry]
    [found] = call(qovery, acme.token, lambda api: api.list_deployment_history(acme.environment_id))
    assert [stage.name for stage in found.stages] == ["build", "deploy"]
    assert [service.identifier.name for service in found.stages[1].services] == names[1:]


def test_an_environment_status_with_an_unreadable_time_is_read_without_it(
    qovery: FakeQovery, acme: Acme
) -> None:
    qovery.statuses[acme.environment_id]["last_deployment_date"] = "the other day"
    status = call(qovery, acme.token, lambda api: api.get_environment_status(acme.environment_id))
    assert (status.state, status.last_deployment_date) == ("DEPLOYED", None)
    qovery.statuses[acme.environment_id]["last_deployment_date"] = WRITTEN[1]
    status = call(qovery, acme.token, lambda api: api.get_environment_status(acme.environment_id))
    assert status.last_deployment_date == INSTANT


def test_a_webhook_whose_switch_cannot_be_read_is_not_taken_as_off(qovery: FakeQovery, acme: Acme) -> None:
    # A default would say what Qovery did not (`enabled: False`, no secret): such an item is left out.
    kept = qovery.add_webhook(acme.organization_id)
    odd = qovery.add_webhook(acme.organization_id)
    qovery.webhooks[odd] |= {"enabled": "perhaps", "target_secret_set": {"yes": 1}}
    found = call(qovery, acme.token, lambda api: api.list_webhooks(acme.organization_id))
    assert [w.id for w in found] == [kept]
