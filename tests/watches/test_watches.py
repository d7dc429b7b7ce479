"""The first minutes after a deployment (SPEC §15), end to end: a success's card says how many alert rules
watch what it deployed, then whether one fired; the reads of Qovery are the alerts' (one a minute per
workspace, one replica at a time), and the clock that ends a watch is the test's."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.core import build_core
from adapters.settings import Settings
from adapters.sql.engine import migrate
from bot.deliveries import Card, Deployment, DeploymentStatus
from bot.deliveries.events import Named
from bot.subscriptions import HookSettings, new_hook
from bot.watches.ports import Watch
from tests.alerts.test_alert_reads import Clock, replica
from tests.fakes.app_server import RunningApp, serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import CHANNEL, FakeSlack, SlackCall
from tests.helpers import card_recorded, subscribe


@pytest.fixture
def configured(settings: Settings, acme: Acme) -> Settings:
    return settings.model_copy(update={"qovery_api_token": SecretStr(acme.token)})


def card_edits(slack: FakeSlack, ts: str, count: int = 1, timeout: float = 10.0) -> list[SlackCall]:
    """The edits of the card `ts` that carry a watch's line."""
    return slack.wait_until(
        lambda c: (
            (c.method == "chat.update" and c.args.get("ts") == ts and "this deployment" in str(c.args))
            or (c.method == "chat.update" and c.args.get("ts") == ts and "alert rule" in str(c.args))
        ),
        count=count,
        timeout=timeout,
    )


def card_text(call: SlackCall) -> str:
    attachments = call.args.get("attachments")
    return json.dumps(json.loads(attachments) if isinstance(attachments, str) else attachments)


