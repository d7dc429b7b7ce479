"""`bot.ports.Jobs` on the database: work that one replica at a time does, when it is due.

One conditional UPDATE decides who takes a job (PostgreSQL re-checks the condition after the row lock;
SQLite has one writer), so two replicas never run it together; a holder that dies lets another take it
once its hold runs out. A ring (an alert's doorbell, on any replica) brings the next run forward to
`gap` seconds after the last start: rings coalesce, a flood of them makes one run every `gap` seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import dialect_insert
from adapters.sql.tables import jobs

__all__ = ["SqlJobs"]


class SqlJobs:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _due(self, now: datetime, gap_seconds: float) -> ColumnElement[bool]:
        rung = and_(
            jobs.c.rung_at.is_not(None),
            or_(
                jobs.c.started_at.is_(None),
                and_(
                    jobs.c.rung_at > jobs.c.started_at,
                    jobs.c.started_at <= now - timedelta(seconds=gap_seconds),
                ),
            ),
        )
        free = jobs.c.held_until.is_(None) | (jobs.c.held_until < now)
        return and_(free, or_(jobs.c.next_run_at <= now, rung))

    async def take(
        self, name: str, holder: str, now: datetime, hold_seconds: float, gap_seconds: float = 0.0
    ) -> bool:
        async with self._engine.begin() as connection:
            insert = dialect_insert(self._engine.dialect.name, jobs).values(name=name, next_run_at=now)
            await connection.execute(insert.on_conflict_do_nothing(index_elements=[jobs.c.name]))
            # One UPDATE decides: of two replicas asking at once, the database lets one match.
            taken = await connection.execute(
                update(jobs)
                .where(jobs.c.name == name, self._due(now, gap_seconds))
                .values(holder=holder, held_until=now + timedelta(seconds=hold_seconds), started_at=now)
            )
        return bool(taken.rowcount)

    async def done(self, name: str, holder: str, next_run_at: datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(jobs)
                .where(jobs.c.name == name, jobs.c.holder == holder)
                .values(next_run_at=next_run_at, holder=None, held_until=None)
            )

    async def ring(self, name: str, now: datetime) -> None:
        async with self._engine.begin() as connection:
            rung = await connection.execute(update(jobs).where(jobs.c.name == name).values(rung_at=now))
            if not rung.rowcount:  # a job not known yet: due at once
                insert = dialect_insert(self._engine.dialect.name, jobs).values(name=name, next_run_at=now)
                await connection.execute(insert.on_conflict_do_nothing(index_elements=[jobs.c.name]))

    async def due(self, prefix: str, now: datetime, gap_seconds: float = 0.0) -> list[str]:
        query = select(jobs.c.name).where(jobs.c.name.startswith(prefix), self._due(now, gap_seconds))
        async with self._engine.connect() as connection:
            return sorted((await connection.execute(query)).scalars())

    async def forget(self, name: str, holder: str) -> None:
        mine = (jobs.c.name == name) & (jobs.c.holder == holder)
        not_rung = jobs.c.rung_at.is_(None) | (jobs.c.rung_at <= jobs.c.started_at)
        async with self._engine.begin() as connection:
            if not (await connection.execute(delete(jobs).where(mine, not_rung))).rowcount:
                # Rung while it ran (a subscribe its run did not see): kept, and due at once.
                await connection.execute(update(jobs).where(mine).values(holder=None, held_until=None))

    async def plan(self, name: str, at: datetime) -> None:
        insert = dialect_insert(self._engine.dialect.name, jobs).values(name=name, next_run_at=at)
        async with self._engine.begin() as connection:
            await connection.execute(
                insert.on_conflict_do_update(index_elements=[jobs.c.name], set_={"next_run_at": at})
            )

    async def planned(self, prefix: str) -> dict[str, datetime]:
        query = select(jobs.c.name, jobs.c.next_run_at).where(jobs.c.name.startswith(prefix))
        async with self._engine.connect() as connection:
            return {row.name: row.next_run_at for row in await connection.execute(query)}

    async def drop(self, names: list[str]) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(delete(jobs).where(jobs.c.name.in_(names)))
