"""`bot.actions.ports.Actions` on the database: every action asked from Slack, and the thread its card
joins."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import actions
from bot.actions.plans import Action, ActionKind, ActionState, plan_from_json, plan_to_json

__all__ = ["SqlActions"]

log = logging.getLogger(__name__)


class SqlActions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, action: Action, now: datetime) -> int:
        values = {
            "team_id": action.team_id,
            "user_id": action.user_id,
            "channel_id": action.channel_id,
            "kind": action.kind.value,
            "environment_id": action.target.environment_id,
            "plan": plan_to_json(action),
            "state": action.state.value,
            "thread_ts": action.thread_ts,
            "own_token": action.own_token,  # whose token its confirmation named, then whose Qovery saw
            "created_at": now,
        }
        async with self._engine.begin() as connection:
            inserted = await connection.execute(actions.insert().values(values).returning(actions.c.id))
            return int(inserted.scalar_one())

    async def get(self, action_id: int) -> Action | None:
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(actions).where(actions.c.id == action_id))).first()
        found = [] if row is None else _readable([row])
        return found[0] if found else None

    async def start(self, action_id: int, since: datetime) -> bool:
        return await self._move(
            action_id, ActionState.PROPOSED, ActionState.RUNNING, actions.c.created_at >= since
        )

    async def drop(self, action_id: int) -> bool:
        return await self._move(action_id, ActionState.PROPOSED, ActionState.DROPPED)

    async def hold(
        self, action_id: int, since: datetime, now: datetime, *, exception: str | None = None
    ) -> bool:
        return await self._move(
            action_id,
            ActionState.PROPOSED,
            ActionState.PENDING,
            actions.c.created_at >= since,
            created_at=now,  # a request expires counting from when it was made
            exception=exception,
        )

    async def requested(self, action_id: int, request_ts: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(actions).where(actions.c.id == action_id).values(request_ts=request_ts)
            )

    async def decide(
        self, action_id: int, old: ActionState, new: ActionState, by: str | None, since: datetime | None
    ) -> bool:
        recent = () if since is None else (actions.c.created_at >= since,)
        return await self._move(action_id, old, new, *recent, decided_by=by)

    async def pending_before(self, before: datetime) -> list[Action]:
        query = select(actions).where(
            actions.c.state == ActionState.PENDING.value, actions.c.created_at < before
        )
        async with self._engine.connect() as connection:
            return _readable(await connection.execute(query.order_by(actions.c.id)))

    async def running_before(self, before: datetime) -> list[Action]:
        query = select(actions).where(
            actions.c.state == ActionState.RUNNING.value, actions.c.created_at < before
        )
        async with self._engine.connect() as connection:
            return _readable(await connection.execute(query.order_by(actions.c.id)))

    async def queued(self, action_id: int, request_id: str, message_ts: str | None) -> None:
        values = {"queue_request": request_id[:64], "message_ts": message_ts}
        async with self._engine.begin() as connection:
            await connection.execute(update(actions).where(actions.c.id == action_id).values(values))

    async def in_queue(self) -> list[Action]:
        query = select(actions).where(actions.c.state == ActionState.QUEUED.value)
        async with self._engine.connect() as connection:
            return _readable(await connection.execute(query.order_by(actions.c.id)))

    async def left_queue(
        self, action_id: int, state: ActionState, outcome: str, by: str | None, now: datetime
    ) -> bool:
        return await self._move(
            action_id, ActionState.QUEUED, state, outcome=outcome[:500], decided_by=by, done_at=now
        )

    async def lost(self, action_id: int, outcome: str, now: datetime) -> bool:
        return await self._move(
            action_id, ActionState.RUNNING, ActionState.UNKNOWN, outcome=outcome[:500], done_at=now
        )

    async def audited(self, team_id: str, user_id: str | None, limit: int) -> list[Action]:
        unconfirmed = (ActionState.PROPOSED.value, ActionState.DROPPED.value)
        query = select(actions).where(actions.c.team_id == team_id, actions.c.state.not_in(unconfirmed))
        if user_id is not None:
            query = query.where(actions.c.user_id == user_id)
        async with self._engine.connect() as connection:
            return _readable(await connection.execute(query.order_by(actions.c.id.desc()).limit(limit)))

    async def _move(
        self, action_id: int, old: ActionState, new: ActionState, *more: Any, **values: Any
    ) -> bool:
        # One UPDATE with the old state in its WHERE: of two clicks (or two replicas), one wins.
        statement = (
            update(actions)
            .where(actions.c.id == action_id, actions.c.state == old.value, *more)
            .values(state=new.value, **values)
        )
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)

    async def finish(
        self,
        action_id: int,
        state: ActionState,
        outcome: str,
        thread_ts: str | None,
        now: datetime,
        *,
        own_token: bool,
    ) -> None:
        values: dict[str, object] = {"state": state.value, "outcome": outcome[:500], "thread_ts": thread_ts}
        values |= {"done_at": now, "own_token": own_token}
        async with self._engine.begin() as connection:
            await connection.execute(update(actions).where(actions.c.id == action_id).values(values))

    async def thread_for(
        self, channel_id: str, environment_id: str, card_id: int, since: datetime
    ) -> str | None:
        query = (
            select(actions.c.id, actions.c.thread_ts, actions.c.card_id)
            .where(
                actions.c.channel_id == channel_id,
                actions.c.environment_id == environment_id[:64],
                actions.c.state == ActionState.DONE.value,
                actions.c.done_at >= since,
                actions.c.kind != ActionKind.CANCEL.value,
                actions.c.thread_ts.is_not(None),
            )
            .order_by(actions.c.id.desc())
            .limit(1)
        )
        async with self._engine.begin() as connection:
            row = (await connection.execute(query)).first()
            if row is None or row.card_id not in (None, card_id):
                return None
            # Taken by one card, once: a second replica's claim finds it taken; the same card's next
            # attempt (Slack failed the first) finds it its own.
            mine = actions.c.card_id.is_(None) | (actions.c.card_id == card_id)
            taken = await connection.execute(
                update(actions).where(actions.c.id == row.id, mine).values(card_id=card_id)
            )
        return str(row.thread_ts) if taken.rowcount else None

    async def excepted(self, environment_id: str, since: datetime) -> bool:
        query = select(actions.c.id).where(
            actions.c.environment_id == environment_id[:64],
            actions.c.exception.is_not(None),
            actions.c.state.in_((ActionState.DONE.value, ActionState.QUEUED.value)),
            actions.c.done_at >= since,
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query.limit(1))).first() is not None


def _readable(rows: Iterable[Row[Any]]) -> list[Action]:
    """Every action of `rows` the bot can read: one stored plan it cannot read (written by another
    version of the bot) is left out and logged, never the minute's check or the audit around it."""
    found: list[Action] = []
    for row in rows:
        try:
            found.append(_action(row))
        except (ValueError, TypeError, KeyError) as error:  # json's errors are ValueErrors
            log.warning("actions: the stored action %s cannot be read (%s)", row.id, type(error).__name__)
    return found


def _action(row: Row[Any]) -> Action:
    target, changes, promotion = plan_from_json(row.plan)
    return Action(
        team_id=row.team_id,
        user_id=row.user_id,
        channel_id=row.channel_id,
        kind=ActionKind(row.kind),
        target=target,
        changes=changes,
        thread_ts=row.thread_ts,
        state=ActionState(row.state),
        created_at=row.created_at,
        id=row.id,
        own_token=row.own_token,
        request_ts=row.request_ts,
        decided_by=row.decided_by,
        outcome=row.outcome,
        promotion=promotion,
        exception=row.exception,
        queue_request=row.queue_request,
        message_ts=row.message_ts,
    )
