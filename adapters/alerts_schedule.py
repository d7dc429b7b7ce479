"""The alerts' reads of Qovery on a clock (SPEC §14): every workspace with something to watch is read
every minute, by one replica at a time, and sooner after a doorbell (at most every 5 s).

Each workspace is a job of the `jobs` table (`alerts:<team id>`): the replica that takes it reads, then
sets when it is next due; a doorbell on any replica rings it. A replica looks for due jobs every
second, and at once when a doorbell rang on it. A replica that dies while reading lets another take
the job once its hold runs out; a restart loses nothing, since every firing is in the database.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from bot.alerts import DOORBELL_GAP_SECONDS, JOB_PREFIX, READ_EVERY, AlertWatch
from bot.ports import Jobs
from bot.qovery import QoveryError

__all__ = ["AlertReader"]

log = logging.getLogger(__name__)

_LOOK_EVERY_SECONDS = 1.0
# After a doorbell, a moment for the rest of its burst (Alertmanager's posts come together) to ring too:
# the read that follows then covers them all, rather than one read now and another 5 s later.
_GATHER_SECONDS = 0.2
_HOLD_SECONDS = 120.0  # a read taking longer than this is taken to have died with its replica
_AT_ONCE = 8  # workspaces read together


class AlertReader:
    def __init__(
        self, jobs: Jobs, watch: AlertWatch, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self._jobs = jobs
        self._watch = watch
        self._clock = clock
        self._holder = secrets.token_hex(8)  # this replica
        self._rung = asyncio.Event()
        self._slots = asyncio.Semaphore(_AT_ONCE)

    def wake(self) -> None:
        """A doorbell rang on this replica: look for due reads now."""
        self._rung.set()

    async def read_due(self, now: datetime) -> int:
        """Read every workspace whose read is due and that no other replica reads; how many were read."""
        due = await self._jobs.due(JOB_PREFIX, now, DOORBELL_GAP_SECONDS)
        done = await asyncio.gather(*(self._read(name, now) for name in due))
        return sum(done)

    async def _read(self, name: str, now: datetime) -> bool:
        async with self._slots:
            if not await self._jobs.take(name, self._holder, now, _HOLD_SECONDS, DOORBELL_GAP_SECONDS):
                return False
            team_id = name.removeprefix(JOB_PREFIX)
            more = True
            try:
                more = await self._watch.read(team_id, now)
            except QoveryError as error:
                log.info(
                    "alerts: Qovery did not answer the read of workspace %s: %s",
                    team_id,
                    type(error).__name__,
                )
            except Exception:  # one workspace's trouble does not keep the others unread
                log.exception("alerts: the read of workspace %s failed", team_id)
            finally:
                if more:
                    await self._jobs.done(name, self._holder, now + READ_EVERY)
                else:
                    await self._jobs.forget(name, self._holder)  # nothing to watch until subscribed again
            return True

    async def keep_reading(self) -> None:
        while True:
            self._rung.clear()
            try:
                await self.read_due(self._clock())
            except Exception:
                log.exception("alerts: the reads could not run; trying again in a moment")
            try:
                async with asyncio.timeout(_LOOK_EVERY_SECONDS):
                    await self._rung.wait()
                await asyncio.sleep(_GATHER_SECONDS)
            except TimeoutError:
                pass
