"""`bot.alerts.ports` on the database: each channel's alert subscription, every firing with its message,
and the silences. A firing is added once per hook, rule and start: the unique constraint decides between
replicas reading at the same moment, so one firing is never posted twice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import aware, dialect_insert
from adapters.sql.tables import alert_firings, alert_silences, alert_subscriptions, hooks
from bot.alerts.blame import Blame
from bot.alerts.filters import AlertFilters
from bot.alerts.ports import AlertSubscription, Firing
from bot.alerts.rules import RuleView

__all__ = ["SqlAlertSubscriptions", "SqlFirings", "SqlSilences"]


class SqlAlertSubscriptions:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, subscription: AlertSubscription, now: datetime) -> bool:
        row = alert_subscriptions.c
        revoked = select(hooks.c.id).where(hooks.c.revoked_at.is_not(None))
        values = {
            "hook_id": subscription.hook_id,
            "team_id": subscription.team_id,
            "channel_id": subscription.channel_id,
            "receiver_id": subscription.receiver_id,
            "filters": subscription.filters.to_json(),
            "created_by": subscription.created_by,
            "created_at": now,
        }
        insert = dialect_insert(self._engine.dialect.name, alert_subscriptions).values(values)
        # Of two subscribes at once, the unique constraint lets one in; the other adds nothing.
        statement = insert.on_conflict_do_nothing(index_elements=[row.team_id, row.channel_id])
        async with self._engine.begin() as connection:
            # A row left by a hook revoked before its row went (a stop between the two) holds no channel.
            await connection.execute(
                delete(alert_subscriptions).where(
                    row.team_id == subscription.team_id,
                    row.channel_id == subscription.channel_id,
                    row.hook_id.in_(revoked),
                )
            )
            return bool((await connection.execute(statement.returning(row.hook_id))).first())

    async def attach(self, hook_id: str, receiver_id: str) -> bool:
        statement = (
            update(alert_subscriptions)
            .where(alert_subscriptions.c.hook_id == hook_id)
            .values(receiver_id=receiver_id)
        )
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)

    async def of_team(self, team_id: str) -> list[AlertSubscription]:
        return await self._where(alert_subscriptions.c.team_id == team_id)

    async def of_channel(self, team_id: str, channel_id: str) -> AlertSubscription | None:
        found = await self._where(
            alert_subscriptions.c.team_id == team_id, alert_subscriptions.c.channel_id == channel_id
        )
        return found[0] if found else None

    async def get(self, hook_id: str) -> AlertSubscription | None:
        found = await self._where(alert_subscriptions.c.hook_id == hook_id)
        return found[0] if found else None

    async def _where(self, *conditions: Any) -> list[AlertSubscription]:
        query = (
            select(alert_subscriptions)
            .join(hooks, hooks.c.id == alert_subscriptions.c.hook_id)
            .where(hooks.c.revoked_at.is_(None), *conditions)
            .order_by(alert_subscriptions.c.created_at)
        )
        async with self._engine.connect() as connection:
            return [_subscription(row) for row in await connection.execute(query)]

    async def remove(self, hook_id: str) -> bool:
        async with self._engine.begin() as connection:
            removed = await connection.execute(
                delete(alert_subscriptions).where(alert_subscriptions.c.hook_id == hook_id)
            )
            return bool(removed.rowcount)

    async def request_test(self, hook_id: str, user_id: str, now: datetime) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(alert_subscriptions)
                .where(alert_subscriptions.c.hook_id == hook_id)
                .values(test_requested_by=user_id, test_requested_at=now)
            )

    async def take_test(self, hook_id: str, since: datetime) -> str | None:
        row = alert_subscriptions.c
        async with self._engine.begin() as connection:
            found = (
                await connection.execute(
                    select(row.test_requested_by, row.test_requested_at).where(row.hook_id == hook_id)
                )
            ).first()
            asked_at = aware(found.test_requested_at) if found is not None else None
            if found is None or asked_at is None or asked_at < since:
                return None
            # Once: of two doorbells at once, the conditional UPDATE lets one take it.
            taken = await connection.execute(
                update(alert_subscriptions)
                .where(row.hook_id == hook_id, row.test_requested_at == found.test_requested_at)
                .values(test_requested_by=None, test_requested_at=None)
            )
        return str(found.test_requested_by) if taken.rowcount else None


def _subscription(row: Row[Any]) -> AlertSubscription:
    return AlertSubscription(
        hook_id=row.hook_id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        filters=AlertFilters.from_json(row.filters),
        receiver_id=row.receiver_id,
        created_by=row.created_by,
        test_requested_by=row.test_requested_by,
        test_requested_at=aware(row.test_requested_at),
    )


class SqlFirings:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, firing: Firing, now: datetime) -> Firing | None:
        values = {
            "hook_id": firing.hook_id,
            "team_id": firing.team_id,
            "channel_id": firing.channel_id,
            "rule_key": firing.rule.key,
            "starts_at": firing.starts_at,
            "rule": json.dumps(firing.rule.to_json()),
            "blame": json.dumps(firing.blame.to_json()) if firing.blame else None,
            "suppressed": firing.suppressed,
            "opened_at": now,
        }
        insert = dialect_insert(self._engine.dialect.name, alert_firings).values(values)
        statement = insert.on_conflict_do_nothing(
            index_elements=[alert_firings.c.hook_id, alert_firings.c.rule_key, alert_firings.c.starts_at]
        ).returning(alert_firings.c.id)
        async with self._engine.begin() as connection:
            added = (await connection.execute(statement)).scalar()
        if added is None:
            return None  # this firing was already taken
        return Firing(
            int(added), firing.hook_id, firing.team_id, firing.channel_id, firing.rule, firing.starts_at,
            suppressed=firing.suppressed, blame=firing.blame,
        )  # fmt: skip

    async def open_of_team(self, team_id: str) -> list[Firing]:
        query = (
            select(alert_firings)
            .where(alert_firings.c.team_id == team_id, alert_firings.c.told_resolved.is_(False))
            .order_by(alert_firings.c.id)
        )
        async with self._engine.connect() as connection:
            return [_firing(row) for row in await connection.execute(query)]

    async def get(self, firing_id: int) -> Firing | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(alert_firings).where(alert_firings.c.id == firing_id))
            ).first()
        return None if row is None else _firing(row)

    async def latest_of_channel(self, team_id: str, channel_id: str, limit: int) -> list[Firing]:
        query = (
            select(alert_firings)
            .where(alert_firings.c.team_id == team_id, alert_firings.c.channel_id == channel_id)
            .order_by(alert_firings.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [_firing(row) for row in await connection.execute(query)]

    async def posted(self, firing_id: int, message_ts: str) -> None:
        await self._set(firing_id, message_ts=message_ts)

    async def suppressed(self, firing_id: int, suppressed: bool) -> None:
        await self._set(firing_id, suppressed=suppressed)

    async def started(self, firing_id: int, starts_at: datetime) -> Firing:
        found = await self.get(firing_id)
        assert found is not None, "a firing read from the database"
        rule = replace(found.rule, start_unknown=False)
        await self._set(firing_id, starts_at=starts_at, rule=json.dumps(rule.to_json()))
        return replace(found, starts_at=starts_at, rule=rule)

    async def told_resolved(self, firing_id: int) -> None:
        await self._set(firing_id, told_resolved=True)

    async def resolve(self, firing_id: int, now: datetime) -> bool:
        return await self._set(firing_id, alert_firings.c.resolved_at.is_(None), resolved_at=now)

    async def acknowledge(self, firing_id: int, user_id: str, now: datetime) -> bool:
        unacknowledged = alert_firings.c.acknowledged_by.is_(None)
        return await self._set(firing_id, unacknowledged, acknowledged_by=user_id, acknowledged_at=now)

    async def _set(self, firing_id: int, *conditions: Any, **values: Any) -> bool:
        statement = update(alert_firings).where(alert_firings.c.id == firing_id, *conditions).values(values)
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)


def _firing(row: Row[Any]) -> Firing:
    try:
        rule = RuleView.from_json(json.loads(row.rule))
    except (ValueError, TypeError, AttributeError):
        rule = RuleView.from_json({"key": row.rule_key})
    try:
        blame = Blame.from_json(json.loads(row.blame)) if row.blame else None
    except ValueError:  # kept by an older bot, or damaged: the firing without the deployment it followed
        blame = None
    starts_at = aware(row.starts_at)
    assert starts_at is not None
    return Firing(
        id=row.id,
        hook_id=row.hook_id,
        team_id=row.team_id,
        channel_id=row.channel_id,
        rule=rule,
        starts_at=starts_at,
        resolved_at=aware(row.resolved_at),
        message_ts=row.message_ts,
        suppressed=row.suppressed,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=aware(row.acknowledged_at),
        blame=blame,
        told_resolved=row.told_resolved,
    )


class SqlSilences:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def silence(self, hook_id: str, rule_key: str, until: datetime, user_id: str) -> None:
        insert = dialect_insert(self._engine.dialect.name, alert_silences).values(
            hook_id=hook_id, rule_key=rule_key, until=until, by_user=user_id
        )
        statement = insert.on_conflict_do_update(
            index_elements=[alert_silences.c.hook_id, alert_silences.c.rule_key],
            set_={"until": until, "by_user": user_id},
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def unsilence(self, hook_id: str, rule_key: str) -> bool:
        statement = delete(alert_silences).where(
            alert_silences.c.hook_id == hook_id, alert_silences.c.rule_key == rule_key
        )
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)

    async def until(self, hook_id: str, rule_key: str, now: datetime) -> datetime | None:
        query = select(alert_silences.c.until).where(
            alert_silences.c.hook_id == hook_id,
            alert_silences.c.rule_key == rule_key,
            alert_silences.c.until > now,
        )
        async with self._engine.connect() as connection:
            found = (await connection.execute(query)).scalar()
        return aware(found)
