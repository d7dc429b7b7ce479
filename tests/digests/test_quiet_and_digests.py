"""Quiet hours and digests (SPEC §17), end to end: the courier holds what quiet hours hold, `/qovery
deliveries` says so, and the summary and the digest are queued once by one of two replicas on a clock the
test moves, then posted by the running bot; bad values are refused with what is accepted."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.core import build_core
from adapters.digests_schedule import sum_up_if_due
from adapters.settings import Settings
from adapters.sql.engine import migrate
from adapters.sql.held import SqlHeldDeliveries, SqlHooksWithDigest
from bot.deliveries.enrichment import Enrichment
from bot.digests import Digests, QuietSummaries
from tests.deliveries.test_deliveries import drained
from tests.fakes.app_server import RunningApp
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_history import deployment
from tests.fakes.slack_api import SlackCall
from tests.helpers import subscribe

EXECUTION = "11111111-2222-4333-8444-555555555555-1"
OTHER = "11111111-2222-4333-8444-555555555555-2"


def quiet_now() -> str:
    """Quiet hours around the real time now, in UTC: what the running bot's courier sees."""
    now = datetime.now(UTC)
    return f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M} UTC"


def shown(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False)


def posted(app: RunningApp) -> list[SlackCall]:
    return app.slack.calls_to("chat.postMessage")


def messages_saying(app: RunningApp, words: str, count: int = 1) -> list[SlackCall]:
    return app.slack.wait_until(lambda c: c.method == "chat.postMessage" and words in shown(c.args), count)


def deliveries_shown(app: RunningApp) -> str:
    return shown(app.ask("deliveries"))


async def run_replicas(settings: Settings, now: datetime, replicas: int = 2) -> int:
    """What the schedule queues at `now`, with `replicas` replicas asking at once; each has its core."""
    cores = [build_core(settings) for _ in range(replicas)]
    await migrate(cores[0].engine)
    try:
        runs = []
        for number, core in enumerate(cores):
            enrichment = Enrichment(core.access, core.poster, cards=core.cards)
            summaries = QuietSummaries(SqlHeldDeliveries(core.engine), core.hooks, enrichment.details_for)
            digests = Digests(SqlHooksWithDigest(core.engine, core.hooks), core.cards, core.queue, core.jobs)
            runs.append(sum_up_if_due(core.jobs, summaries, digests, f"replica-{number}", now))
        return sum(await asyncio.gather(*runs))
    finally:
        for core in cores:
            await core.close()


def queued_at(app: RunningApp, moment: datetime, replicas: int = 2) -> int:
    return asyncio.run(run_replicas(app.settings, moment, replicas))


