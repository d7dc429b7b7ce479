"""A deployment Qovery says happened later than the bot received it (a clock far ahead, a crafted time
within the years the bot reads) is watched from when its card was posted, on SQLite and PostgreSQL: the watch
ends in its minutes, and sees the rule that fires a minute later."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from pydantic import SecretStr

from adapters.settings import Settings
from tests.alerts.test_alert_reads import Clock, replica
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import subscribe
from tests.watches.test_watches import card_edits, card_text


def test_a_deployment_dated_after_it_arrived_is_watched_from_when_it_arrived(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    clock = Clock()
    body = qovery.standard_body("DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
    ahead = clock.now + timedelta(days=30)
    body["created_at"] = ahead.isoformat()
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        hook = subscribe(app, qovery, "--kind standard")
        env = acme.environment_id
        qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=env, body=body)
        [card] = app.slack.wait_for("chat.postMessage")
        ts = str(card.answer["ts"])
        card_edits(slack, ts)  # watching
    qovery.alert_rules[rule] |= {
        "state": "TRIGGERED",
        "starts_at": (clock.now + timedelta(minutes=1)).isoformat(),
    }

    async def later() -> None:
        async with replica(configured, clock) as reader:
            await reader.read_due(clock.move(minutes=2))
            await reader.read_due(clock.move(minutes=16))

    asyncio.run(later())
    told = card_text(card_edits(slack, ts, count=2)[-1])
    assert re.search(r"\*High 5xx rate\* \(HIGH\) fired (59 s|1 min) after this deployment", told)
