"""The change feed's reads on a clock: every workspace whose channels get the feed is read every 60 s,
by one replica at a time, through the `jobs` table (`changes:<team id>`), as the alerts' reads are
(adapters/alerts_schedule.py). A replica that dies while reading lets another take the job once its
hold runs out; the cursor and every change read are in the database, so nothing is lost or repeated.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from bot.changefeed import JOB_PREFIX, READ_EVERY, ChangeFeed
from bot.ports import Jobs

__all__ = ["ChangeReader"]

log = logging.getLogger(__name__)

_LOOK_EVERY_SECONDS = 5.0
_HOLD_SECONDS = 300.0  # a read taking longer than this is taken to have died with its replica
_AT_ONCE = 4  # workspaces read together


class ChangeReader:
    def __init__(
        self, jobs: Jobs, feed: ChangeFeed, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._jobs = jobs
        self._feed = feed
        self._clock = clock
        self._holder = secrets.token_hex(8)  # this replica
        self._slots = asyncio.Semaphore(_AT_ONCE)

    async def read_due(self, now: datetime) -> int:
        """Read every workspace whose read is due and that no other replica reads; how many were read."""
        due = await self._jobs.due(JOB_PREFIX, now)
        return sum(await asyncio.gather(*(self._read(name, now) for name in due)))

    async def _read(self, name: str, now: datetime) -> bool:
        async with self._slots:
            if not await self._jobs.take(name, self._holder, now, _HOLD_SECONDS):
                return False
            team_id = name.removeprefix(JOB_PREFIX)
            more = True
            try:
                more = await self._feed.read(team_id, now)
            except Exception:  # one workspace's trouble does not keep the others unread
                log.exception("changes: the read of workspace %s failed", team_id)
            finally:
                if more:
                    await self._jobs.done(name, self._holder, now + READ_EVERY)
                else:
                    await self._jobs.forget(name, self._holder)  # nothing to read until subscribed again
            return True

    async def keep_reading(self) -> None:
        while True:
            try:
                await self.read_due(self._clock())
            except Exception:
                log.exception("changes: the reads could not run; trying again in a moment")
            await asyncio.sleep(_LOOK_EVERY_SECONDS)
