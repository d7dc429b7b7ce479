"""The courier's worker pool: how often idle workers look in the database, and how they stop.

The courier here only records when it is asked: what is under test is the pool's scheduling, which
decides the load an idle bot puts on its database (the courier's own work is tested end to end).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import cast

from adapters.worker import Workers
from bot.courier import Courier


class RecordingCourier:
    """Nothing is ever due but at `due`; records when it is asked for work."""

    def __init__(self, due_in_seconds: float | None) -> None:
        self.due = None if due_in_seconds is None else datetime.now(UTC) + timedelta(seconds=due_in_seconds)
        self.looks: list[float] = []
        self._started = time.monotonic()

    async def run_one(self) -> bool:
        self.looks.append(time.monotonic() - self._started)
        return False

    async def next_due(self) -> datetime | None:
        if self.due is not None and self.due <= datetime.now(UTC):
            self.due = None  # taken
        return self.due


def run_pool(courier: RecordingCourier, seconds: float) -> float:
    """Run four workers for `seconds`; how long stopping them took."""

    async def scenario() -> float:
        pool = Workers(cast(Courier, courier), count=4, poll_seconds=0.5)
        pool.start()
        await asyncio.sleep(seconds)
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


def test_idle_workers_stop_at_once() -> None:
    assert run_pool(RecordingCourier(due_in_seconds=None), 0.2) < 0.5
