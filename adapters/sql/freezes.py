"""`bot.freezes.FreezeRecords` on the database: each workspace's freezes, one row each."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import freezes
from bot.freezes import Freeze

__all__ = ["SqlFreezes"]

log = logging.getLogger(__name__)


class SqlFreezes:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, team_id: str, freeze: Freeze, now: datetime) -> int:
        values = {"team_id": team_id, "freeze": freeze.to_json(), "set_by": freeze.set_by, "set_at": now}
        async with self._engine.begin() as connection:
            inserted = await connection.execute(freezes.insert().values(values).returning(freezes.c.id))
            return int(inserted.scalar_one())

    async def of_team(self, team_id: str) -> list[Freeze]:
        query = (
            select(freezes.c.id, freezes.c.freeze, freezes.c.set_by)
            .where(freezes.c.team_id == team_id)
            .order_by(freezes.c.id)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        found = []
        for row in rows:
            freeze = Freeze.from_json(row.freeze, row.id, row.set_by)
            if freeze is None:  # written by another version of the bot: logged, never the rest
                log.warning("freezes: the stored freeze %s cannot be read", row.id)
                continue
            found.append(freeze)
        return found

    async def remove(self, team_id: str, freeze_id: int) -> bool:
        async with self._engine.begin() as connection:
            removed = await connection.execute(
                delete(freezes).where(freezes.c.team_id == team_id, freezes.c.id == freeze_id)
            )
        return bool(removed.rowcount)

    async def clear(self, team_id: str) -> int:
        async with self._engine.begin() as connection:
            removed = await connection.execute(delete(freezes).where(freezes.c.team_id == team_id))
        return int(removed.rowcount)
