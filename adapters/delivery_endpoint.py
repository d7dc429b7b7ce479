"""`POST /qovery/hooks/{hook_id}` in pure ASGI: the one route that takes Qovery's bursts.

Every delivery is stored before it is answered, so this route is the bot's speed. Starlette's router and
middlewares, and a Request and a Response object a call, cost more than the rest of the work besides the
database's: this endpoint, in front of the Starlette app, does without them. It answers what the route
answered (its body read within `BODY_SECONDS` and at most 1 MiB, then `Intake`'s answer, or 503 when
the database does not take it), with what the middlewares give every request: the request id (header
and log lines), an access line with the route, never the hook id, and the route's metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.logs import REQUEST_ID_HEADER, log_access, request_id, request_id_for
from adapters.metrics import Metrics
from bot.intake import MAX_BODY_BYTES, TIMEOUT, TOO_LARGE, UNAVAILABLE, Answer, Intake

__all__ = ["BODY_SECONDS", "PATH", "SECRET_HEADERS", "DeliveryEndpoint"]

log = logging.getLogger(__name__)

PATH = "/qovery/hooks/{hook_id}"
_PREFIX = "/qovery/hooks/"
# Qovery's docs name the first, its OpenAPI the second (lower case: ASGI's header names).
SECRET_HEADERS = (b"qovery-secret", b"qovery-signature")
# A body still arriving after this long is a sender holding the connection open: refused.
BODY_SECONDS = 30.0
_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_BROKEN = Answer(500, "internal_error")


class _Refused(Exception):
    def __init__(self, answer: Answer) -> None:
        self.answer = answer


class _SlowBodies:
    """One watch over every body being read, rather than a timer armed and disarmed per request: a body
    still arriving `BODY_SECONDS` after its request began has its reading cancelled (within a tenth
    more)."""

    def __init__(self) -> None:
        self._reading: dict[asyncio.Task[Any], float] = {}  # the task reading a body -> its deadline
        self.late: set[asyncio.Task[Any]] = set()
        self._watch: asyncio.TimerHandle | None = None

    def start(self, task: asyncio.Task[Any]) -> None:
        loop = asyncio.get_running_loop()
        self._reading[task] = loop.time() + BODY_SECONDS
        if self._watch is None:
            self._watch = loop.call_later(BODY_SECONDS / 10, self._look)

    def done(self, task: asyncio.Task[Any]) -> None:
        self._reading.pop(task, None)
        self.late.discard(task)

    def _look(self) -> None:
        loop = asyncio.get_running_loop()
        now, self._watch = loop.time(), None
        for task, deadline in list(self._reading.items()):
            if deadline <= now:
                del self._reading[task]
                self.late.add(task)
                task.cancel()
        if self._reading:
            self._watch = loop.call_later(BODY_SECONDS / 10, self._look)


class DeliveryEndpoint:
    def __init__(self, app: ASGIApp, intake: Intake, metrics: Metrics) -> None:
        self.app = app  # every other request
        self._intake = intake
        self._metrics = metrics
        self._slow = _SlowBodies()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        hook_id = path[len(_PREFIX) :] if path.startswith(_PREFIX) else ""
        if scope["type"] != "http" or not hook_id or "/" in hook_id:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id_for(scope["headers"])
        token = request_id.set(rid)  # the request's log lines carry it
        status = _BROKEN.status  # unless an answer goes out
        try:
            if scope["method"] == "POST":
                answer = await self._receive(scope, receive, hook_id)
                headers = [(b"retry-after", str(answer.retry_after).encode())] if answer.retry_after else []
                if answer.status != 200:
                    self._metrics.deliveries_refused.labels(answer.text).inc()
            else:
                answer, headers = Answer(405, "Method Not Allowed"), [(b"allow", b"POST")]
            await _answer(send, answer, [*headers, (REQUEST_ID_HEADER, rid.encode())])
            status = answer.status
        finally:
            self._metrics.http_request(scope["method"], PATH, status, time.perf_counter() - started)
            log_access(scope["method"], path, status)
            request_id.reset(token)

    async def _receive(self, scope: Scope, receive: Receive, hook_id: str) -> Answer:
        headers = scope["headers"]
        secret = next((v for name in SECRET_HEADERS for k, v in headers if k == name), None)
        task = asyncio.current_task()
        assert task is not None
        self._slow.start(task)
        try:
            raw = await _body(headers, receive)
        except _Refused as refused:
            return refused.answer
        except asyncio.CancelledError:
            if task not in self._slow.late:
                raise  # the server is stopping, or the client went away
            task.uncancel()
            return TIMEOUT
        finally:
            self._slow.done(task)
        try:
            return await self._intake.receive(hook_id, secret.decode("latin-1") if secret else None, raw)
        except (SQLAlchemyError, OSError, TimeoutError):
            # Not stored, so not acknowledged: Qovery is told to come back, and nothing is lost.
            log.exception("a delivery could not be stored")
            return UNAVAILABLE
        except Exception:
            log.exception("a delivery could not be taken")  # a bug of ours: Qovery comes back later
            return _BROKEN


async def _body(headers: list[tuple[bytes, bytes]], receive: Receive) -> bytes:
    """The body, refused past MAX_BODY_BYTES before it is all read (and, by `_SlowBodies`, when it comes
    too slowly)."""
    declared = next((v for k, v in headers if k == b"content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _Refused(TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(TIMEOUT)  # gone before it finished sending: nothing to store
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(TOO_LARGE)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _answer(send: Send, answer: Answer, extra: list[tuple[bytes, bytes]]) -> None:
    body = answer.text.encode()
    headers = [_TEXT, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
