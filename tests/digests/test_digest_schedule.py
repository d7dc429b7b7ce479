"""When digests and summaries are due (SPEC §17), on each database, on a clock the test moves: a daily
digest in Paris across the night daylight saving time ends, once across a replica that died between
queueing it and planning the next, and a schedule changed since planned again."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from adapters.core import Core, build_core
from adapters.settings import Settings
from adapters.sql.engine import migrate
from adapters.sql.held import SqlHooksWithDigest
from bot.deliveries import Card, Deployment, DeploymentStatus
from bot.deliveries.events import Named
from bot.digests import Digests
from bot.subscriptions import Hook, HookSettings, WebhookOptions, new_hook
from bot.subscriptions.times import digest_schedule
from tests.fakes.slack_api import block_kit_problem

ENV = "46ed7748-5067-4d2e-8e18-262fb544114b"
# Summer time ends in Paris at 03:00 on Sunday 25 October 2026: 09:00 is 07:00 UTC the day before, 08:00
# UTC that day.
SATURDAY_NINE = datetime(2026, 10, 24, 7, 0, tzinfo=UTC)
SUNDAY_NINE = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def finished(hook: Hook, at: datetime, status: DeploymentStatus, who: str | None = None) -> Card:
    deployment = Deployment(status, at, f"run-{at.timestamp()}", Named("o"), Named("p", "billing"),
                            Named(ENV, "production"))  # fmt: skip
    return Card(hook.id, deployment.key or "", "", deployment, at - timedelta(minutes=4), at, None,
                triggered_by=who)  # fmt: skip


async def with_core(settings: Settings, work: Any) -> Any:
    core = build_core(settings)
    await migrate(core.engine)
    try:
        return await work(core)
    finally:
        await core.close()


def digests_of(core: Core) -> Digests:
    return Digests(SqlHooksWithDigest(core.engine, core.hooks), core.cards, core.queue, core.jobs)


async def queued_digests(core: Core, hook: Hook) -> list[dict[str, Any]]:
    records = await core.queue.recent(hook.team_id, hook.channel_id, 20)
    return [r.__dict__ for r in records if r.summary.startswith("daily digest")]


def test_a_daily_digest_in_paris_is_due_at_nine_on_both_sides_of_the_clock_change(
    settings: Settings, database_url: str
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})

    async def work(core: Core) -> None:
        options = WebhookOptions(digest=digest_schedule("daily@09:00 Europe/Paris"))
        hook = new_hook("T0TEAM001", "C0DEPLOYS", "deploys", HookSettings().merged(options), "U0ADMIN01")
        await core.hooks.add(hook)
        for at, status, who in (
            (SATURDAY_NINE - timedelta(minutes=30), DeploymentStatus.SUCCESSFUL, "alice@acme.com"),  # before
            (SATURDAY_NINE + timedelta(hours=1), DeploymentStatus.FAILED, "bob@acme.com"),
            (SATURDAY_NINE + timedelta(hours=2), DeploymentStatus.SUCCESSFUL, "bob@acme.com"),
            (SUNDAY_NINE - timedelta(minutes=30), DeploymentStatus.SUCCESSFUL, None),  # 07:30 UTC: counted
            (SUNDAY_NINE + timedelta(minutes=30), DeploymentStatus.SUCCESSFUL, "alice@acme.com"),  # after
        ):
            await core.cards.save(finished(hook, at, status, who), at)
        digests = digests_of(core)
        assert await digests.post_due(SATURDAY_NINE + timedelta(hours=3)) == 0  # planned: Sunday 09:00
        # A clock that added a fixed offset would be due at 07:00 UTC.
        assert await digests.post_due(SUNDAY_NINE - timedelta(minutes=59)) == 0
        assert await digests.post_due(SUNDAY_NINE - timedelta(seconds=1)) == 0
        assert await digests.post_due(SUNDAY_NINE + timedelta(seconds=30)) == 1
        [queued] = await queued_digests(core, hook)
        assert queued["summary"] == "daily digest · 3 deployments"  # Saturday 09:00 to Sunday 09:00
        # A replica that died after queueing it, before planning the next: the next run queues nothing.
        await core.jobs.plan(f"digest:{hook.id}", SUNDAY_NINE)
        assert await digests.post_due(SUNDAY_NINE + timedelta(minutes=1)) == 0
        assert len(await queued_digests(core, hook)) == 1
        assert (await core.jobs.planned("digest:"))[f"digest:{hook.id}"] == SUNDAY_NINE + timedelta(days=1)

        # Changed to weekly on Mondays: planned again, for Monday 09:00 (08:00 UTC, winter time now).
        weekly = HookSettings().merged(
            WebhookOptions(digest=digest_schedule("weekly@mon-09:00 Europe/Paris"))
        )
        await core.hooks.set_settings(hook.id, weekly)
        assert await digests.post_due(SUNDAY_NINE + timedelta(hours=2)) == 0
        monday = datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
        assert (await core.jobs.planned("digest:"))[f"digest:{hook.id}"] == monday
        # Turned off: its plan is dropped.
        await core.hooks.set_settings(hook.id, HookSettings())
        assert await digests.post_due(SUNDAY_NINE + timedelta(hours=3)) == 0
        assert await core.jobs.planned("digest:") == {}

    asyncio.run(with_core(settings, work))


def test_the_digest_message_is_valid_block_kit_and_escapes_names(settings: Settings) -> None:
    async def work(core: Core) -> dict[str, Any]:
        options = WebhookOptions(digest=digest_schedule("weekly@fri-17:00"))
        hook = new_hook("T0TEAM001", "C0DEPLOYS", "deploys", HookSettings().merged(options), "U0ADMIN01")
        await core.hooks.add(hook)
        friday = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
        for n in range(120):  # more environments than a message has blocks
            at = friday - timedelta(hours=1, minutes=n)
            status = DeploymentStatus.FAILED if n % 3 else DeploymentStatus.SUCCESSFUL
            card = finished(hook, at, status, f"<!channel> user{n % 12}@acme.com")
            where = Named(f"{n:08x}-5067-4d2e-8e18-262fb544114b", "<!here> prod *" + "x" * 300)
            named = replace(card.deployment, project=Named("p", "<@U0ALICE>"), environment=where)
            deployment = replace(
                card, key=f"deployment:run-{n}", deployment=replace(named, deployment_id=f"run-{n}")
            )
            await core.cards.save(deployment, at)
        digests = digests_of(core)
        await digests.post_due(friday - timedelta(days=1))
        assert await digests.post_due(friday + timedelta(seconds=1)) == 1
        record = (await core.queue.recent(hook.team_id, hook.channel_id, 1))[0]
        assert record.summary == "weekly digest · 120 deployments"
        async with core.engine.connect() as connection:
            body = (await connection.execute(text("select body from deliveries"))).scalar_one()
        return dict(json.loads(body))

    message = asyncio.run(with_core(settings, work))
    assert block_kit_problem(message) is None
    said = json.dumps(message)
    assert "<!channel>" not in said
    assert "<!here>" not in said
    assert "<@U0ALICE>" not in said
    assert "more environments" in said
    assert len(message["blocks"]) <= 50
