"""The bot's stores and its clients of Slack and Qovery, built once from the settings: what the web app
(adapters/bootstrap.py) and the command line's `doctor` both stand on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import SecretBox
from adapters.qovery import TIMEOUT as QOVERY_TIMEOUT
from adapters.qovery import QoveryClient, new_http_client
from adapters.settings import Settings
from adapters.slack.installations import SealedInstallationStore
from adapters.slack.poster import TokenFor, WebApiPoster
from adapters.sql.actions import SqlActions
from adapters.sql.alerts import SqlAlertSubscriptions, SqlFirings, SqlSilences
from adapters.sql.cards import SqlCards
from adapters.sql.engine import create_engine
from adapters.sql.findings import SqlFindings
from adapters.sql.hooks import SqlHooks
from adapters.sql.jobs import SqlJobs
from adapters.sql.personal_tokens import SqlPersonalTokens
from adapters.sql.policies import SqlPolicies
from adapters.sql.queue import SqlDeliveryQueue
from adapters.sql.watches import SqlWatches
from adapters.sql.workspaces import SqlWorkspaces
from bot.access import Access, BotConfig
from bot.alerts.watch import AlertWatch
from bot.clock import utcnow
from bot.contents import DeploymentContents
from bot.deliveries.enrichment import Enrichment
from bot.deliveries.mentions import Mentions
from bot.doctor.doctor import Doctor
from bot.ports import SlackFailure
from bot.qovery import QoveryApi
from bot.watches.watches import DeploymentWatches

__all__ = ["Core", "bot_config", "build_core"]


def bot_config(settings: Settings) -> BotConfig:
    token = settings.qovery_api_token
    return BotConfig(
        public_url=settings.public_url,
        slash_command=settings.slash_command,
        admin_user_ids=frozenset(settings.admin_user_ids),
        default_qovery_token=token.get_secret_value() if token else None,
        default_organization_id=settings.qovery_organization_id,
    )


@dataclass
class Core:
    settings: Settings
    config: BotConfig
    engine: AsyncEngine
    box: SecretBox
    qovery_http: httpx.AsyncClient
    workspaces: SqlWorkspaces
    hooks: SqlHooks
    queue: SqlDeliveryQueue
    cards: SqlCards
    personal_tokens: SqlPersonalTokens
    actions: SqlActions
    findings: SqlFindings
    jobs: SqlJobs
    alert_subscriptions: SqlAlertSubscriptions
    firings: SqlFirings
    silences: SqlSilences
    watches: SqlWatches
    policies: SqlPolicies
    access: Access
    # Multi-workspace mode: Slack's installations and OAuth states, on this database.
    stores: tuple[AsyncInstallationStore, AsyncOAuthStateStore] | None
    poster: WebApiPoster
    doctor: Doctor

    def qovery(self, token: str) -> QoveryApi:
        return QoveryClient(self.qovery_http, token)

    async def close(self) -> None:
        await self.queue.close()
        await self.poster.close()
        await self.qovery_http.aclose()
        await self.engine.dispose()


def build_core(settings: Settings, qovery_timeout: httpx.Timeout = QOVERY_TIMEOUT) -> Core:
    config = bot_config(settings)
    engine = create_engine(settings.database_url)
    box = SecretBox(settings.secret_key.get_secret_value())
    qovery_http = new_http_client(settings.qovery_api_url, timeout=qovery_timeout)  # one pool, every token

    def qovery(token: str) -> QoveryApi:
        return QoveryClient(qovery_http, token)

    workspaces, hooks = SqlWorkspaces(engine, box), SqlHooks(engine, box)
    queue = SqlDeliveryQueue(engine, hooks)
    personal_tokens = SqlPersonalTokens(engine, box)
    access = Access(config, workspaces, qovery, personal_tokens)
    stores = None
    if settings.slack_client_id is not None:
        stores = (
            SealedInstallationStore(settings.slack_client_id, engine, box),
            AsyncSQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
        )
    poster = WebApiPoster(settings.slack_api_base, _bot_tokens(settings, stores[0] if stores else None))
    findings = SqlFindings(engine)
    return Core(
        settings=settings,
        config=config,
        engine=engine,
        box=box,
        qovery_http=qovery_http,
        workspaces=workspaces,
        hooks=hooks,
        queue=queue,
        cards=SqlCards(engine),
        personal_tokens=personal_tokens,
        actions=SqlActions(engine),
        findings=findings,
        jobs=SqlJobs(engine),
        alert_subscriptions=SqlAlertSubscriptions(engine),
        firings=SqlFirings(engine),
        silences=SqlSilences(engine),
        watches=SqlWatches(engine),
        policies=SqlPolicies(engine),
        access=access,
        stores=stores,
        poster=poster,
        doctor=Doctor(config, access, hooks, queue, findings, poster),
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


@dataclass
class Reads:
    """What reads Qovery's alert rules (the alerts' messages and the first minutes' watches), and the
    enrichment and mentions they share with the courier."""

    enrichment: Enrichment
    contents: DeploymentContents
    mentions: Mentions
    alerts: AlertWatch
    watches: DeploymentWatches


def build_reads(core: Core, clock: Callable[[], datetime] = utcnow) -> Reads:
    enrichment = Enrichment(core.access, core.poster, cards=core.cards)
    contents = DeploymentContents(core.access, core.poster, core.cards)
    enrichment.followed_by(contents)  # what each completed card's deployment carried
    mentions = Mentions(core.poster, enrichment.details_for)
    watches = DeploymentWatches(
        core.watches, core.cards, core.hooks, core.poster, mentions, core.jobs, enrichment.details_for
    )
    alerts = AlertWatch(
        core.access,
        core.alert_subscriptions,
        core.firings,
        core.silences,
        core.cards,
        core.poster,
        mentions,
        core.jobs,
        core.findings,
        clock=clock,
        also=[watches],
    )
    return Reads(enrichment, contents, mentions, alerts, watches)
