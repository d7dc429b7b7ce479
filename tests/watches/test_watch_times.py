"""A watch reads the times of Qovery's alert rules as the instants they are, whatever zone or offset
Qovery wrote them with, on SQLite and PostgreSQL: a rule that fired a minute after the deployment is on
the card, never "No alert in the 15 min"."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta, timezone

import pytest
from pydantic import SecretStr

from adapters.settings import Settings
from tests.alerts.test_alert_reads import Clock, replica
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import subscribe
from tests.watches.test_watches import card_edits, card_text

# How Qovery may write the same start: with `Z`, with an offset, with no zone at all (UTC).
WRITINGS = {
    "+05:00": lambda moment: moment.astimezone(timezone(timedelta(hours=5))).isoformat(),
    "-07:00": lambda moment: moment.astimezone(timezone(timedelta(hours=-7))).isoformat(),
    "no zone": lambda moment: moment.astimezone(UTC).replace(tzinfo=None).isoformat(),
}


@pytest.mark.parametrize("written", WRITINGS)
def test_a_rule_firing_a_minute_after_the_deployment_is_on_the_card_whatever_zone_qovery_wrote(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme, written: str
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    qovery.check_spec = written != "no zone"  # Qovery's description wants a zone; its answers may not
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    clock = Clock()
    # The deployment's success, its time written as the rule's is.
    body = qovery.standard_body("DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
    body["created_at"] = WRITINGS[written](clock.now)
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        hook = subscribe(app, qovery, "--kind standard")
        qovery.deliver(
            hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id, body=body
        )
        [card] = app.slack.wait_for("chat.postMessage")
        ts = str(card.answer["ts"])
        [watching] = card_edits(slack, ts)
        assert "Watching 1 alert rule for 15 min" in card_text(watching)
    qovery.alert_rules[rule] |= {
        "state": "TRIGGERED",
        "starts_at": WRITINGS[written](clock.now + timedelta(minutes=1)),
    }

    async def later() -> None:
        async with replica(configured, clock) as reader:
            await reader.read_due(clock.move(minutes=2))
            await reader.read_due(clock.move(minutes=16))

    asyncio.run(later())
    told = card_edits(slack, ts, count=2)[-1]
    assert "*High 5xx rate* (HIGH) fired 1 min after this deployment" in card_text(told)
    assert "No alert" not in card_text(told)
