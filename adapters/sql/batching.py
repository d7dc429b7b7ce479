"""Coalescing concurrent database work: many callers, one round trip.

Each round trip to SQLite costs a thread hop or more, and each commit a lock; under load, callers that
arrive while one batch is being written wait for the next, which takes them all at once (group commit).
A caller still gets its own answer, and only once its batch is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["Batcher"]

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | Exception]]],
        max_size: int = 256,
        parallel: int = 1,
    ) -> None:
        self._run = run  # one result per item, in order; an exception is raised to that item's caller
        self._max_size = max_size
        # Batches written at once: one for SQLite (one writer); several for PostgreSQL, whose commits
        # overlap (the next batch need not wait for the last one's flush to disk).
        self._parallel = parallel
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._draining: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        # A task that has finished may not have left the set yet (its callback comes later): not counted.
        self._draining = {task for task in self._draining if not task.done()}
        if len(self._draining) < self._parallel:
            self._draining.add(asyncio.create_task(self._drain()))
        return await future

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._max_size], self._waiting[self._max_size :]
            try:
                results = await self._run([item for item, _ in batch])
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
            else:
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, Exception):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
