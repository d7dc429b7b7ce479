"""A firing whose start Qovery wrote with an offset or no zone is the same firing at every read, on
SQLite and PostgreSQL: posted once, still firing, never shown resolved and posted again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from pydantic import SecretStr

from adapters.settings import Settings
from tests.alerts.test_alert_reads import Clock, alert_count, replica, subscribed
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.watches.test_watch_times import WRITINGS


@pytest.mark.parametrize("written", WRITINGS)
def test_a_firing_with_an_offset_start_stays_firing_across_reads(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme, written: str
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    qovery.check_spec = written != "no zone"  # Qovery's description wants a zone; its answers may not
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    subscribed(configured, slack, qovery)
    clock = Clock()
    qovery.alert_rules[rule] |= {
        "state": "TRIGGERED",
        "starts_at": WRITINGS[written](clock.now - timedelta(minutes=3)),
    }

    async def reads() -> list[int]:
        async with replica(configured, clock) as reader:
            return [await reader.read_due(clock.move(seconds=61)) for _ in range(3)]

    assert asyncio.run(reads()) == [1, 1, 1]
    assert alert_count(slack) == 1  # posted once
    assert not [c for c in slack.calls_to("chat.update") if "Resolved" in str(c.args)]


def test_a_start_qovery_gives_ahead_of_now_is_no_start_and_its_correction_keeps_one_message(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    subscribed(configured, slack, qovery)
    clock = Clock()
    ahead = clock.now + timedelta(days=30)  # a clock at Qovery a month ahead, or a crafted start
    qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": ahead.isoformat()}

    async def reads() -> list[int]:
        async with replica(configured, clock) as reader:
            first = await reader.read_due(clock.move(seconds=61))
            qovery.alert_rules[rule]["starts_at"] = (clock.now - timedelta(minutes=2)).isoformat()
            return [first, await reader.read_due(clock.move(seconds=61))]

    assert asyncio.run(reads()) == [1, 1]
    assert alert_count(slack) == 1  # one message, never shown resolved and posted again
    assert not [c for c in slack.calls_to("chat.update") if "Resolved" in str(c.args)]
    assert ahead.strftime("%Y-%m-%d") not in str([c.args for c in slack.calls])
