"""`bot.changefeed.ports.ChangeStore` on the database: the change feed's subscriptions, cursors and the
changes read, each kept once (the unique key decides between replicas and restarts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import aware, dialect_insert
from adapters.sql.tables import change_cursors, change_events, change_subscriptions
from bot.changefeed import Change, ChangeFilters, ChangeKind, ChangeSubscription, Cursor

__all__ = ["SqlChanges"]

_CHUNK = 500  # rows an insert carries


class SqlChanges:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def subscribe(self, subscription: ChangeSubscription) -> bool:
        row = {
            "team_id": subscription.team_id,
            "channel_id": subscription.channel_id,
            "filters": subscription.filters.to_json(),
            "created_by": subscription.created_by,
            "created_at": subscription.created_at,
        }
        try:
            async with self._engine.begin() as connection:
                await connection.execute(change_subscriptions.insert().values(row))
        except IntegrityError:
            return False  # the channel already gets it: of two subscribes at once, one is let in
        return True

    async def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        mine = (change_subscriptions.c.team_id == team_id) & (change_subscriptions.c.channel_id == channel_id)
        async with self._engine.begin() as connection:
            return bool((await connection.execute(delete(change_subscriptions).where(mine))).rowcount)

    async def forget_team(self, team_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(change_subscriptions).where(change_subscriptions.c.team_id == team_id)
            )
            await connection.execute(delete(change_cursors).where(change_cursors.c.team_id == team_id))

    async def subscriptions(self, team_id: str) -> list[ChangeSubscription]:
        query = select(change_subscriptions).where(change_subscriptions.c.team_id == team_id)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.order_by(change_subscriptions.c.created_at))).all()
        return [
            ChangeSubscription(
                row.team_id, row.channel_id, ChangeFilters.from_json(row.filters),
                aware(row.created_at) or row.created_at, row.created_by,
            )
            for row in rows
        ]  # fmt: skip

    async def cursor(self, team_id: str) -> Cursor | None:
        query = select(change_cursors).where(change_cursors.c.team_id == team_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        if row is None:
            return None
        return Cursor(aware(row.since) or row.since, aware(row.gap_to), aware(row.then), row.trouble)

    async def advance(self, team_id: str, cursor: Cursor) -> None:
        values = {
            "since": cursor.since,
            "gap_to": cursor.gap_to,
            "then": cursor.then,
            "trouble": cursor.trouble,
        }
        statement = dialect_insert(self._engine.dialect.name, change_cursors).values(
            team_id=team_id, **values
        )
        statement = statement.on_conflict_do_update(index_elements=[change_cursors.c.team_id], set_=values)
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def record(self, team_id: str, changes: list[Change]) -> int:
        rows = list({c.key: _row(team_id, c) for c in changes}.values())
        added = 0
        for start in range(0, len(rows), _CHUNK):
            statement = dialect_insert(self._engine.dialect.name, change_events).values(
                rows[start : start + _CHUNK]
            )
            statement = statement.on_conflict_do_nothing(
                index_elements=[change_events.c.team_id, change_events.c.key]
            )
            async with self._engine.begin() as connection:
                added += (await connection.execute(statement)).rowcount
        return added

    async def unposted(self, team_id: str) -> list[Change]:
        query = select(change_events).where(
            change_events.c.team_id == team_id, change_events.c.posted_at.is_(None)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.order_by(change_events.c.at, change_events.c.id))).all()
        return [_change(row) for row in rows]

    async def mark_posted(self, ids: list[int], now: datetime) -> None:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            async with self._engine.begin() as connection:
                await connection.execute(
                    update(change_events).where(change_events.c.id.in_(chunk)).values(posted_at=now)
                )

    async def claim(self, ids: list[int], now: datetime, until: datetime) -> bool:
        free = change_events.c.posting_until.is_(None) | (change_events.c.posting_until < now)
        async with self._engine.begin() as connection:
            # One UPDATE decides: of two replicas claiming at once, the database lets one match.
            claimed = await connection.execute(
                update(change_events)
                .where(change_events.c.id.in_(ids), change_events.c.posted_at.is_(None), free)
                .values(posting_until=until)
            )
            if claimed.rowcount == len(ids):
                return True
            # Another replica has some: this one gives back what it took.
            mine = change_events.c.id.in_(ids) & (change_events.c.posting_until == until)
            await connection.execute(update(change_events).where(mine).values(posting_until=None))
        return False

    async def mark_posted_to(self, ids: list[int], channel_ids: list[str]) -> None:
        reached = " " + " ".join(channel_ids)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            async with self._engine.begin() as connection:
                await connection.execute(
                    update(change_events)
                    .where(change_events.c.id.in_(chunk))
                    .values(
                        posted_to=func.coalesce(change_events.c.posted_to, "") + reached, posting_until=None
                    )
                )

    async def recent(
        self, team_id: str, since: datetime, triggered_by: tuple[str, ...] | None, limit: int = 20,
        *, project: str | None = None, environment: str | None = None,
    ) -> list[Change]:  # fmt: skip
        query = select(change_events).where(change_events.c.team_id == team_id, change_events.c.at >= since)
        # In the query, not after it: a flood of newer changes hides none of this person's or place's.
        if triggered_by is not None:
            query = query.where(
                func.lower(change_events.c.triggered_by).in_([p.lower() for p in triggered_by])
            )
        if project is not None:
            query = query.where(func.lower(change_events.c.project_name) == project.lower())
        if environment is not None:
            query = query.where(func.lower(change_events.c.environment_name) == environment.lower())
        query = query.order_by(change_events.c.at.desc(), change_events.c.id.desc()).limit(limit)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [_change(row) for row in rows]

    async def people(self, team_id: str, since: datetime, limit: int) -> list[str]:
        who = func.lower(change_events.c.triggered_by)
        query = select(who).where(change_events.c.team_id == team_id, change_events.c.at >= since)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query.distinct().order_by(who).limit(limit))).all()
        return [row[0] for row in rows]


def _row(team_id: str, change: Change) -> dict[str, Any]:
    return {
        "team_id": team_id,
        "key": change.key,
        "at": change.at,
        "kind": change.kind.value,
        "event_type": change.event_type[:64],
        "target_type": change.target_type[:64],
        "target_name": change.target_name[:200],
        "sub_target_type": change.sub_target_type[:64] if change.sub_target_type else None,
        "name": change.name[:200] if change.name else None,
        "origin": change.origin[:64] if change.origin else None,
        "triggered_by": change.triggered_by[:200],
        "project_name": change.project_name[:200],
        "environment_id": change.environment_id,
        "environment_name": change.environment_name[:200],
        "environment_type": change.environment_type[:16] if change.environment_type else None,
    }


def _change(row: Any) -> Change:
    return Change(
        key=row.key, at=aware(row.at) or row.at, kind=ChangeKind(row.kind), event_type=row.event_type,
        target_type=row.target_type, target_name=row.target_name, sub_target_type=row.sub_target_type,
        name=row.name, origin=row.origin, triggered_by=row.triggered_by, project_name=row.project_name,
        environment_id=row.environment_id, environment_name=row.environment_name,
        environment_type=row.environment_type, id=row.id, posted_to=frozenset((row.posted_to or "").split()),
    )  # fmt: skip
