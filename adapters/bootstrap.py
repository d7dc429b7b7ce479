"""The composition root: builds the real objects from the settings and hands them to the web app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from adapters.crypto import SecretBox
from adapters.housekeeping import keep_forgetting
from adapters.listener_work import ListenerWork
from adapters.logs import keep_secrets_out_of_logs
from adapters.metrics import Metrics
from adapters.qovery import TIMEOUT as QOVERY_TIMEOUT
from adapters.qovery import QoveryClient, new_http_client
from adapters.queue import SqlDeliveryQueue
from adapters.settings import Settings
from adapters.slack_app import build_bolt_app
from adapters.slack_installations import SealedInstallationStore, seal_stored_tokens
from adapters.slack_listeners import SlackServices
from adapters.slack_poster import TokenFor, WebApiPoster
from adapters.sql_actions import SqlActions
from adapters.sql_cards import SqlCards
from adapters.sql_hooks import SqlHooks
from adapters.sql_outcomes import SqlOutcomes
from adapters.sql_personal_tokens import SqlPersonalTokens
from adapters.sql_workspaces import SqlWorkspaces
from adapters.store import create_engine, migrate
from adapters.web import create_web_app
from adapters.worker import Workers
from bot.access import Access, BotConfig
from bot.connection import Connection
from bot.courier import Courier, Pace
from bot.delivery_log import DeliveryLog
from bot.enrichment import Enrichment
from bot.environment_actions import EnvironmentActions
from bot.environments import EnvironmentViews
from bot.handlers import SlashCommands
from bot.intake import Intake
from bot.login import Login
from bot.lookups import Lookups
from bot.mentions import Mentions
from bot.ports import SlackFailure
from bot.qovery import QoveryApi
from bot.uninstall import Uninstall
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


def _bot_tokens(settings: Settings, store: AsyncInstallationStore | None) -> TokenFor:
    """Where the courier finds a workspace's bot token: the one configured, or its installation's,
    rotated first when it is about to expire (as Bolt does for requests from Slack)."""
    if settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()

        async def configured(_: str) -> str:
            return token

        return configured
    assert settings.slack_client_id is not None
    assert settings.slack_client_secret is not None
    rotator = AsyncTokenRotator(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        client=AsyncWebClient(base_url=settings.slack_api_base),
    )

    async def installed(team_id: str) -> str:
        bot = await store.async_find_bot(enterprise_id=None, team_id=team_id) if store else None
        if bot is None or not bot.bot_token:
            raise SlackFailure("the app is not installed in this workspace any more", permanent=True)
        rotated = await rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=120)
        if rotated is not None and store is not None:
            await store.async_save_bot(rotated)
            bot = rotated
        return str(bot.bot_token)

    return installed


def create_app(
    settings: Settings,
    *,
    qovery_timeout: httpx.Timeout = QOVERY_TIMEOUT,
    pace: Pace | None = None,
    workers: int = 4,
) -> Starlette:
    config = bot_config(settings)
    engine = create_engine(settings.database_url)
    box = SecretBox(settings.secret_key.get_secret_value())
    # The one pool to Qovery, for every token.
    qovery_http = new_http_client(settings.qovery_api_url, timeout=qovery_timeout)

    def qovery(token: str) -> QoveryApi:
        return QoveryClient(qovery_http, token)

    workspaces, hooks = SqlWorkspaces(engine, box), SqlHooks(engine, box)
    queue, cards = SqlDeliveryQueue(engine, hooks), SqlCards(engine)
    personal_tokens = SqlPersonalTokens(engine, box)
    access = Access(config, workspaces, qovery, personal_tokens)
    metrics = Metrics()
    stores = None
    if settings.slack_client_id is not None:
        stores = (
            SealedInstallationStore(settings.slack_client_id, engine, box),
            AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
        )
    poster = WebApiPoster(settings.slack_api_base, _bot_tokens(settings, stores[0] if stores else None))
    webhooks = WebhookCommands(config, access, hooks)
    connection = Connection(access, workspaces, qovery, box, settings.slash_command)
    login = Login(access, personal_tokens, qovery, settings.slash_command)
    delivery_log = DeliveryLog(access, queue)
    actions = SqlActions(engine)
    acting = EnvironmentActions(access, actions, cards, hooks, poster, settings.slash_command)
    views = EnvironmentViews(access)
    services = SlackServices(
        commands=SlashCommands(
            settings.slash_command, webhooks, connection, delivery_log, acting, views, login
        ),
        webhooks=webhooks,
        connection=connection,
        login=login,
        uninstall=Uninstall(access, hooks, workspaces, personal_tokens),
    )
    listener_work = ListenerWork()
    bolt = build_bolt_app(settings, services, stores, listener_work)
    keep_secrets_out_of_logs()
    enrichment = Enrichment(access, poster)
    mentions = Mentions(poster, enrichment.details_for)
    courier = Courier(
        queue,
        cards,
        poster,
        Lookups(access),
        pace or Pace(),
        on_outcome=lambda outcome, delivery, now: metrics.delivery_outcome(
            outcome, delivery.received_at, now
        ),
        enrichment=enrichment,
        outcomes=SqlOutcomes(engine),
        mentions=mentions,
        actions=actions,
    )
    pool = Workers(courier, count=workers)

    def stored(kind: str) -> None:
        metrics.deliveries_received.labels(kind).inc()
        pool.wake()

    intake = Intake(hooks, queue, stored)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await migrate(engine)
        log.info("database ready at the latest schema revision")
        if sealed := await seal_stored_tokens(engine, box):
            log.info("Slack tokens stored in the clear before this version sealed: %d rows", sealed)
        pool.start()
        forgetting = asyncio.create_task(keep_forgetting(engine), name="housekeeping")
        socket_mode = None
        if settings.slack_app_token is not None:
            # Commands and buttons come over Slack's WebSocket: no public URL needed for them.
            socket_mode = AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())
            await socket_mode.connect_async()  # type: ignore[no-untyped-call]  # Bolt leaves it untyped
        try:
            yield
        finally:
            if socket_mode is not None:
                await socket_mode.close_async()  # type: ignore[no-untyped-call]
            # Commands acknowledged but not yet answered get their answer (Qovery's timeout is 10 s).
            await listener_work.finish(within_seconds=12)
            forgetting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forgetting
            await pool.stop()
            await enrichment.close()
            await queue.close()
            await qovery_http.aclose()
            await engine.dispose()

    return create_web_app(
        bolt=bolt, engine=engine, intake=intake, metrics=metrics, queue_depth=queue.depth, lifespan=lifespan
    )
