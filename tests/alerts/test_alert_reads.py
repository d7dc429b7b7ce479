"""The alerts' reads of Qovery on a clock (SPEC §14): every minute without any doorbell, by one replica
at a time, surviving a restart; and two `qovery-slack serve` processes on one PostgreSQL database that
never post one firing twice. The clock is the test's: it is moved, never slept through."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from adapters.alerts_schedule import AlertReader
from adapters.core import build_core, build_reads
from adapters.settings import Settings
from adapters.sql.engine import migrate
from tests.alerts.test_alerts import alert_posts, buttons, hook_url, message_of
from tests.conftest import SIGNING_SECRET
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.signing import SlackSigner, slash_command_body
from tests.fakes.slack_api import ADMIN, CHANNEL, FakeSlack
from tests.slack.test_workspaces import event


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@asynccontextmanager
async def replica(settings: Settings, clock: Clock) -> AsyncIterator[AlertReader]:
    """One replica's reader, on the test's clock, with the real stores and clients."""
    core = build_core(settings)
    await migrate(core.engine)
    reads = build_reads(core, clock)
    try:
        yield AlertReader(core.jobs, reads.alerts, clock)
    finally:
        await reads.enrichment.close()
        await core.close()


@pytest.fixture
def configured(settings: Settings, acme: Acme) -> Settings:
    return settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})


@pytest.fixture
def rule(qovery: FakeQovery, acme: Acme) -> str:
    return qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])


def subscribed(configured: Settings, slack: FakeSlack, qovery: FakeQovery) -> None:
    """The channel subscribed through the app, which then stops: only the test's readers read."""
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        app.ask("alerts subscribe")
    qovery.redirects.clear()  # no app answers the doorbells now


def alert_count(slack: FakeSlack) -> int:
    return len([c for c in slack.calls_to("chat.postMessage") if "alert_actions" in str(c.args)])


def test_a_firing_is_seen_within_a_minute_without_any_doorbell(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, rule: str
) -> None:
    subscribed(configured, slack, qovery)
    clock = Clock()

    async def scenario() -> list[int]:
        async with replica(configured, clock) as reader:
            first = await reader.read_due(clock.move(seconds=1))  # due since the subscription
            qovery.alert_rules[rule] |= {"state": "NOTIFIED", "starts_at": clock.now.isoformat()}
            early = await reader.read_due(clock.move(seconds=30))  # not due yet, nothing rang
            on_time = await reader.read_due(clock.move(seconds=31))
            return [first, early, on_time]

    assert asyncio.run(scenario()) == [1, 0, 1]
    assert alert_count(slack) == 1


def test_one_replica_reads_at_a_time_and_a_restart_loses_no_open_firing(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, rule: str
) -> None:
    subscribed(configured, slack, qovery)
    clock = Clock()
    qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": clock.now.isoformat()}

    async def together() -> list[int]:
        async with replica(configured, clock) as one, replica(configured, clock) as two:
            now = clock.move(seconds=1)
            return list(await asyncio.gather(one.read_due(now), two.read_due(now)))

    assert sorted(asyncio.run(together())) == [0, 1]  # one took the read, the other found it held
    assert alert_count(slack) == 1
    [posted] = [c for c in slack.calls_to("chat.postMessage") if "alert_actions" in str(c.args)]

    qovery.resolve(rule)

    async def after_a_restart() -> int:
        async with replica(configured, clock) as again:  # a new process: nothing in memory
            return await again.read_due(clock.move(seconds=61))

    assert asyncio.run(after_a_restart()) == 1
    [edit] = slack.calls_to("chat.update")
    assert edit.args["ts"] == posted.answer["ts"]  # the same message, edited to resolved
    assert "Resolved" in edit.args["text"]
    assert alert_count(slack) == 1


