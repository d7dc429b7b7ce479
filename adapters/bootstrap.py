"""The composition root: builds the real objects from the settings and hands them to the web app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette

from adapters.crypto import SecretBox
from adapters.metrics import Metrics
from adapters.qovery import TIMEOUT as QOVERY_TIMEOUT
from adapters.qovery import QoveryClient, new_http_client
from adapters.settings import Settings
from adapters.slack import SlackServices, build_bolt_app
from adapters.store import SqlHooks, SqlWorkspaces, create_engine, migrate
from adapters.web import create_web_app
from bot.access import Access, BotConfig
from bot.connection import Connection
from bot.qovery import QoveryApi
from bot.webhooks import WebhookCommands

__all__ = ["bot_config", "create_app"]

log = logging.getLogger(__name__)


def bot_config(settings: Settings) -> BotConfig:
    token = settings.qovery_api_token
    return BotConfig(
        public_url=settings.public_url,
        slash_command=settings.slash_command,
        admin_user_ids=frozenset(settings.admin_user_ids),
        default_qovery_token=token.get_secret_value() if token else None,
        default_organization_id=settings.qovery_organization_id,
    )


def create_app(settings: Settings, *, qovery_timeout: httpx.Timeout = QOVERY_TIMEOUT) -> Starlette:
    config = bot_config(settings)
    engine = create_engine(settings.database_url)
    box = SecretBox(settings.secret_key.get_secret_value())
    # The one pool to Qovery, for every token.
    qovery_http = new_http_client(settings.qovery_api_url, timeout=qovery_timeout)

    def qovery(token: str) -> QoveryApi:
        return QoveryClient(qovery_http, token)

    workspaces, hooks = SqlWorkspaces(engine, box), SqlHooks(engine, box)
    access = Access(config, workspaces, qovery)
    services = SlackServices(
        access=access,
        webhooks=WebhookCommands(config, access, hooks),
        connection=Connection(access, workspaces, qovery, box, settings.slash_command),
    )
    bolt = build_bolt_app(settings, services)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await migrate(engine)
        log.info("database ready at the latest schema revision")
        try:
            yield
        finally:
            await qovery_http.aclose()
            await engine.dispose()

    app = create_web_app(bolt=bolt, engine=engine, metrics=metrics, lifespan=lifespan)
    app.state.engine = engine  # for tests and operators' tooling, never for request handlers
    return app
