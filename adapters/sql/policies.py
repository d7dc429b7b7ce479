"""`bot.approvals.ports.Policies` on the database: each workspace's approval policy, one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import dialect_insert
from adapters.sql.tables import policies
from bot.approvals.policy import Policy

__all__ = ["SqlPolicies"]


class SqlPolicies:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def get(self, team_id: str) -> Policy | None:
        async with self._engine.connect() as connection:
            stored = (
                await connection.execute(select(policies.c.policy).where(policies.c.team_id == team_id))
            ).scalar()
        return Policy.from_json(stored) if stored else None

    async def put(self, team_id: str, policy: Policy, user_id: str, now: datetime) -> None:
        values = {"team_id": team_id, "policy": policy.to_json(), "set_by": user_id, "set_at": now}
        insert = dialect_insert(self._engine.dialect.name, policies).values(values)
        statement = insert.on_conflict_do_update(index_elements=[policies.c.team_id], set_=values)
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def clear(self, team_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(delete(policies).where(policies.c.team_id == team_id))
