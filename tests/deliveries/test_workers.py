"""The courier's worker pool: how often idle workers look in the database, and how they stop.

The courier here only records when it is asked: what is under test is the pool's scheduling, which
decides the load an idle bot puts on its database (the courier's own work is tested end to end).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import cast

from adapters.worker import QUIET_SECONDS, Workers
from bot.deliveries.courier import Courier


class RecordingCourier:
    """Nothing is ever due but at `due`; records when it is asked for work."""

    def __init__(self, due_in_seconds: float | None) -> None:
        self.due = None if due_in_seconds is None else datetime.now(UTC) + timedelta(seconds=due_in_seconds)
        self.looks: list[float] = []
        self.looked = asyncio.Event()
        self._started = time.monotonic()

    async def run_one(self) -> bool:
        self.looks.append(time.monotonic() - self._started)
        self.looked.set()
        await asyncio.sleep(0.005)  # the query
        return False

    async def next_due(self) -> datetime | None:
        if self.due is not None and self.due <= datetime.now(UTC):
            self.due = None  # taken
        return self.due


def run_pool(courier: RecordingCourier, seconds: float, deliveries: int = 0) -> float:
    """Run four workers for `seconds`, `deliveries` stored evenly meanwhile; how long stopping took."""

    async def scenario() -> float:
        pool = Workers(cast(Courier, courier), count=4, poll_seconds=0.5)
        pool.start()
        for _ in range(deliveries):
            pool.wake()
            await asyncio.sleep(seconds / deliveries)
        await asyncio.sleep(0 if deliveries else seconds)
        started = time.monotonic()
        await pool.stop(grace_seconds=5)
        return time.monotonic() - started

    return asyncio.run(scenario())


def test_idle_workers_look_once_when_a_delivery_comes_due_not_once_each() -> None:
    courier = RecordingCourier(due_in_seconds=0.3)
    run_pool(courier, 1.1)
    first, later = courier.looks[:4], courier.looks[4:]
    assert max(first) < 0.1  # each worker looks once at start
    # Then one look at the due time and one a poll: four workers each with a timer made 4 + 4 + 8.
    assert 0.3 <= later[0] < 0.45
    assert len(later) <= 3


def test_a_stream_of_deliveries_to_a_paced_channel_makes_one_look_a_quiet_time() -> None:
    courier = RecordingCourier(due_in_seconds=10)  # the channel's pace: deliveries wait, none due for a while
    run_pool(courier, 1.5, deliveries=750)
    # Four at start, then one a quiet time and one a poll, give or take their edges (17 here, 30 when
    # wake-ups went through to every worker): not one a delivery, nor one a worker.
    assert len(courier.looks) <= 4 + 1.5 / QUIET_SECONDS + 1.5 / 0.5 + 6


def test_a_delivery_after_a_quiet_spell_is_looked_for_at_once() -> None:
    """The queue was empty: no quiet time holds the next delivery back (its card is due in 100 ms)."""
    courier = RecordingCourier(due_in_seconds=None)

    async def scenario() -> list[float]:
        pool = Workers(cast(Courier, courier), count=4, poll_seconds=5)
        pool.start()
        waits = []
        for _ in range(5):
            await asyncio.sleep(0.05)  # the first looks end, and found the queue empty
            courier.looked.clear()
            woken = time.monotonic()
            pool.wake()
            await asyncio.wait_for(courier.looked.wait(), 1)
            waits.append(time.monotonic() - woken)
        await pool.stop(grace_seconds=1)
        return waits

    assert max(asyncio.run(scenario())) < 0.05  # was up to QUIET_SECONDS (200 ms)


def test_idle_workers_stop_at_once() -> None:
    assert run_pool(RecordingCourier(due_in_seconds=None), 0.2) < 0.5