def test_quiet_hours_hold_starts_and_successes_then_one_summary_sums_them_up_once(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    env = acme.environment_id
    qovery.history[env] = [deployment(env, execution_id=EXECUTION)]
    hook = subscribe(acme_app, qovery, f'--kind standard --watch 0 --quiet "{quiet_now()}"').webhook_id
    qovery.deliver(hook, "DEPLOYMENT_STARTED", environment_id=env, deployment_id=EXECUTION)
    qovery.deliver(hook, "DEPLOYMENT_SUCCESSFUL", environment_id=env, deployment_id=EXECUTION)
    qovery.deliver(hook, "DEPLOYMENT_FAILURE", environment_id=env, deployment_id=OTHER)
    [failure] = messages_saying(acme_app, "Deployment failed")  # a failure is posted at once
    drained(acme_app)
    assert [c for c in posted(acme_app) if "Deployment s" in shown(c.args)] == []  # started, successful
    log = deliveries_shown(acme_app)
    assert log.count(":crescent_moon: held") == 2
    assert "quiet hours, summed up at" in log

    assert queued_at(acme_app, datetime.now(UTC) + timedelta(minutes=30)) == 0  # still quiet
    assert queued_at(acme_app, datetime.now(UTC) + timedelta(hours=2)) == 1  # two replicas, one summary
    [summary] = messages_saying(acme_app, "While it was quiet")
    said = shown(summary.args)
    assert "1 deployment" in said
    assert "billing / production" in said
    assert ":white_check_mark: successful" in said  # its last event, not its start
    assert "Deployment by alice@acme.com from the console" in said  # who, from Qovery's history
    assert "api (application) `3f2a9c1`" in said
    assert "worker (container) `ghcr.io/acme/worker:1.4.2`" in said
    assert f"environment/{env}/deployments|in Qovery>" in said
    assert "<!date^" in said  # when, in each reader's own time zone
    drained(acme_app)
    log = deliveries_shown(acme_app)
    assert log.count(":scroll: summed up") == 2
    assert "quiet hours summary" in log
    assert queued_at(acme_app, datetime.now(UTC) + timedelta(hours=3)) == 0  # summed up once
    assert failure.args["channel"] == summary.args["channel"]


def test_quiet_failures_hold_holds_failures_too_and_nothing_held_posts_nothing(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    quiet = quiet_now()
    hook = subscribe(acme_app, qovery, f'--kind standard --watch 0 --quiet "{quiet}" --quiet-failures hold')
    assert queued_at(acme_app, datetime.now(UTC) + timedelta(hours=1.5), replicas=1) == 0  # nothing held
    qovery.deliver(hook.webhook_id, "DEPLOYMENT_FAILURE", environment_id=acme.environment_id)
    qovery.deliver(
        hook.webhook_id, "DEPLOYMENT_CANCELLED", environment_id=acme.environment_id, deployment_id=OTHER
    )
    drained(acme_app)
    assert posted(acme_app) == []
    assert deliveries_shown(acme_app).count(":crescent_moon: held") == 2
    assert queued_at(acme_app, datetime.now(UTC) + timedelta(hours=2)) == 1
    [summary] = messages_saying(acme_app, "While it was quiet")
    said = shown(summary.args)
    assert "2 deployments" in said
    assert ":x: failed" in said
    assert "cancelled" in said
    assert f"({quiet})" in said


def test_a_card_already_in_the_channel_is_still_edited_in_quiet_hours(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    hook = subscribe(acme_app, qovery, "--kind standard --watch 0").webhook_id
    env = acme.environment_id
    qovery.deliver(hook, "DEPLOYMENT_STARTED", environment_id=env, deployment_id=EXECUTION)
    [card] = messages_saying(acme_app, "Deployment started")
    drained(acme_app)
    acme_app.ask(f'webhook edit {hook} --quiet "{quiet_now()}"')
    qovery.deliver(hook, "DEPLOYMENT_SUCCESSFUL", environment_id=env, deployment_id=EXECUTION)
    [edit] = acme_app.slack.wait_until(
        lambda c: c.method == "chat.update" and "Deployment successful" in shown(c.args)
    )
    assert edit.args["ts"] == card.answer["ts"]  # the card says how it ended; nobody is notified
    assert ":crescent_moon: held" not in deliveries_shown(acme_app)


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ("--quiet 25:00-08:00", ["`25:00-08:00` is not quiet hours", "22:00-08:00 Europe/Paris"]),
        ('--quiet "22:00-08:00 Mars/Olympus"', ["`Mars/Olympus` is not a time zone", "Europe/Paris"]),
        ("--quiet 22:00-22:00", ["starts and ends at the same time"]),
        ("--digest hourly", ["`hourly` is not a digest schedule", "daily@09:00", "weekly@mon-09:00"]),
        ("--digest weekly@funday-09:00", ["is not a digest schedule", "mon, tue"]),
        ("--digest daily@24:00", ["`daily@24:00` is not a digest schedule"]),
        ('--quiet "<!channel>"', ["&lt;!channel&gt;", "is not quiet hours"]),
        ("--quiet-failures sometimes", ["`sometimes` is not a value of `--quiet-failures`", "hold"]),
    ],
)
def test_a_bad_value_is_answered_with_what_is_accepted_and_nothing_changes(
    acme_app: RunningApp, qovery: FakeQovery, options: str, words: list[str]
) -> None:
    hook = subscribe(acme_app, qovery, '--kind standard --quiet "22:00-07:00 Europe/Paris"').webhook_id
    answer = acme_app.command(f"webhook edit {hook} {options}").json()
    text = shown(answer)
    assert answer["response_type"] == "ephemeral"
    for word in words:
        assert word in text
    assert "<!channel>" not in text
    assert "quiet `22:00-07:00 Europe/Paris`" in shown(acme_app.ask(f"webhook show {hook}"))


def test_a_daily_digest_counts_what_the_bot_recorded_once_on_one_replica(
    acme_app: RunningApp, qovery: FakeQovery, acme: Acme
) -> None:
    env = acme.environment_id
    qovery.history[env] = [deployment(env, execution_id=EXECUTION, triggered_by="bob@acme.com")]
    hook = subscribe(acme_app, qovery, '--kind standard --watch 0 --only failures --digest "daily@09:00 UTC"')
    for event, execution in (
        ("DEPLOYMENT_STARTED", EXECUTION),
        ("DEPLOYMENT_FAILURE", EXECUTION),
        ("DEPLOYMENT_SUCCESSFUL", OTHER),
    ):
        qovery.deliver(hook.webhook_id, event, environment_id=env, deployment_id=execution)
    messages_saying(acme_app, "Deployment failed")
    drained(acme_app)
    now = datetime.now(UTC)
    assert queued_at(acme_app, now) == 0  # the first look plans the next one
    due = now.replace(hour=9, minute=0, second=0, microsecond=0)
    due += timedelta(days=1) if due <= now else timedelta()
    assert queued_at(acme_app, due - timedelta(minutes=1)) == 0
    assert queued_at(acme_app, due + timedelta(seconds=20)) == 1  # two replicas: one digest
    [digest] = messages_saying(acme_app, "Daily digest")
    said = shown(digest.args)
    # The success --only failures kept out of the channel is counted all the same.
    assert "2 deployments in 1 environment · 1 failed · change failure rate 50%" in said
    assert "time to recover" in said
    assert f"environment/{env}/deployments|2026" in said  # the failure, its date linked
    assert "Deployed by bob@acme.com (1), 1 not known" in said
    assert queued_at(acme_app, due + timedelta(minutes=1)) == 0
    assert "daily digest · 2 deployments" in deliveries_shown(acme_app)
