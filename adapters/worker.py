"""The courier's workers: asyncio tasks started in the application's lifespan.

Each worker posts deliveries one after another and, when none is due, sleeps until the intake wakes it
or a short poll comes round (another replica may have stored one, a retry may have come due). Stopping
lets the posts under way finish for a few seconds; one still unfinished is taken again after its lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from bot.courier import Courier

__all__ = ["Workers"]

log = logging.getLogger(__name__)


class Workers:
    def __init__(self, courier: Courier, count: int = 4, poll_seconds: float = 0.5) -> None:
        self._courier = courier
        self._count = count
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._work(), name=f"courier-{n}") for n in range(self._count)]

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace_seconds: float = 10.0) -> None:
        self._stopping = True
        self._wake.set()
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
            except Exception:
                # The database may be restarting: wait a poll and try again, never die.
                log.exception("the courier could not take a delivery")
            if self._stopping:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), await self._idle_for())

    async def _idle_for(self) -> float:
        """Until the next delivery comes due (a channel's pace, a retry), or a poll for other replicas."""
        try:
            due = await self._courier.next_due()
        except Exception:
            return self._poll
        if due is None:
            return self._poll
        return min(self._poll, max(0.0, (due - datetime.now(UTC)).total_seconds()) + 0.005)
