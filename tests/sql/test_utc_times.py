"""Every time the bot stores is the same instant when read back, in UTC, on SQLite and PostgreSQL alike,
whatever offset it was written with: a time from Qovery with `+05:00` is not stored as its wall time and
read back hours off (as SQLite did), and windows and uniqueness hold on the instant."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from adapters.core import Core, build_core
from adapters.settings import Settings
from adapters.sql.engine import migrate
from adapters.sql.held import SqlHeldDeliveries
from bot.actions.plans import Action, ActionKind, Target
from bot.alerts.filters import Scope
from bot.alerts.ports import Firing
from bot.alerts.rules import RuleView
from bot.deliveries import Card, DeliveryKind, Deployment, DeploymentStatus
from bot.deliveries.events import Named
from bot.doctor.diagnosis import Finding, FindingKind
from bot.subscriptions import HookSettings, new_hook
from bot.watches.ports import Watch

ENV = "46ed7748-5067-4d2e-8e18-262fb544114b"
# One instant, written as Qovery and the bot's clock may write it.
INSTANT = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
OFFSETS = [
    timezone(timedelta(hours=5)),
    timezone(timedelta(hours=-7)),
    timezone(timedelta(hours=5, minutes=45)),
]


def written(offset: timezone, moved: timedelta = timedelta()) -> datetime:
    return (INSTANT + moved).astimezone(offset)


def run(settings: Settings, database_url: str, work: Callable[[Core], Awaitable[Any]]) -> Any:
    async def scenario() -> Any:
        core = build_core(settings.model_copy(update={"database_url": database_url}))
        await migrate(core.engine)
        try:
            return await work(core)
        finally:
            await core.close()

    return asyncio.run(scenario())


def same_instant_in_utc(found: datetime | None, expected: datetime) -> bool:
    return found == expected and found is not None and found.utcoffset() == timedelta()


@pytest.mark.parametrize("offset", OFFSETS, ids=["+05:00", "-07:00", "+05:45"])
def test_times_written_with_an_offset_are_read_back_as_the_same_instant(
    settings: Settings, database_url: str, offset: timezone
) -> None:
    async def work(core: Core) -> None:
        hook = new_hook("T0TEAM001", "C0DEPLOYS", "deploys", HookSettings(), "U0ADMIN01")
        await core.hooks.add(hook)

        # A card: started and finished as Qovery said, with its offset; the digest's window holds it.
        deployment = Deployment(DeploymentStatus.SUCCESSFUL, written(offset), "run-1", Named("o"),
                                Named("p", "billing"), Named(ENV, "production"))  # fmt: skip
        card = Card(hook.id, "run-1", "1.2", deployment, written(offset, -timedelta(minutes=4)),
                    written(offset), None)  # fmt: skip
        await core.cards.save(card, written(offset))
        window = await core.cards.finished(
            hook.id, written(offset, -timedelta(minutes=1)), written(offset, timedelta(minutes=1))
        )
        [kept] = window
        assert same_instant_in_utc(kept.finished_at, INSTANT)
        assert same_instant_in_utc(kept.started_at, INSTANT - timedelta(minutes=4))
        # Just after it, in UTC: outside the window, as an instant (not as a wall time) says.
        assert (
            await core.cards.finished(hook.id, INSTANT + timedelta(seconds=1), INSTANT + timedelta(hours=9))
            == []
        )

        # A watch of the first minutes after it.
        watch = Watch(kept.id or 0, hook.id, hook.team_id, ENV, ("api",), written(offset),
                      written(offset, timedelta(minutes=15)))  # fmt: skip
        assert await core.watches.add(watch)
        [open_watch] = await core.watches.open_of_team(hook.team_id)
        assert same_instant_in_utc(open_watch.started_at, INSTANT)
        assert same_instant_in_utc(open_watch.until, INSTANT + timedelta(minutes=15))

        # A firing: the same start written with another offset is the same firing, not a second one.
        view = RuleView("rule-1", "High 5xx rate", "HIGH", "", "", "", Scope("billing", "production", ENV))
        firing = Firing(0, hook.id, hook.team_id, hook.channel_id, view, written(offset))
        stored = await core.firings.add(firing, written(offset))
        assert stored is not None
        again = Firing(0, hook.id, hook.team_id, hook.channel_id, view, INSTANT)
        assert await core.firings.add(again, INSTANT) is None
        [still] = await core.firings.open_of_team(hook.team_id)
        assert same_instant_in_utc(still.starts_at, INSTANT)

        # A delivery held for quiet hours: received and held until, each the instant it was.
        await core.queue.add(hook, DeliveryKind.SLACK, '{"text": "x"}', "k1", "held one", written(offset),
                             verified=True)  # fmt: skip
        [record] = await core.queue.recent(hook.team_id, hook.channel_id, 5)
        assert same_instant_in_utc(record.received_at, INSTANT)
        await core.queue.held(record.id, "quiet hours", written(offset, timedelta(hours=1)))
        held = SqlHeldDeliveries(core.engine)
        assert await held.due(INSTANT + timedelta(minutes=59)) == []
        assert await held.due(INSTANT + timedelta(hours=1)) == [hook.id]
        [one] = await held.of_hook(hook.id, INSTANT + timedelta(hours=1))
        assert same_instant_in_utc(one.received_at, INSTANT)

        # A digest's plan, an action's record, a doctor's finding.
        await core.jobs.plan(f"digest:{hook.id}", written(offset))
        assert same_instant_in_utc((await core.jobs.planned("digest:"))[f"digest:{hook.id}"], INSTANT)
        action = Action(hook.team_id, "U0ALICE01", hook.channel_id, ActionKind.REDEPLOY,
                        Target(ENV, "production", "billing", "PRODUCTION", "o"))  # fmt: skip
        action_id = await core.actions.add(action, written(offset))
        found = await core.actions.get(action_id)
        assert found is not None
        assert same_instant_in_utc(found.created_at, INSTANT)
        await core.findings.record(hook.team_id, [Finding(FindingKind.ORPHAN, "x", "words")], written(offset))
        [(_, first_seen)] = await core.findings.open(hook.team_id)
        assert same_instant_in_utc(first_seen, INSTANT)

    run(settings, database_url, work)
