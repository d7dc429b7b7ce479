"""A watch and a rule Qovery lists firing without saying when it began, on SQLite and PostgreSQL: it may
have been firing since before the deployment, so the card never says it fired after it (nor offers a
rollback); once the watch is over, the card says the rule is firing since a time Qovery does not give."""

from __future__ import annotations

import asyncio
import re

from pydantic import SecretStr

from adapters.settings import Settings
from tests.alerts.test_alert_reads import Clock, replica
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.helpers import subscribe
from tests.watches.test_watches import buttons, card_edits, card_text


def test_a_rule_firing_since_a_time_qovery_does_not_give_is_never_blamed_on_the_deployment(
    settings: Settings, database_url: str, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    clock = Clock()
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        hook = subscribe(app, qovery, "--kind standard")
        qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
        [card] = app.slack.wait_for("chat.postMessage")
        ts = str(card.answer["ts"])
        card_edits(slack, ts)  # watching
    qovery.alert_rules[rule]["state"] = "TRIGGERED"
    qovery.alert_rules[rule].pop("starts_at", None)  # firing, since when Qovery does not say

    async def later() -> None:
        async with replica(configured, clock) as reader:
            await reader.read_due(clock.move(minutes=2))
            await reader.read_due(clock.move(minutes=16))

    asyncio.run(later())
    edits = card_edits(slack, ts, count=2)
    told = card_text(edits[-1])
    assert not [e for e in edits if re.search(r"fired \d", card_text(e))]  # "fired 2 min after"
    assert "No alert in the 15 min" not in told
    assert "*High 5xx rate* is firing since a time Qovery does not give" in told
    assert "Rollback" not in buttons(edits[-1])
