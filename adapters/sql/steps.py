"""`bot.steps.StepRuns` on the database: one row per run, its bot token sealed with the SecretBox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import SecretBox, SecretTampered
from adapters.sql.engine import dialect_insert
from adapters.sql.tables import step_runs
from bot.steps import StepRun

__all__ = ["SqlStepRuns"]

_ACTING, _WAITING, _COMPLETED = "acting", "waiting", "completed"


def _context(execution_id: str) -> str:
    return f"step run {execution_id}"


class SqlStepRuns:
    def __init__(self, engine: AsyncEngine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    async def add(self, run: StepRun) -> bool:
        values = {
            "execution_id": run.execution_id,
            "team_id": run.team_id,
            "step": run.step,
            "user_id": run.user_id,
            "token": self._box.seal(run.token, _context(run.execution_id)),
            "state": _ACTING,
            "started_at": run.started_at,
        }
        insert = dialect_insert(self._engine.dialect.name, step_runs).values(values)
        async with self._engine.begin() as connection:
            added = await connection.execute(
                insert.on_conflict_do_nothing(index_elements=[step_runs.c.execution_id])
            )
        return bool(added.rowcount)

    async def wait(self, run: StepRun) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(step_runs)
                .where(step_runs.c.execution_id == run.execution_id, step_runs.c.state == _ACTING)
                .values(
                    state=_WAITING,
                    action_id=run.action_id,
                    environment_id=run.environment_id,
                    deadline=run.deadline,
                )
            )

    async def waiting(self, left_before: datetime) -> list[StepRun]:
        left = and_(step_runs.c.state == _ACTING, step_runs.c.started_at < left_before)
        query = (
            select(step_runs)
            .where(or_(step_runs.c.state == _WAITING, left))
            .order_by(step_runs.c.started_at)
            .limit(500)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        runs = []
        for row in rows:
            try:
                token = self._box.open(row.token, _context(row.execution_id))
            except SecretTampered:
                continue  # sealed with another key: Slack's token would not work anyway
            runs.append(
                StepRun(
                    row.execution_id,
                    row.team_id,
                    row.step,
                    row.user_id,
                    token,
                    row.started_at,
                    action_id=row.action_id,
                    environment_id=row.environment_id,
                    deadline=row.deadline,
                )
            )
        return runs

    async def complete(self, execution_id: str, outcome: str, now: datetime) -> bool:
        async with self._engine.begin() as connection:
            # One conditional UPDATE decides: of two replicas completing at once, one matches.
            done = await connection.execute(
                update(step_runs)
                .where(step_runs.c.execution_id == execution_id, step_runs.c.state != _COMPLETED)
                .values(state=_COMPLETED, completed_at=now, outcome=outcome[:500], token="")
            )
        return bool(done.rowcount)
