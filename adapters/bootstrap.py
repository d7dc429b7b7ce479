"""The composition root: builds the real objects from the settings and hands them to the web app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from adapters.metrics import Metrics
from adapters.settings import Settings
from adapters.slack import build_bolt_app
from adapters.store import create_engine, migrate
from adapters.web import create_web_app

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> Starlette:
    engine = create_engine(settings.database_url)
    bolt = build_bolt_app(settings)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await migrate(engine)
        log.info("database ready at the latest schema revision")
        try:
            yield
        finally:
            await engine.dispose()

    app = create_web_app(bolt=bolt, engine=engine, metrics=metrics, lifespan=lifespan)
    app.state.engine = engine  # for tests and operators' tooling, never for request handlers
    return app