def test_a_restart_of_the_app_keeps_acknowledgements_and_the_message(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, rule: str
) -> None:
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        app.ask("alerts subscribe")
        qovery.fire(rule)
        [post] = alert_posts(app)
        ack = buttons(message_of(post))["Acknowledge"]
        app.press(ack["action_id"], ack["value"], message_ts=post.answer["ts"])
        slack.wait_for("chat.update")
    with serve(configured, slack) as restarted:
        qovery.redirects[configured.public_url] = restarted.url
        qovery.resolve(rule)
        edits = slack.wait_for("chat.update", count=2)
        assert edits[-1].args["ts"] == post.answer["ts"]
        assert f"Acknowledged by <@{ADMIN}>" in str(edits[-1].args)
        assert "Resolved" in edits[-1].args["text"]


def test_fifty_doorbells_at_once_make_one_read_of_qovery(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, rule: str
) -> None:
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        app.ask("alerts subscribe")
        alert_posts_before = alert_count(slack)
        reads_before = len(qovery.calls_to("getAlertRules"))
        qovery.delay("getAlertRules", 0.1)  # Qovery answers in 100 ms
        qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": datetime.now(UTC).isoformat()}
        url = hook_url(app, qovery)
        threads = [threading.Thread(target=httpx.post, args=(url,), kwargs={"json": {}}) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        alert_posts(app)
        assert len(qovery.calls_to("getAlertRules")) - reads_before == 1
        assert alert_count(slack) == alert_posts_before + 1


def test_removing_the_app_takes_its_receivers_off_the_rules(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme, rule: str
) -> None:
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        elsewhere = qovery.add_alert_receiver(acme.organization_id, "PagerDuty", "https://events.example.com")
        qovery.alert_rules[rule]["alert_receiver_ids"] = [elsewhere]
        app.ask("alerts subscribe")
        assert len(qovery.alert_rules[rule]["alert_receiver_ids"]) == 2
        url = hook_url(app, qovery)
        assert event(app, "T0TEAM001", {"type": "app_uninstalled"}).status_code == 200
        qovery.wait_for("deleteAlertReceiver")
        assert qovery.alert_rules[rule]["alert_receiver_ids"] == [elsewhere]
        assert httpx.post(url, json={}, timeout=5).status_code == 404


# -- two processes on PostgreSQL ---------------------------------------------------------------------------


def test_two_replicas_ringing_together_post_each_firing_once(
    replicas: list[str], slack: FakeSlack, qovery: FakeQovery, rule: str
) -> None:
    signer = SlackSigner(SIGNING_SECRET)
    body = slash_command_body("alerts subscribe", command="/qovery", response_url=slack.response_url("sub"),
                              user_id=ADMIN, channel_id=CHANNEL)  # fmt: skip
    assert httpx.post(f"{replicas[0]}/slack/events", content=body, headers=signer.headers(body)).is_success
    slack.wait_until(lambda c: c.path == "/response/sub")
    [receiver] = [r for r in qovery.alert_receivers.values() if r["name"].startswith("Slack")]
    path = receiver["webhook_url"].split("/qovery/hooks/", 1)[1]
    for rounds in range(3):  # three firings of the rule, each rung on both replicas at once
        qovery.alert_rules[rule] |= {
            "state": "TRIGGERED",
            # each a later start, never ahead of now (a start ahead of now is no start the bot believes)
            "starts_at": (datetime.now(UTC) - timedelta(minutes=3 - rounds)).isoformat(),
        }
        rings = [
            threading.Thread(target=httpx.post, args=(f"{url}/qovery/hooks/{path}",), kwargs={"json": {}})
            for url in replicas
            for _ in range(5)
        ]
        for ring in rings:
            ring.start()
        for ring in rings:
            ring.join()
        slack.wait_until(
            lambda c: c.method == "chat.postMessage" and "alert_actions" in str(c.args),
            count=rounds + 1,
            timeout=20,
        )
    time.sleep(6)  # past another round of reads on both replicas
    assert alert_count(slack) == 3
