"""`bot.watches.ports.Watches` on the database: one watch per card of a success (the unique card id
decides between replicas), moved on by one conditional UPDATE so that two reads never tell a card twice."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import dialect_insert
from adapters.sql.tables import watches
from bot.watches.ports import Watch, WatchState

__all__ = ["SqlWatches"]


class SqlWatches:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, watch: Watch) -> bool:
        values = {
            "card_id": watch.card_id,
            "hook_id": watch.hook_id,
            "team_id": watch.team_id,
            "environment_id": watch.environment_id,
            "services": json.dumps(list(watch.services)),
            "started_at": watch.started_at,
            "until": watch.until,
            "state": watch.state.value,
            "rules": watch.rules,
        }
        insert = dialect_insert(self._engine.dialect.name, watches).values(values)
        statement = insert.on_conflict_do_nothing(index_elements=[watches.c.card_id])
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)

    async def open_of_team(self, team_id: str) -> list[Watch]:
        query = select(watches).where(watches.c.team_id == team_id, watches.c.state == WatchState.OPEN.value)
        async with self._engine.connect() as connection:
            return [_watch(row) for row in await connection.execute(query.order_by(watches.c.id))]

    async def any_open(self, team_id: str) -> bool:
        query = select(watches.c.id).where(
            watches.c.team_id == team_id, watches.c.state == WatchState.OPEN.value
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query.limit(1))).first() is not None

    async def update(self, watch: Watch, state: WatchState, rules: int | None) -> bool:
        as_read = (watches.c.state == watch.state.value) & (
            watches.c.rules.is_(None) if watch.rules is None else watches.c.rules == watch.rules
        )
        statement = (
            update(watches).where(watches.c.id == watch.id, as_read).values(state=state.value, rules=rules)
        )
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)


def _watch(row: Row[Any]) -> Watch:
    try:
        services = tuple(str(s) for s in json.loads(row.services))
    except (ValueError, TypeError):
        services = ()
    return Watch(
        card_id=row.card_id,
        hook_id=row.hook_id,
        team_id=row.team_id,
        environment_id=row.environment_id,
        services=services,
        started_at=row.started_at,
        until=row.until,
        state=WatchState(row.state),
        rules=row.rules,
        id=row.id,
    )
