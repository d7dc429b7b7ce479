"""Forgetting what is old: deliveries done with, deployment cards, and alert firings resolved and told,
after KEEP_DAYS; confirmations never confirmed after a day; the audit trail of actions from Slack after
AUDIT_KEEP_DAYS; silences that have ended; the change feed's changes after 90 days; Workflow Builder
steps' runs a day after they completed.

Every delivery keeps its whole body, so without this the database grows with every deployment for as
long as the bot runs. Each replica does it hourly; deleting is idempotent, so they need no coordination.
Deletes go a chunk a transaction, so that SQLite's one writer is never held up for long.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.tables import (
    actions,
    alert_firings,
    alert_silences,
    cards,
    change_events,
    deliveries,
    step_runs,
)
from bot.actions.plans import ActionState
from bot.changefeed import KEEP_DAYS as CHANGES_KEEP_DAYS
from bot.deliveries.ports import DeliveryState

__all__ = ["AUDIT_KEEP_DAYS", "KEEP_DAYS", "forget_old", "keep_forgetting"]

log = logging.getLogger(__name__)

KEEP_DAYS = 30
AUDIT_KEEP_DAYS = 400  # who did what from Slack: a year's audits, and a month to spare
_EVERY_SECONDS = 3600.0
_FIRST_AFTER_SECONDS = 60.0  # not in the rush of a start
_CHUNK = 500
DONE = DeliveryState.done()  # a delivery waiting or being posted is never forgotten


async def forget_old(engine: AsyncEngine, now: datetime) -> int:
    """Delete what is old (see above); how many rows."""
    before = now - timedelta(days=KEEP_DAYS)
    # A delivery done with ended at its last attempt; the (state, next_attempt_at) index finds them.
    old_deliveries = deliveries.c.state.in_(DONE) & (deliveries.c.next_attempt_at < before)
    unconfirmed = actions.c.state.in_([ActionState.PROPOSED, ActionState.DROPPED]) & (
        actions.c.created_at < now - timedelta(days=1)
    )
    audited = actions.c.created_at < now - timedelta(days=AUDIT_KEEP_DAYS)
    resolved = alert_firings.c.told_resolved.is_(True) & (alert_firings.c.resolved_at < before)
    async with engine.begin() as connection:
        over = delete(alert_silences).where(alert_silences.c.until < now)
        ended = (await connection.execute(over)).rowcount
        # A step's run is kept a day after it completed: long past any redelivery of its event.
        runs = delete(step_runs).where(step_runs.c.completed_at < now - timedelta(days=1))
        ended += (await connection.execute(runs)).rowcount
    return (
        await _delete(engine, deliveries, old_deliveries)
        + await _delete(engine, cards, cards.c.updated_at < before)
        + await _delete(engine, actions, unconfirmed | audited)
        + await _delete(engine, alert_firings, resolved)
        # The change feed's record outlives Qovery's own retention (3 to 30 days), for 90 days.
        + await _delete(engine, change_events, change_events.c.at < now - timedelta(days=CHANGES_KEEP_DAYS))
        + ended
    )


async def _delete(engine: AsyncEngine, table: Table, old: ColumnElement[bool]) -> int:
    forgotten = 0
    while True:
        chunk = select(table.c.id).where(old).limit(_CHUNK).scalar_subquery()
        async with engine.begin() as connection:
            deleted = (await connection.execute(delete(table).where(table.c.id.in_(chunk)))).rowcount
        forgotten += deleted
        if deleted < _CHUNK:
            return forgotten


async def keep_forgetting(engine: AsyncEngine) -> None:
    """Run `forget_old` hourly until cancelled; a failure (the database restarting) waits for the next."""
    await asyncio.sleep(_FIRST_AFTER_SECONDS)
    while True:
        try:
            forgotten = await forget_old(engine, datetime.now(UTC))
        except Exception:
            log.exception("old deliveries and cards could not be deleted; trying again in an hour")
        else:
            if forgotten:
                log.info("deleted %d old deliveries, cards and actions", forgotten)
        await asyncio.sleep(_EVERY_SECONDS)
