"""The composition root: builds the real objects from the settings and hands them to the web app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from starlette.applications import Starlette
from starlette.types import ASGIApp

from adapters.alerts_schedule import AlertReader
from adapters.approvals_schedule import keep_expiring
from adapters.changefeed_schedule import ChangeReader
from adapters.core import build_core, build_reads
from adapters.digests_schedule import keep_summing_up
from adapters.doctor_schedule import keep_checking
from adapters.qovery import TIMEOUT as QOVERY_TIMEOUT
from adapters.queue_schedule import keep_following
from adapters.settings import Settings
from adapters.slack.app import build_bolt_app
from adapters.slack.installations import seal_stored_tokens
from adapters.slack.listener_work import ListenerWork
from adapters.slack.listeners import SlackServices
from adapters.slack.steps import SlackCompletions
from adapters.sql.engine import migrate
from adapters.sql.freezes import SqlFreezes
from adapters.sql.held import SqlHeldDeliveries, SqlHooksWithDigest
from adapters.sql.housekeeping import keep_forgetting
from adapters.sql.outcomes import SqlOutcomes
from adapters.sql.steps import SqlStepRuns
from adapters.steps_schedule import keep_following_steps
from adapters.web.app import create_web_app
from adapters.web.logs import keep_secrets_out_of_logs
from adapters.web.metrics import Metrics
from adapters.worker import Workers
from bot.actions.environment_actions import EnvironmentActions
from bot.actions.environments import EnvironmentViews
from bot.actions.login import Login
from bot.actions.queue import QueuedRequests
from bot.alerts.clicks import AlertClicks
from bot.alerts.subscribe import AlertCommands
from bot.approvals.audit import Audit
from bot.approvals.requests import Approvals
from bot.changefeed import ChangeCommands, ChangeFeed
from bot.commands.handlers import SlashCommands
from bot.connection.connect import Connection
from bot.connection.uninstall import Uninstall
from bot.deliveries.courier import Courier, Pace
from bot.deliveries.delivery_log import DeliveryLog
from bot.deliveries.intake import Intake
from bot.deliveries.lookups import Lookups
from bot.digests import Digests, QuietSummaries
from bot.doctor.home import AppHome
from bot.freezes import Freezes
from bot.promotion import Promotions
from bot.steps import Steps
from bot.subscriptions.webhooks import WebhookCommands
from bot.unfurls import Unfurls

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    qovery_timeout: httpx.Timeout = QOVERY_TIMEOUT,
    pace: Pace | None = None,
    # Posts at once across channels: a worker mostly waits on Slack (100 ms or more a post), so that four
    # sent a burst to 1,000 channels at 40 a second, sixteen at 160 (bench/run.py fanout).
    workers: int = 16,
) -> ASGIApp:
    core = build_core(settings, qovery_timeout)
    config, access, hooks, queue, poster = core.config, core.access, core.hooks, core.queue, core.poster
    metrics = Metrics()
    webhooks = WebhookCommands(config, access, hooks)
    connection = Connection(access, core.workspaces, core.qovery, core.box, settings.slash_command)
    login = Login(access, core.personal_tokens, core.qovery, settings.slash_command)
    freezes = Freezes(access, SqlFreezes(core.engine), settings.slash_command, settings.default_timezone)
    approvals = Approvals(
        access, core.policies, core.actions, poster, settings.slash_command, freezes=freezes
    )
    acting = EnvironmentActions(
        access, core.actions, core.cards, hooks, poster, settings.slash_command, gate=approvals
    )
    approvals.runs_with(acting)
    promotions = Promotions(access, core.actions, acting, core.cards, hooks, poster, settings.slash_command)
    acting.replans_with(promotions.replan)
    steps = Steps(
        access,
        acting,
        core.actions,
        hooks,
        SqlStepRuns(core.engine, core.box),
        SlackCompletions(settings.slack_api_base, poster.bot_token),
        promotions,
        settings.slash_command,
    )
    queued = QueuedRequests(access, core.actions, poster)
    audit = Audit(core.actions)
    reads = build_reads(core)
    enrichment, mentions, watch, watches = reads.enrichment, reads.mentions, reads.alerts, reads.watches
    reader = AlertReader(core.jobs, watch)
    alert_commands = AlertCommands(config, access, hooks, core.alert_subscriptions, watch, core.jobs)
    watch.on_ring = reader.wake
    change_reader = ChangeReader(core.jobs, ChangeFeed(access, core.changes, poster))
    change_commands = ChangeCommands(access, core.changes, core.jobs, poster)
    commands = SlashCommands(
        settings.slash_command,
        webhooks,
        connection,
        DeliveryLog(access, queue),
        acting,
        EnvironmentViews(access, core.actions),
        login,
        core.doctor,
        alert_commands,
        AlertClicks(core.firings, core.silences, watch, acting),
        approvals,
        audit,
        change_commands,
        promotions,
        freezes,
        queued,
    )
    services = SlackServices(
        commands=commands,
        webhooks=webhooks,
        connection=connection,
        login=login,
        uninstall=Uninstall(
            access,
            hooks,
            core.workspaces,
            core.personal_tokens,
            also=[alert_commands.forget_team, change_commands.forget_team],
        ),
        unfurls=Unfurls(access, poster),
        steps=steps,
        home=AppHome(
            config,
            access,
            core.workspaces,
            hooks,
            queue,
            core.findings,
            latest_actions=audit.latest_lines,
            freezes=freezes.lines,
        ),
    )
    listener_work = ListenerWork()
    bolt = build_bolt_app(settings, services, core.stores, listener_work)
    keep_secrets_out_of_logs()
    courier = Courier(
        queue,
        core.cards,
        poster,
        Lookups(access),
        pace or Pace(),
        on_outcome=lambda outcome, delivery, now: metrics.delivery_outcome(
            outcome, delivery.received_at, now
        ),
        enrichment=enrichment,
        outcomes=SqlOutcomes(core.engine),
        mentions=mentions,
        actions=core.actions,
        succeeded=watches,
        default_zone=settings.default_timezone,
        freezes=freezes,
    )
    pool = Workers(courier, count=workers)
    zone = settings.default_timezone
    summaries = QuietSummaries(SqlHeldDeliveries(core.engine), hooks, enrichment.details_for, zone)
    digests = Digests(SqlHooksWithDigest(core.engine, core.hooks), core.cards, queue, core.jobs, zone)

    def stored(kind: str) -> None:
        metrics.delivery_received(kind)
        pool.wake()

    intake = Intake(hooks, queue, stored, on_doorbell=watch.ring)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await migrate(core.engine)
        log.info("database ready at the latest schema revision")
        if sealed := await seal_stored_tokens(core.engine, core.box):
            log.info("Slack tokens stored in the clear before this version sealed: %d rows", sealed)
        pool.start()
        forgetting = asyncio.create_task(keep_forgetting(core.engine), name="housekeeping")
        checking = asyncio.create_task(keep_checking(core.engine, core.jobs, core.doctor), name="doctor")
        reading = asyncio.create_task(reader.keep_reading(), name="alerts")
        feeding = asyncio.create_task(change_reader.keep_reading(), name="changes")
        expiring = asyncio.create_task(keep_expiring(core.jobs, approvals), name="approvals")
        following = asyncio.create_task(keep_following(core.jobs, queued), name="queue")
        stepping = asyncio.create_task(keep_following_steps(core.jobs, steps), name="steps")
        summing = asyncio.create_task(
            keep_summing_up(core.jobs, summaries, digests, pool.wake), name="digests"
        )
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
            for task in (forgetting, checking, reading, feeding, expiring, following, summing, stepping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await pool.stop()
            await enrichment.close()
            await reads.contents.close()
            await core.close()

    return create_web_app(
        bolt=bolt,
        engine=core.engine,
        intake=intake,
        metrics=metrics,
        queue_depth=queue.depth,
        lifespan=lifespan,
    )
