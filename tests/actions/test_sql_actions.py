"""The actions' records on both databases: a confirmation runs once however many clicks or replicas
race for it, and a started deployment's thread is taken by one card."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from adapters.sql.actions import SqlActions
from adapters.sql.engine import create_engine, migrate
from bot.actions.plans import Action, ActionKind, ActionState, ServiceChange, Target

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ENV = "0e000000-0000-4000-8000-0000000000c1"
TARGET = Target(ENV, "production", "billing", "PRODUCTION", "0f000000-0000-4000-8000-0000000000c1")
CHANGE = ServiceChange("0a000000-0000-4000-8000-000000000001", "api", "APPLICATION", "a" * 40, "b" * 40)


def test_an_action_starts_once_and_its_thread_is_taken_by_one_card(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        other = create_engine(database_url)  # a second replica
        try:
            await migrate(engine)
            stores = SqlActions(engine), SqlActions(other)
            action = Action("T1", "U1", "C1", ActionKind.ROLLBACK, TARGET, (CHANGE,))
            action_id = await stores[0].add(action, NOW)
            assert await stores[1].get(action_id) == replace(action, id=action_id, created_at=NOW)

            # Ten clicks on two replicas at once: one runs it.
            clicks = [stores[n % 2].start(action_id, NOW - timedelta(minutes=10)) for n in range(10)]
            assert sorted(await asyncio.gather(*clicks)) == [False] * 9 + [True]
            assert not await stores[0].drop(action_id)  # too late to say no
            late = await stores[0].add(action, NOW - timedelta(minutes=11))
            assert not await stores[0].start(late, NOW - timedelta(minutes=10))  # expired

            # Nothing is posted in its thread until it is done, then one card takes it, once.
            assert await stores[0].thread_for("C1", ENV, 7, NOW) is None
            await stores[0].finish(action_id, ActionState.DONE, "QUEUED", "1.5", NOW, own_token=True)
            takers = [stores[n % 2].thread_for("C1", ENV, 7 + n % 2, NOW) for n in range(6)]
            taken = await asyncio.gather(*takers)
            assert sorted(taken, key=str) == ["1.5"] * 3 + [None] * 3  # card 7's calls, or card 8's
            assert await stores[1].thread_for("C1", ENV, 7 if taken[0] else 8, NOW) == "1.5"
            assert await stores[1].thread_for("C2", ENV, 9, NOW) is None  # another channel
            assert await stores[1].thread_for("C1", ENV, 9, NOW + timedelta(seconds=1)) is None  # too old
            assert (await stores[1].get(action_id)).own_token is True  # type: ignore[union-attr]
        finally:
            await engine.dispose()
            await other.dispose()

    asyncio.run(scenario())
