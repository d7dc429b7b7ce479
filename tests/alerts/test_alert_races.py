"""Alerts subscribe, unsubscribe and the app removed, when two things happen at once: two subscribes in
one channel, an edit made at Qovery between the bot's read of the rules and its write, a rule deleted
meanwhile, an uninstall going through two channels' receivers. On both databases, through the real app
and the fake Qovery (every request checked against its OpenAPI description)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from adapters.settings import Settings
from adapters.sql.engine import create_engine
from adapters.sql.tables import alert_subscriptions
from tests.conftest import QUICK_RETRIES
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import CHANNEL, FakeSlack
from tests.slack.test_workspaces import event

OTHER_CHANNEL = "C0OTHER01"


@pytest.fixture
def acme_app_on(
    database_url: str, settings: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> Iterator[RunningApp]:
    """The bot with Acme's token, on each database."""
    configured = settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )
    with serve(configured, slack, qovery_timeout=httpx.Timeout(2.0), pace=QUICK_RETRIES) as running:
        qovery.redirects[configured.public_url] = running.url
        yield running


@pytest.fixture
def pagerduty(qovery: FakeQovery, acme: Acme) -> str:
    return qovery.add_alert_receiver(acme.organization_id, "PagerDuty", "https://events.example.com/x")


@pytest.fixture
def api_rule(qovery: FakeQovery, acme: Acme, pagerduty: str) -> str:
    """A rule on billing / production / api, already sent to another tool's receiver."""
    return qovery.add_alert_rule(
        acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0], receivers=(pagerduty,)
    )


def bot_receivers(qovery: FakeQovery) -> list[str]:
    return [r["id"] for r in qovery.alert_receivers.values() if r["name"].startswith("Slack")]


def subscriptions_of(app: RunningApp, channel_id: str) -> int:
    async def count() -> int:
        engine = create_engine(app.settings.database_url)
        try:
            async with engine.connect() as connection:
                query = select(func.count()).where(alert_subscriptions.c.channel_id == channel_id)
                return int((await connection.execute(query)).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(count())


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_two_subscribes_at_once_make_one_subscription_and_the_other_is_told(
    acme_app_on: RunningApp, qovery: FakeQovery, api_rule: str, pagerduty: str
) -> None:
    qovery.delay("getAlertRules", 0.5, times=2)  # both past "is the channel free?" before either writes
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: acme_app_on.ask("alerts subscribe")["text"], range(2)))
    assert sum("now receives Qovery's alerts" in a for a in answers) == 1, answers
    assert sum("already receives alerts" in a for a in answers) == 1, answers
    [receiver] = bot_receivers(qovery)  # the loser made nothing at Qovery
    assert qovery.alert_rules[api_rule]["alert_receiver_ids"] == [pagerduty, receiver]
    assert subscriptions_of(acme_app_on, CHANNEL) == 1

    assert "no longer receives alerts" in acme_app_on.ask("alerts unsubscribe")["text"]
    assert acme_app_on.ask("alerts unsubscribe")["text"] == "This channel receives no alerts."
    assert qovery.alert_rules[api_rule]["alert_receiver_ids"] == [pagerduty]
    assert bot_receivers(qovery) == []


def _edited_at_qovery(qovery: FakeQovery, rule_id: str, opsgenie: str) -> Callable[[], None]:
    def edit() -> None:
        rule = qovery.alert_rules[rule_id]
        rule["condition"] = {**rule["condition"], "threshold": 0.2}
        rule["alert_receiver_ids"] = [*rule["alert_receiver_ids"], opsgenie]

    return edit


def test_an_edit_made_at_qovery_while_subscribing_or_unsubscribing_is_kept(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str, pagerduty: str
) -> None:
    opsgenie = qovery.add_alert_receiver(acme.organization_id, "Opsgenie", "https://ops.example.com/x")
    qovery.meanwhile.append(_edited_at_qovery(qovery, api_rule, opsgenie))
    assert "now receives Qovery's alerts" in acme_app.ask("alerts subscribe")["text"]
    [receiver] = bot_receivers(qovery)
    rule = qovery.alert_rules[api_rule]
    assert rule["condition"]["threshold"] == 0.2  # the edit made meanwhile, kept
    assert rule["alert_receiver_ids"] == [pagerduty, opsgenie, receiver]

    qovery.wait_for("getAlertRules", 2)  # the first read of the alerts after a subscribe, done
    qovery.meanwhile.append(lambda: qovery.alert_rules[api_rule]["condition"].update(threshold=0.3))
    assert "no longer receives alerts" in acme_app.ask("alerts unsubscribe")["text"]
    rule = qovery.alert_rules[api_rule]
    assert rule["condition"]["threshold"] == 0.3
    assert rule["alert_receiver_ids"] == [pagerduty, opsgenie]
    assert bot_receivers(qovery) == []


def test_a_rule_deleted_at_qovery_while_subscribing_is_skipped_and_named(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme, api_rule: str, pagerduty: str
) -> None:
    slow = qovery.add_alert_rule(
        acme.organization_id, "Slow pages", service_id=acme.service_ids[0], receivers=(pagerduty,)
    )
    qovery.meanwhile.append(lambda: qovery.alert_rules.__delitem__(api_rule))
    answer: dict[str, Any] = acme_app.ask("alerts subscribe")
    shown = str(answer["blocks"])
    assert "now receives Qovery's alerts" in answer["text"]
    assert "Deleted at Qovery meanwhile, so skipped: *High 5xx rate*" in shown
    [receiver] = bot_receivers(qovery)
    assert qovery.alert_rules[slow]["alert_receiver_ids"] == [pagerduty, receiver]


def test_removing_the_app_takes_every_channels_receiver_off_every_rule(
    acme_app_on: RunningApp, qovery: FakeQovery, api_rule: str, pagerduty: str
) -> None:
    acme_app_on.ask("alerts subscribe")
    acme_app_on.ask("alerts subscribe", channel_id=OTHER_CHANNEL)
    assert len(bot_receivers(qovery)) == 2
    assert len(qovery.alert_rules[api_rule]["alert_receiver_ids"]) == 3

    assert event(acme_app_on, "T0TEAM001", {"type": "app_uninstalled"}).status_code == 200
    assert eventually(lambda: bot_receivers(qovery) == []), qovery.alert_rules[api_rule]
    assert qovery.alert_rules[api_rule]["alert_receiver_ids"] == [pagerduty]
    assert eventually(lambda: subscriptions_of(acme_app_on, CHANNEL) == 0)
    assert subscriptions_of(acme_app_on, OTHER_CHANNEL) == 0


def test_an_unsubscribe_while_subscribing_wins_and_leaves_nothing_at_qovery(
    acme_app_on: RunningApp, qovery: FakeQovery, api_rule: str, pagerduty: str
) -> None:
    qovery.delay("createAlertReceiver", 1.0, times=1)  # within the bot's 2 s
    with ThreadPoolExecutor(1) as pool:
        subscribing = pool.submit(acme_app_on.ask, "alerts subscribe")
        qovery.wait_for("createAlertReceiver")  # the channel is taken; its receiver is being made
        assert "no longer receives alerts" in acme_app_on.ask("alerts unsubscribe")["text"]
        answer = subscribing.result()["text"]
    assert "unsubscribed from alerts while it was being subscribed" in answer
    assert eventually(lambda: bot_receivers(qovery) == [])
    assert qovery.alert_rules[api_rule]["alert_receiver_ids"] == [pagerduty]
    assert subscriptions_of(acme_app_on, CHANNEL) == 0
    assert acme_app_on.ask("alerts unsubscribe")["text"] == "This channel receives no alerts."
