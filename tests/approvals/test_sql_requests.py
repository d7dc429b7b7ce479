"""A request decided once, on both databases: however many clicks or replicas race to approve, reject or
expire it, one wins; a request older than its 30 minutes is decided by nobody."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from adapters.sql.actions import SqlActions
from adapters.sql.engine import create_engine, migrate
from bot.actions import Action, ActionKind, ActionState
from bot.actions.plans import Target

TARGET = Target("0e6c2f1a-7d3b-4a55-9c1e-2b3f4a5d6e7f", "production", "billing", "PRODUCTION", "org")


def test_ten_decisions_at_once_move_a_request_once(database_url: str) -> None:
    async def scenario() -> tuple[list[bool], list[bool], ActionState | None, list[int]]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            actions = SqlActions(engine)
            now = datetime.now(UTC)
            action_id = await actions.add(Action("T1", "U1", "C1", ActionKind.ROLLBACK, TARGET), now)
            held = await asyncio.gather(
                *(actions.hold(action_id, now - timedelta(minutes=10), now) for _ in range(5))
            )
            since = now - timedelta(minutes=30)
            states = (ActionState.RUNNING, ActionState.REJECTED, ActionState.EXPIRED)
            decided = await asyncio.gather(
                *(
                    actions.decide(action_id, ActionState.PENDING, states[n % 3], f"U{n}", since)
                    for n in range(10)
                )
            )
            found = await actions.get(action_id)
            stale = await actions.add(
                Action("T1", "U1", "C1", ActionKind.STOP, TARGET), now - timedelta(hours=1)
            )
            late = await actions.hold(stale, now - timedelta(minutes=10), now)  # its confirmation expired
            waiting = [a.id or 0 for a in await actions.pending_before(now + timedelta(minutes=31))]
            return list(held), [*decided, late], found.state if found else None, waiting
        finally:
            await engine.dispose()

    held, decided, state, waiting = asyncio.run(scenario())
    assert held.count(True) == 1
    assert decided.count(True) == 1
    assert decided[-1] is False
    assert state in (ActionState.RUNNING, ActionState.REJECTED, ActionState.EXPIRED)
    assert waiting == []  # decided: nothing left to expire
