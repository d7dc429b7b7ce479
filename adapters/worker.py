"""The courier's workers: asyncio tasks started in the application's lifespan.

Each worker posts deliveries one after another. An idle worker sleeps until roused: by the intake (a
delivery was stored), by a worker that just posted (more may be due), or by the pool's one alarm, set
for when the next delivery comes due (a channel's pace, a retry) or a short poll at the latest (another
replica may have stored one). One alarm, not a timer per worker: workers waking together would all ask
the database for the one delivery that came due. Stopping lets the posts under way finish for a few
seconds; one still unfinished is taken again after its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from bot.deliveries.courier import Courier

__all__ = ["Workers"]

log = logging.getLogger(__name__)

QUIET_SECONDS = 0.2  # wake-ups wait this long after a look found deliveries waiting, but none due


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
        self._paced = False  # the last look found deliveries waiting, none due
        self._deferred = False
        self._alarm: asyncio.TimerHandle | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._idle: set[asyncio.Task[None]] = set()  # waiting for a token: nothing to finish on stop

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"courier-{n}") for n in range(self._count)]

    def wake(self) -> None:
        """Rouse one idle worker: a delivery was stored. Right after a look found deliveries waiting but
        none due (paced channels, retries), the wake-up waits out a short quiet time, so that a burst of
        deliveries to paced channels makes one look at the database, not one per delivery. Otherwise
        (the queue was empty: a delivery after a quiet spell) a worker looks at once."""
        quiet = self._quiet_until - time.monotonic()
        if quiet <= 0:
            self._rouse()
        elif not self._deferred:
            self._deferred = True
            asyncio.get_running_loop().call_later(quiet, self._rouse_deferred)

    def _rouse_deferred(self) -> None:
        self._deferred = False  # only this one: other rousings must not start a second deferred one
        self._rouse()

    def _rouse(self) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._wake.put_nowait(None)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        self._stopping = True
        if self._alarm is not None:
            self._alarm.cancel()
        for task in self._idle:
            task.cancel()
        _, pending = await asyncio.wait(self._tasks, timeout=grace_seconds) if self._tasks else (set(), set())
        for task in pending:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _work(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self._stopping:
            if self._paced:
                # Paced: wake-ups wait while a worker looks too; those that came meanwhile rouse one
                # worker at the end of the quiet time.
                self._quiet_until = time.monotonic() + QUIET_SECONDS
            try:
                if await self._courier.run_one():
                    self._paced = False
                    self._rouse()  # more may be due: an idle worker takes the next while this one goes on
                    continue
                due = await self._courier.next_due()
                # Deliveries wait but none is due: rousing workers for new ones (to the same paced
                # channels, most likely) would only have them run the same query for a while.
                self._paced = due is not None
                self._quiet_until = time.monotonic() + QUIET_SECONDS if self._paced else 0.0
                self._set_alarm(due)
            except Exception:
                # The database may be restarting: the alarm's poll tries again; never die.
                log.exception("the courier could not take a delivery")
                self._set_alarm_in(self._poll)
            if self._stopping:
                return
            self._idle.add(me)
            try:
                await self._wake.get()
            finally:
                self._idle.discard(me)

    def _set_alarm(self, due: datetime | None) -> None:
        """For when the next delivery comes due, or a poll at the latest."""
        wait = self._poll
        if due is not None:
            wait = min(wait, max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.005)
        self._set_alarm_in(wait)

    def _set_alarm_in(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        when = loop.time() + seconds
        if self._alarm is not None and not self._alarm.cancelled() and self._alarm.when() <= when:
            return  # an earlier alarm is set: it rouses a worker, which sets the next
        if self._alarm is not None:
            self._alarm.cancel()
        self._alarm = loop.call_at(when, self._ring)

    def _ring(self) -> None:
        self._alarm = None
        self._rouse()