def buttons(call: SlackCall) -> dict[str, dict[str, Any]]:
    attachments = call.args["attachments"]
    found = json.loads(attachments) if isinstance(attachments, str) else attachments
    return {
        e["text"]["text"]: e
        for a in found
        for b in a["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    }


def deployed(app: RunningApp, qovery: FakeQovery, acme: Acme, options: str = "") -> str:
    """A channel subscribed, then a deployment of billing / production succeeds; its card's ts."""
    hook = subscribe(app, qovery, f"--kind standard {options}".strip())
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_SUCCESSFUL", environment_id=acme.environment_id)
    [card] = app.slack.wait_for("chat.postMessage")
    card_recorded(app, card.answer["ts"])
    return str(card.answer["ts"])


def test_a_success_card_says_how_many_rules_watch_it_then_that_none_fired(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    qovery.add_alert_rule(acme.organization_id, "Environment down", environment_id=acme.environment_id)
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        ts = deployed(app, qovery, acme)
        [watching] = card_edits(slack, ts)
        assert ":eyes: Watching 2 alert rules for 15 min" in card_text(watching)
        assert "Rollback" not in buttons(watching)
    # Sixteen minutes later, on the test's clock, another replica (a restart: nothing in memory) reads.
    clock = Clock()

    async def later() -> int:
        async with replica(configured, clock) as reader:
            return await reader.read_due(clock.move(minutes=16))

    assert asyncio.run(later()) == 1
    quiet = card_edits(slack, ts, count=2)[-1]
    assert ":white_check_mark: No alert in the 15 min after this deployment" in card_text(quiet)
    assert "Watching" not in card_text(quiet)


def test_an_alert_during_the_watch_is_on_the_card_with_rollback_and_mentions_in_its_thread(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    rule = qovery.add_alert_rule(
        acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0], severity="CRITICAL"
    )
    now = datetime.now(UTC)
    ids = {"api": acme.service_ids[0], "db": acme.service_ids[1]}
    qovery.history[acme.environment_id] = [
        deployment(acme.environment_id, created_at=now - timedelta(minutes=4), commit=("c" * 40, "New", "Al"),
                   execution_id=qovery.statuses[acme.environment_id]["last_deployment_id"], service_ids=ids),
        deployment(acme.environment_id, created_at=now - timedelta(days=1), commit=("b" * 40, "Old", "Bo"),
                   service_ids=ids),
    ]  # fmt: skip
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        ts = deployed(app, qovery, acme, "--mention <@U0ALICE01>")
        card_edits(slack, ts)  # watching
        qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": datetime.now(UTC).isoformat()}
        app.ask("alerts subscribe")  # a read soon (any ring does); the channel gets the alert too
        fired = slack.wait_until(
            lambda c: c.method == "chat.update" and c.args.get("ts") == ts and "fired" in str(c.args)
        )[0]
        assert ":warning: *High 5xx rate* (CRITICAL) fired " in card_text(fired)
        assert "after this deployment" in card_text(fired)
        assert "Rollback" in buttons(fired)
        [told] = slack.wait_until(
            lambda c: (
                c.method == "chat.postMessage" and c.args.get("thread_ts") == ts and "fired" in str(c.args)
            )
        )
        assert told.args["text"].startswith("<@U0ALICE01> :warning: *High 5xx rate*")
        rollback = buttons(fired)["Rollback"]
        confirmation = app.click(rollback["action_id"], rollback["value"], message_ts=ts)
        assert "Roll back *billing / production*?" in json.dumps(confirmation)
        assert "`ccccccc` → `bbbbbbb`" in json.dumps(confirmation, ensure_ascii=False)


def test_no_rule_watching_is_said_once_and_a_rule_on_a_service_not_deployed_is_not_counted(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    worker = qovery.add_service(acme.environment_id, "worker", "CONTAINER")  # no delivery names containers
    qovery.add_alert_rule(acme.organization_id, "Worker queue", service_id=worker)
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        ts = deployed(app, qovery, acme)
        [said] = card_edits(slack, ts)
        assert "No alert rule watches these services" in card_text(said)
        app.ask("alerts subscribe")  # more reads come: the card is not told again
        app.slack.wait_until(lambda c: c.path.startswith("/response/") and "alerts" in str(c.args))
    assert (
        len(
            [
                c
                for c in slack.calls_to("chat.update")
                if c.args.get("ts") == ts and "alert rule" in str(c.args)
            ]
        )
        == 1
    )


def test_watch_0_watches_nothing(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    with serve(configured, slack) as app:
        qovery.redirects[configured.public_url] = app.url
        ts = deployed(app, qovery, acme, "--watch 0")
        app.ask("alerts subscribe")
        app.slack.wait_until(lambda c: c.path.startswith("/response/") and "alerts" in str(c.args))
    assert not [c for c in slack.calls_to("chat.update") if c.args.get("ts") == ts and "alert" in str(c.args)]


def test_a_wrong_watch_is_refused_with_what_is_accepted(configured: Settings, slack: FakeSlack) -> None:
    with serve(configured, slack) as app:
        for wrong in ("-5", "forever", "99999"):
            answer = app.command(f"subscribe --watch {wrong}").json()
            assert f"`{wrong}` is not a number of minutes" in answer["text"]


def test_fifty_cards_watched_at_once_make_one_read_of_qovery_a_minute_on_one_replica(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    clock = Clock()

    async def scenario() -> list[int]:
        core = build_core(configured)
        await migrate(core.engine)
        try:
            hook = new_hook("T0TEAM001", CHANNEL, "deploys", HookSettings(), "U0ADMIN01")
            await core.hooks.add(hook)
            deployment = Deployment(
                status=DeploymentStatus.SUCCESSFUL, environment=Named(acme.environment_id, "production"),
                services=("api",),
            )  # fmt: skip
            for number in range(50):
                card = Card(hook.id, f"deployment:{number}", f"1.{number}", deployment, finished_at=clock.now)
                card_id = await core.cards.save(card, clock.now)
                await core.watches.add(Watch(card_id, hook.id, hook.team_id, acme.environment_id, ("api",),
                                             clock.now, clock.now + timedelta(minutes=15)))  # fmt: skip
            await core.jobs.ring("alerts:T0TEAM001", clock.now)
        finally:
            await core.close()
        reads = []
        async with replica(configured, clock) as one, replica(configured, clock) as two:
            for _ in range(5):  # five minutes, read by whichever replica takes each
                before = len(qovery.calls_to("getAlertRules"))
                now = clock.move(seconds=61)
                await asyncio.gather(one.read_due(now), two.read_due(now), one.read_due(now))
                reads.append(len(qovery.calls_to("getAlertRules")) - before)
        return reads

    assert asyncio.run(scenario()) == [1, 1, 1, 1, 1]
    watching = [c for c in slack.calls_to("chat.update") if "Watching 1 alert rule" in str(c.args)]
    assert len(watching) == 50  # each card told once, by one replica
