"""Reading a request's body, for both routes that take one (Slack's and Qovery's): refused (413) past
MAX_BODY_BYTES before it is all read, and (408) when it still arrives `BODY_SECONDS` after its request
began, or its sender goes away first.

One watch over every body being read, rather than a timer armed and disarmed per request: Qovery's route
takes bursts, and a timer each was a fair part of answering a delivery.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive

from bot.deliveries.intake import MAX_BODY_BYTES, TIMEOUT, TOO_LARGE, Answer

__all__ = ["BODY_SECONDS", "BodyReader", "Refused"]

# A body still arriving after this long is a sender holding the connection open: refused.
BODY_SECONDS = 30.0


class Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


class BodyReader:
    def __init__(self) -> None:
        self._reading: dict[asyncio.Task[Any], float] = {}  # the task reading a body -> its deadline
        self._late: set[asyncio.Task[Any]] = set()
        self._watch: asyncio.TimerHandle | None = None

    async def read(self, headers: list[tuple[bytes, bytes]], receive: Receive) -> bytes:
        """The body; `Refused` with the answer to give when it is too large or too slow."""
        task = asyncio.current_task()
        assert task is not None
        self._start(task)
        try:
            return await _body(headers, receive)
        except asyncio.CancelledError:
            if task not in self._late:
                raise  # the server is stopping
            task.uncancel()
            raise Refused(TIMEOUT) from None
        finally:
            self._reading.pop(task, None)
            self._late.discard(task)

    def _start(self, task: asyncio.Task[Any]) -> None:
        loop = asyncio.get_running_loop()
        self._reading[task] = loop.time() + BODY_SECONDS
        if self._watch is None:
            self._watch = loop.call_later(BODY_SECONDS / 10, self._look)

    def _look(self) -> None:
        """Cancel the reading of every body past its deadline (within a tenth more)."""
        loop = asyncio.get_running_loop()
        now, self._watch = loop.time(), None
        for task, deadline in list(self._reading.items()):
            if deadline <= now:
                del self._reading[task]
                self._late.add(task)
                task.cancel()
        if self._reading:
            self._watch = loop.call_later(BODY_SECONDS / 10, self._look)


async def _body(headers: list[tuple[bytes, bytes]], receive: Receive) -> bytes:
    declared = next((v for k, v in headers if k == b"content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Refused(TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Refused(TIMEOUT)  # gone before it finished sending: nothing to take
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Refused(TOO_LARGE)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
