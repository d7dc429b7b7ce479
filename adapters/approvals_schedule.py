"""Requests for approval nobody decided within 30 minutes: expired, and said so; actions a stopped bot
left running: said to be of unknown outcome. Each minute, by one replica at a time (the `jobs` table, as
the doctor's hourly check)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta

from bot.approvals.requests import Approvals
from bot.ports import Jobs

__all__ = ["JOB", "expire_if_due", "keep_expiring"]

log = logging.getLogger(__name__)

JOB = "approvals"
EVERY = timedelta(minutes=1)
_HOLD_SECONDS = 300.0


async def expire_if_due(jobs: Jobs, approvals: Approvals, holder: str, now: datetime) -> int:
    """Expire what is due, and say which runs were lost, when no other replica does it now; how many
    actions were settled so."""
    if not await jobs.take(JOB, holder, now, _HOLD_SECONDS):
        return 0
    try:
        return await approvals.expire(now) + await approvals.recover(now)
    finally:
        await jobs.done(JOB, holder, now + EVERY)


async def keep_expiring(jobs: Jobs, approvals: Approvals) -> None:
    holder = secrets.token_hex(8)  # this replica
    while True:
        try:
            if settled := await expire_if_due(jobs, approvals, holder, datetime.now(UTC)):
                log.info("approvals: %d requests expired or runs said lost", settled)
        except Exception:
            log.exception("approvals: requests could not be expired; trying again in a minute")
        await asyncio.sleep(EVERY.total_seconds())
