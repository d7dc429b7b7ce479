"""The Starlette application: its routes, and nothing else (the objects it serves come from bootstrap)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from adapters.metrics import CONTENT_TYPE_LATEST, Metrics, MetricsMiddleware
from adapters.store import ping

__all__ = ["create_web_app"]

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def create_web_app(*, bolt: AsyncApp, engine: AsyncEngine, metrics: Metrics, lifespan: Lifespan) -> Starlette:
    slack = AsyncSlackRequestHandler(bolt)

    async def slack_requests(request: Request) -> Response:
        return await slack.handle(request)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        if await ping(engine):
            return PlainTextResponse("ready")
        return PlainTextResponse("the database does not answer", status_code=503)

    async def metrics_text(_: Request) -> Response:
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
    return Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(MetricsMiddleware, metrics=metrics)]
    )
