"""Listener calls still running when the bot stops: most of a listener's work comes after its ack."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["ListenerWork"]


class ListenerWork:
    """Listener calls still running (most of their work comes after the ack): stopping waits for them a
    while, so that a command being answered during a restart is answered rather than dropped."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def track(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(listener)  # Bolt reads the arguments to give from the listener's own signature
        async def tracked(**arguments: Any) -> None:
            self._running += 1
            self._idle.clear()
            try:
                await listener(**arguments)
            finally:
                self._running -= 1
                if not self._running:
                    self._idle.set()

        return tracked

    async def finish(self, within_seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within_seconds)
