"""The first minutes' watches against what Qovery may answer, on both databases: a 404 on the rules is no
verdict (the watch reads again and still says what fired), only Qovery saying so read after read is; and
a rule the bot cannot read or keep holds up no watch and no other alert. The clock is the test's."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from adapters.settings import Settings
from bot.alerts import NOT_FOUND_VERDICT
from tests.alerts.test_alert_poison import answer_with, posts
from tests.alerts.test_alert_reads import Clock, replica
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack
from tests.watches.test_watches import card_text, deployed

NO_RULE = "No alert rule watches these services"


@pytest.fixture
def configured(settings: Settings, acme: Acme, database_url: str) -> Settings:
    return settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )


def watched(configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme, *, alerts: bool) -> str:
    """A success's card watched (its first read done by the app, which then stops); its ts."""
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        ts = deployed(app, qovery, acme)
        slack.wait_until(lambda c: c.method == "chat.update" and c.args.get("ts") == ts)
        if alerts:
            app.ask("alerts subscribe")
    qovery.redirects.clear()
    return ts


def card_lines(slack: FakeSlack, ts: str) -> list[str]:
    return [card_text(c) for c in slack.calls_to("chat.update") if c.args.get("ts") == ts]


def reads(configured: Settings, clock: Clock, *before_each: Callable[[], None]) -> None:
    async def run() -> None:
        async with replica(configured, clock) as reader:
            for change in before_each:
                change()
                assert await reader.read_due(clock.move(seconds=61)) == 1

    asyncio.run(run())


def test_a_404_on_the_rules_is_no_verdict_and_the_watch_still_says_what_fired(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    ts = watched(configured, slack, qovery, acme, alerts=False)
    assert "Watching 1 alert rule for 15 min" in card_lines(slack, ts)[-1]
    gone = {"status": 404, "error": "Not Found", "detail": "Alerting is not enabled on any cluster"}

    def not_found() -> None:
        qovery.fail("getAlertRules", status=404, body=gone)

    def fired() -> None:
        qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": datetime.now(UTC).isoformat()}

    reads(configured, Clock(), *[not_found] * (NOT_FOUND_VERDICT - 1), fired)
    lines = card_lines(slack, ts)
    assert not any(NO_RULE in line for line in lines)
    assert ":warning: *High 5xx rate* (HIGH) fired " in lines[-1]


def test_alerting_not_enabled_read_after_read_is_said_on_the_card_once(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    ts = watched(configured, slack, qovery, acme, alerts=False)
    qovery.alerting_disabled.add(acme.organization_id)
    said: list[int] = []

    def count() -> None:
        said.append(sum(NO_RULE in line for line in card_lines(slack, ts)))

    reads(configured, Clock(), *[count] * NOT_FOUND_VERDICT)  # the watch then ends: no more reads
    count()
    assert said == [0] * NOT_FOUND_VERDICT + [1]  # after the third 404 in a row, and once


def test_a_rule_the_bot_cannot_keep_holds_up_no_watch_and_no_other_alert(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    ts = watched(configured, slack, qovery, acme, alerts=True)

    def fired_beside_a_broken_one() -> None:
        qovery.alert_rules[rule] |= {"state": "NOTIFIED", "starts_at": datetime.now(UTC).isoformat()}
        broken = copy.deepcopy(qovery.alert_rules[rule]) | {"id": "b" * 500, "name": "Broken rule"}
        answer_with(qovery, acme.organization_id, broken)  # first: every rule after it is read too

    reads(configured, Clock(), fired_beside_a_broken_one)
    assert ":warning: *High 5xx rate* (HIGH) fired " in card_lines(slack, ts)[-1]
    [post] = posts(slack)
    assert "High 5xx rate" in post.args["text"]
    assert "Broken rule" not in json.dumps([c.args for c in slack.calls])


def test_404s_are_counted_in_a_row_across_replicas_an_answer_between_them_is_no_verdict(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    ts = watched(configured, slack, qovery, acme, alerts=False)
    gone = {"status": 404, "error": "Not Found", "detail": "Alerting is not enabled on any cluster"}
    clock = Clock()

    async def run() -> None:
        async with replica(configured, clock) as one, replica(configured, clock) as other:
            # 404, 404; the other replica then reads the rules; 404 again: one 404 in a row, no verdict.
            for reader, status in ((one, 404), (one, 404), (other, 200), (one, 404)):
                if status == 404:
                    qovery.fail("getAlertRules", status=404, body=gone)
                assert await reader.read_due(clock.move(seconds=61)) == 1

    asyncio.run(run())
    assert not any(NO_RULE in line for line in card_lines(slack, ts))
