"""Quiet hours' summaries and digests (SPEC §17), looked for every half minute and done by one replica
at a time (the `jobs` table, as the doctor's hourly check); each summary and digest is queued once (see
bot/digests), and the courier is woken to post it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.digests import Digests, QuietSummaries
from bot.ports import Jobs

__all__ = ["EVERY", "JOB", "keep_summing_up", "sum_up_if_due"]

log = logging.getLogger(__name__)

JOB = "quiet-and-digests"
EVERY = timedelta(seconds=30)
_HOLD_SECONDS = 120.0  # a run taking longer is taken to have died with its replica


async def sum_up_if_due(
    jobs: Jobs, summaries: QuietSummaries, digests: Digests, holder: str, now: datetime
) -> int:
    """Queue what is due when no other replica does it now; how many messages were queued."""
    if not await jobs.take(JOB, holder, now, _HOLD_SECONDS):
        return 0
    try:
        return await summaries.sum_up_due(now) + await digests.post_due(now)
    finally:
        await jobs.done(JOB, holder, now + EVERY)


async def keep_summing_up(
    jobs: Jobs, summaries: QuietSummaries, digests: Digests, wake: Callable[[], None]
) -> None:
    holder = secrets.token_hex(8)  # this replica
    while True:
        try:
            if queued := await sum_up_if_due(jobs, summaries, digests, holder, datetime.now(UTC)):
                log.info("quiet hours and digests: %d messages queued", queued)
                wake()
        except Exception:
            log.exception("quiet hours and digests could not be looked at; trying again shortly")
        await asyncio.sleep(EVERY.total_seconds())
