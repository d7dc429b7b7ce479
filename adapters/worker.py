"""The courier's workers: asyncio tasks started in the application's lifespan.

Each worker posts deliveries one after another and, when none is due, sleeps until the intake wakes it
or a short poll comes round (another replica may have stored one, a retry may have come due). Stopping
lets the posts under way finish for a few seconds; one still unfinished is taken again after its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from bot.courier import Courier

__all__ = ["Workers"]

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.05  # after finding nothing due, wake-ups are ignored this long (next_due covers them)


class Workers:
    def __init__(self, courier: Courier, count: int = 4, poll_seconds: float = 0.5) -> None:
        self._courier = courier
        self._count = count
        self._poll = poll_seconds
        # One token at most: a wake-up rouses one idle worker, and a burst of deliveries rouses it once,
        # rather than every worker querying the database for each delivery stored.
        self._wake: asyncio.Queue[None] = asyncio.Queue(maxsize=1)
        self._stopping = False
        self._quiet_until = 0.0
        self._deferred = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"courier-{n}") for n in range(self._count)]

    def wake(self) -> None:
        """Rouse one idle worker: a delivery was stored. Right after a worker found nothing due, the
        wake-up waits out a short quiet time, so that a burst of deliveries to paced channels makes one
        look at the database, not one per delivery."""
        quiet = self._quiet_until - time.monotonic()
        if quiet <= 0:
            self._rouse()
        elif not self._deferred:
            self._deferred = True
            asyncio.get_running_loop().call_later(quiet, self._rouse)

    def _rouse(self) -> None:
        self._deferred = False
        with contextlib.suppress(asyncio.QueueFull):
            self._wake.put_nowait(None)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        self._stopping = True
        self._rouse()
        _, pending = await asyncio.wait(self._tasks, timeout=grace_seconds) if self._tasks else (set(), set())
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self) -> None:
        while not self._stopping:
            try:
                if await self._courier.run_one():
                    continue
                self._quiet_until = time.monotonic() + QUIET_SECONDS
            except Exception:
                # The database may be restarting: wait a poll and try again, never die.
                log.exception("the courier could not take a delivery")
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.get(), await self._idle_for())

    async def _idle_for(self) -> float:
        """Until the next delivery comes due (a channel's pace, a retry), or a poll for other replicas."""
        try:
            due = await self._courier.next_due()
        except Exception:
            return self._poll
        if due is None:
            return self._poll
        return min(self._poll, max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.005)
