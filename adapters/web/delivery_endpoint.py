"""`POST /qovery/hooks/{hook_id}` in pure ASGI: the one route that takes Qovery's bursts.

Every delivery is stored before it is answered, so this route is the bot's speed. Starlette's router and
middlewares, and a Request and a Response object a call, cost more than the rest of the work besides the
database's: this endpoint, in front of the Starlette app, does without them. It answers what the route
answered (its body read by `adapters/web/request_bodies.py`, then `Intake`'s answer, or 503 when
the database does not take it), with what the middlewares give every request: the request id (header
and log lines), an access line with the route, never the hook id, and the route's metrics.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.web.logs import REQUEST_ID_HEADER, log_access, request_id, request_id_for
from adapters.web.metrics import Metrics
from adapters.web.request_bodies import BodyReader, Refused
from bot.deliveries.intake import UNAVAILABLE, Answer, Intake

__all__ = ["PATH", "SECRET_HEADERS", "DeliveryEndpoint"]

log = logging.getLogger(__name__)

PATH = "/qovery/hooks/{hook_id}"
_PREFIX = "/qovery/hooks/"
# Qovery's docs name the first, its OpenAPI the second (lower case: ASGI's header names).
SECRET_HEADERS = (b"qovery-secret", b"qovery-signature")
_TEXT = (b"content-type", b"text/plain; charset=utf-8")
_BROKEN = Answer(500, "internal_error")


class DeliveryEndpoint:
    def __init__(self, app: ASGIApp, intake: Intake, metrics: Metrics, bodies: BodyReader) -> None:
        self.app = app  # every other request
        self._intake = intake
        self._metrics = metrics
        self._bodies = bodies

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
        try:
            raw = await self._bodies.read(headers, receive)
        except Refused as refused:
            return refused.answer
        try:
            return await self._intake.receive(hook_id, secret.decode("latin-1") if secret else None, raw)
        except (SQLAlchemyError, OSError, TimeoutError):
            # Not stored, so not acknowledged: Qovery is told to come back, and nothing is lost.
            log.exception("a delivery could not be stored")
            return UNAVAILABLE
        except Exception:
            log.exception("a delivery could not be taken")  # a bug of ours: Qovery comes back later
            return _BROKEN


async def _answer(send: Send, answer: Answer, extra: list[tuple[bytes, bytes]]) -> None:
    body = answer.text.encode()
    headers = [_TEXT, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
