"""On both databases: a confirmation past its 10 minutes becomes no request, and a run left by a stopped
bot is found and said lost once, however many replicas look; Qovery's answer, should it come after all,
is still recorded."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from adapters.sql import tables
from adapters.sql.actions import SqlActions
from adapters.sql.engine import create_engine, migrate
from bot.actions import Action, ActionKind, ActionState
from bot.actions.plans import Target

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
TARGET = Target("0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f", "production", "billing", "PRODUCTION", "org", "p1")


def test_a_lost_run_is_found_and_said_once_and_a_late_answer_still_counts(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            actions = SqlActions(engine)
            action = Action("T1", "U1", "C1", ActionKind.ROLLBACK, TARGET)
            stale = await actions.add(action, NOW - timedelta(minutes=11))
            assert not await actions.hold(stale, NOW - timedelta(minutes=10), NOW)  # its 10 minutes are up
            fresh = await actions.add(action, NOW - timedelta(minutes=9))
            assert await actions.hold(fresh, NOW - timedelta(minutes=10), NOW)
            assert (await actions.get(fresh)).created_at == NOW  # type: ignore[union-attr]
            assert await actions.decide(fresh, ActionState.PENDING, ActionState.RUNNING, "U2", None)

            assert [a.id for a in await actions.running_before(NOW)] == []  # made at NOW: not before
            [found] = await actions.running_before(NOW + timedelta(minutes=41))
            assert (found.id, found.target) == (fresh, TARGET)  # the project's id is kept in the plan
            said = await asyncio.gather(*(actions.lost(fresh, "lost", NOW) for _ in range(10)))
            assert said.count(True) == 1
            lost = await actions.get(fresh)
            assert lost is not None
            assert (lost.state, lost.decided_by, lost.outcome) == (ActionState.UNKNOWN, "U2", "lost")
            assert await actions.running_before(NOW + timedelta(minutes=41)) == []
            await actions.finish(fresh, ActionState.DONE, "QUEUED", None, NOW, own_token=False)
            assert (await actions.get(fresh)).state is ActionState.DONE  # type: ignore[union-attr]
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_a_stored_plan_the_bot_cannot_read_stops_no_check_nor_audit(database_url: str) -> None:
    """One action written by another version of the bot (its plan unreadable here) is left out of the
    minute's checks and of `/qovery audit`; every other action is still found."""

    async def scenario() -> None:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            actions = SqlActions(engine)
            action = Action("T1", "U1", "C1", ActionKind.ROLLBACK, TARGET)
            ids = [await actions.add(action, NOW - timedelta(minutes=5)) for _ in range(3)]
            for action_id in ids:
                assert await actions.hold(action_id, NOW - timedelta(minutes=10), NOW - timedelta(minutes=5))
            async with engine.begin() as connection:
                await connection.execute(
                    update(tables.actions).where(tables.actions.c.id == ids[1]).values(plan='{"target": 1}')
                )
            assert [a.id for a in await actions.pending_before(NOW)] == [ids[0], ids[2]]
            assert [a.id for a in await actions.audited("T1", None, 20)] == [ids[2], ids[0]]
            assert await actions.get(ids[1]) is None  # its button answers as for a gone record
        finally:
            await engine.dispose()

    asyncio.run(scenario())
