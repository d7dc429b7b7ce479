"""Actions from Slack that Qovery queued: each minute, by one replica at a time (the `jobs` table, as the
approvals' expiry), the queues they wait in are read again, and each request that left its queue has its
message edited (started, or gone)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from datetime import UTC, datetime, timedelta

from bot.actions.queue import QueuedRequests
from bot.ports import Jobs

__all__ = ["JOB", "follow_if_due", "keep_following"]

log = logging.getLogger(__name__)

JOB = "queue"
EVERY = timedelta(minutes=1)
_HOLD_SECONDS = 300.0


async def follow_if_due(jobs: Jobs, queue: QueuedRequests, holder: str, now: datetime) -> int:
    """Follow the queued requests when no other replica does it now; how many left their queue."""
    if not await jobs.take(JOB, holder, now, _HOLD_SECONDS):
        return 0
    try:
        return await queue.follow(now)
    finally:
        await jobs.done(JOB, holder, now + EVERY)


async def keep_following(jobs: Jobs, queue: QueuedRequests) -> None:
    holder = secrets.token_hex(8)  # this replica
    while True:
        try:
            if moved := await follow_if_due(jobs, queue, holder, datetime.now(UTC)):
                log.info("queue: %d queued requests left their queue", moved)
        except Exception:
            log.exception("queue: the queued requests could not be followed; trying again in a minute")
        await asyncio.sleep(EVERY.total_seconds())
