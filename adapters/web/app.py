"""The Starlette application: its routes, and nothing else (the objects it serves come from bootstrap)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from adapters.sql.engine import ping
from adapters.web.delivery_endpoint import DeliveryEndpoint
from adapters.web.logs import RequestIdMiddleware
from adapters.web.metrics import CONTENT_TYPE_LATEST, Metrics, MetricsMiddleware
from adapters.web.request_bodies import BodyReader, Refused
from bot.deliveries.intake import Intake

__all__ = ["create_web_app"]


Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


# What Slack sends: seconds since the epoch, and `v0=` with an HMAC-SHA256 in hex.
_SLACK_TIMESTAMP = re.compile(r"\d{1,12}")
_SLACK_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def _replaying(request: Request, body: bytes) -> Request:
    """The same request, its body read already: Bolt reads it again from here."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def _slack_headers_well_formed(request: Request) -> bool:
    """Whether the signature headers could be Slack's; Bolt checks the signature itself."""
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    return bool(_SLACK_TIMESTAMP.fullmatch(timestamp) and _SLACK_SIGNATURE.fullmatch(signature))


def create_web_app(
    *,
    bolt: AsyncApp,
    engine: AsyncEngine,
    intake: Intake,
    metrics: Metrics,
    queue_depth: Callable[[], Awaitable[int]],
    lifespan: Lifespan,
) -> ASGIApp:
    slack = AsyncSlackRequestHandler(bolt)
    bodies = BodyReader()  # one watch over the bodies being read, for both routes

    async def slack_requests(request: Request) -> Response:
        if request.method == "POST":
            # Refused before Bolt reads anything: a body past 1 MiB, a slow one, headers Slack never sends.
            try:
                body = await bodies.read(request.scope["headers"], request.receive)
            except Refused as refused:
                return PlainTextResponse(refused.answer.text, status_code=refused.answer.status)
            if not _slack_headers_well_formed(request):
                return PlainTextResponse("invalid_request", status_code=401)
            request = _replaying(request, body)
        return await slack.handle(request)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        if await ping(engine):
            return PlainTextResponse("ready")
        return PlainTextResponse("the database does not answer", status_code=503)

    async def metrics_text(_: Request) -> Response:
        # Without the database the gauge keeps its last value; the other metrics still answer.
        with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
            metrics.queue_depth.set(await queue_depth())
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    routes = [
        Route("/slack/events", slack_requests, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_text, methods=["GET"]),
    ]
    if bolt.oauth_flow is not None:
        routes += [
            Route("/slack/install", slack_requests, methods=["GET"]),
            Route("/slack/oauth_redirect", slack_requests, methods=["GET"]),
        ]
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(MetricsMiddleware, metrics=metrics),
    ]
    # Qovery's deliveries are answered in front of the Starlette app (see adapters/web/delivery_endpoint.py).
    return DeliveryEndpoint(
        Starlette(routes=routes, lifespan=lifespan, middleware=middleware),
        intake=intake,
        metrics=metrics,
        bodies=bodies,
    )
