"""`bot.deliveries.ports.Outcomes` on the database: the last outcome per hook and scope, for
`--only changes`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import dialect_insert
from adapters.sql.tables import outcomes
from bot.clock import utcnow
from bot.deliveries.events import DeploymentStatus

__all__ = ["SqlOutcomes"]


class SqlOutcomes:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def last(self, hook_id: str, scopes: tuple[str, ...]) -> dict[str, DeploymentStatus]:
        query = select(outcomes.c.scope, outcomes.c.status).where(
            outcomes.c.hook_id == hook_id, outcomes.c.scope.in_([s[:300] for s in scopes])
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return {row.scope: DeploymentStatus(row.status) for row in rows}

    async def remember(self, hook_id: str, scopes: tuple[str, ...], status: DeploymentStatus) -> None:
        now = utcnow()
        rows = [
            {"hook_id": hook_id, "scope": s[:300], "status": status.value, "updated_at": now} for s in scopes
        ]
        statement = dialect_insert(self._engine.dialect.name, outcomes).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[outcomes.c.hook_id, outcomes.c.scope],
            set_={"status": statement.excluded.status, "updated_at": statement.excluded.updated_at},
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)
