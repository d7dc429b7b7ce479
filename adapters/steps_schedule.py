"""Workflow Builder steps' waiting runs, followed every 10 seconds by one replica at a time (the `jobs`
table, as the queue's): each whose approval was decided, whose deployment ended or whose timeout passed
is completed, whichever replica started it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta

from bot.ports import Jobs
from bot.steps import FOLLOW_JOB, Steps

__all__ = ["EVERY", "follow_if_due", "keep_following_steps"]

log = logging.getLogger(__name__)

EVERY = timedelta(seconds=10)
_HOLD_SECONDS = 120.0  # a follow taking longer than this is taken to have died with its replica


async def follow_if_due(jobs: Jobs, steps: Steps, holder: str, now: datetime) -> int:
    """Follow the waiting runs when no other replica does it now; how many were completed."""
    if not await jobs.take(FOLLOW_JOB, holder, now, _HOLD_SECONDS):
        return 0
    try:
        return await steps.follow(now)
    finally:
        await jobs.done(FOLLOW_JOB, holder, now + EVERY)


async def keep_following_steps(jobs: Jobs, steps: Steps) -> None:
    holder = secrets.token_hex(8)  # this replica
    while True:
        try:
            if done := await follow_if_due(jobs, steps, holder, datetime.now(UTC)):
                log.info("steps: %d waiting runs completed", done)
        except Exception:
            log.exception("steps: the waiting runs could not be followed; trying again in a moment")
        await asyncio.sleep(EVERY.total_seconds())
