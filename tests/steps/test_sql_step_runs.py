"""Step runs on both databases: a redelivered event finds its run, a run completes once of many tries,
a run left acting by a stopped replica is found once its time is out, and completed runs are forgotten
after a day."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from adapters.crypto import SecretBox
from adapters.sql.engine import create_engine, migrate
from adapters.sql.housekeeping import forget_old
from adapters.sql.steps import SqlStepRuns
from adapters.sql.tables import step_runs
from bot.steps import StepRun

NOW = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)
BOX = SecretBox("k" * 32)


def test_a_run_is_recorded_once_waits_and_completes_once(database_url: str) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        await migrate(engine)
        runs = SqlStepRuns(engine, BOX)
        run = StepRun("Fx1", "T1", "wait_for_deployment", "U1", "xwfp-secret", NOW)
        assert await runs.add(run)
        assert not await runs.add(run)  # Slack delivered the event again
        assert await runs.waiting(NOW - timedelta(minutes=5)) == []  # acting, not yet waiting
        waiting = StepRun(
            "Fx1", "T1", "wait_for_deployment", "U1", "xwfp-secret", NOW,
            environment_id="e1", deadline=NOW + timedelta(minutes=3),
        )  # fmt: skip
        await runs.wait(waiting)
        assert await runs.waiting(NOW - timedelta(minutes=5)) == [waiting]
        async with engine.connect() as connection:
            stored = (await connection.execute(select(step_runs.c.token))).scalar_one()
        assert "xwfp-secret" not in stored  # sealed at rest
        done = await asyncio.gather(*(runs.complete("Fx1", "success", NOW) for _ in range(5)))
        assert sorted(done) == [False, False, False, False, True]
        assert await runs.waiting(NOW + timedelta(hours=1)) == []
        await engine.dispose()

    asyncio.run(scenario())


def test_a_run_left_acting_is_found_after_its_time_and_completed_runs_go_after_a_day(
    database_url: str,
) -> None:
    async def scenario() -> None:
        engine = create_engine(database_url)
        await migrate(engine)
        runs = SqlStepRuns(engine, BOX)
        left = StepRun("Fx2", "T1", "deploy", "U1", "xwfp-2", NOW - timedelta(minutes=10))
        await runs.add(left)
        await runs.add(StepRun("Fx3", "T1", "deploy", "U1", "xwfp-3", NOW))
        assert [r.execution_id for r in await runs.waiting(NOW - timedelta(minutes=5))] == ["Fx2"]
        assert await runs.complete("Fx2", "The bot failed on the way", NOW)
        await forget_old(engine, NOW + timedelta(hours=23))
        async with engine.connect() as connection:
            count = select(func.count()).select_from(step_runs)
            assert (await connection.execute(count)).scalar_one() == 2
        await forget_old(engine, NOW + timedelta(days=1, hours=1))
        async with engine.connect() as connection:
            assert (await connection.execute(select(step_runs.c.execution_id))).scalars().all() == ["Fx3"]
        await engine.dispose()

    asyncio.run(scenario())
