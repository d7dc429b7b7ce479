"""The doctor's hourly check (SPEC §13): one replica at a time, every workspace, telling only what is new.

Every replica looks every few minutes whether the check is due; the `jobs` table lets one of them take
it (PostgreSQL or SQLite alike: one conditional UPDATE decides), and tells when it is next due. A replica
that dies while checking lets another take it once its hold runs out.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import hooks, workspaces
from bot.doctor.doctor import Doctor
from bot.ports import Jobs

__all__ = ["JOB", "check_if_due", "keep_checking", "workspaces_to_check"]

log = logging.getLogger(__name__)

JOB = "doctor"
EVERY = timedelta(hours=1)
_LOOK_EVERY_SECONDS = 300.0
_FIRST_AFTER_SECONDS = 90.0  # not in the rush of a start
_HOLD_SECONDS = 1800.0  # a check taking longer than this is taken to have died with its replica


async def workspaces_to_check(engine: AsyncEngine) -> list[str]:
    """Every workspace with a live hook or a Qovery token of its own."""
    live = select(hooks.c.team_id).where(hooks.c.revoked_at.is_(None))
    connected = select(workspaces.c.team_id).where(workspaces.c.qovery_token.is_not(None))
    async with engine.connect() as connection:
        return sorted((await connection.execute(union(live, connected))).scalars())


async def check_if_due(engine: AsyncEngine, jobs: Jobs, doctor: Doctor, holder: str, now: datetime) -> bool:
    """Run the check when it is due and no other replica runs it; True when this one did."""
    if not await jobs.take(JOB, holder, now, _HOLD_SECONDS):
        return False
    new = 0
    try:
        for team_id in await workspaces_to_check(engine):
            try:
                new += len(await doctor.check(team_id, now))
            except Exception:  # one workspace's trouble does not keep the others unchecked
                log.exception("doctor: the check of workspace %s failed", team_id)
    finally:
        await jobs.done(JOB, holder, now + EVERY)
    log.info("doctor: hourly check done, %d new findings", new)
    return True


async def keep_checking(engine: AsyncEngine, jobs: Jobs, doctor: Doctor) -> None:
    holder = secrets.token_hex(8)  # this replica
    await asyncio.sleep(_FIRST_AFTER_SECONDS)
    while True:
        try:
            await check_if_due(engine, jobs, doctor, holder, datetime.now(UTC))
        except Exception:
            log.exception("doctor: the hourly check could not run; trying again in a few minutes")
        await asyncio.sleep(_LOOK_EVERY_SECONDS)
