"""Storing new deliveries: the write side of the queue (adapters/sql/queue.py takes them from there).

Deliveries that arrive together are committed together, in one INSERT (group commit); on SQLite through
a connection of their own (adapters/sql/sqlite_appender.py). A duplicate (same key) is skipped; a body key
first seen before the duplicate window began is retired so that the body comes in again. A row the
database refuses fails alone: the others of its batch are stored and answered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Update, cast, update
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.batching import Batcher
from adapters.sql.direct import DirectPool
from adapters.sql.engine import dialect_insert
from adapters.sql.postgres_appender import PostgresAppender
from adapters.sql.sqlite_appender import SqliteAppender
from adapters.sql.tables import deliveries
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.intake import DEDUP_WINDOW_SECONDS
from bot.deliveries.ports import DeliveryState
from bot.subscriptions.hooks import Hook

__all__ = ["STORED_COLUMNS", "DeliveryWrites", "insert_ignoring_duplicates", "new_delivery"]

# What storing a delivery writes (`new_delivery` gives exactly these).
STORED_COLUMNS = (
    "hook_id",
    "team_id",
    "channel_id",
    "kind",
    "dedup_key",
    "body",
    "summary",
    "received_at",
    "state",
    "attempts",
    "next_attempt_at",
    "verified",
)


def insert_ignoring_duplicates(dialect: str, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, which each database spells through its own dialect."""
    return dialect_insert(dialect, table).on_conflict_do_nothing()


def new_delivery(
    hook: Hook, kind: DeliveryKind, body: str, dedup_key: str, summary: str, now: datetime, *, verified: bool
) -> dict[str, Any]:
    """The row of a delivery stored, waiting to be posted at once: exactly STORED_COLUMNS."""
    return {
        "hook_id": hook.id,
        "team_id": hook.team_id,
        "channel_id": hook.channel_id,
        "kind": kind,
        "dedup_key": dedup_key,
        "body": body,
        "summary": summary,
        "received_at": now,
        "state": DeliveryState.QUEUED,
        "attempts": 0,
        "next_attempt_at": now,
        "verified": verified,
    }


class DeliveryWrites:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        direct = DirectPool.of(engine)
        # Deliveries that arrive together are committed together: one transaction, one INSERT. Sixteen
        # at most: while one batch is written, the event loop reads the next requests, rather than all of
        # them waiting on one large batch with the loop idle (measured with bench/run.py ingest).
        # SQLite has one writer; PostgreSQL's commits overlap, so several batches go at once.
        parallel = 1 if engine.dialect.name == "sqlite" else 4
        self._additions: Batcher[dict[str, Any], bool] = Batcher(
            self._add_many, max_size=16, parallel=parallel
        )
        # One statement a batch, straight through the driver (an in-memory SQLite goes through the pool).
        returning = ["hook_id", "dedup_key"]
        self._appender: SqliteAppender | PostgresAppender | None = None
        if SqliteAppender.fits(engine):
            self._appender = SqliteAppender(engine, deliveries, returning)
        elif direct is not None:
            self._appender = PostgresAppender(direct, deliveries, STORED_COLUMNS, returning)

    async def add(self, row: dict[str, Any]) -> bool:
        """Store a delivery's row; False when it is a duplicate of one stored."""
        return await self._additions.submit(row)

    async def close(self) -> None:
        if isinstance(self._appender, SqliteAppender):
            await self._appender.close()

    async def _add_many(self, rows: list[dict[str, Any]]) -> list[bool | Exception]:
        """Store the rows; for each, whether it was new (False: a duplicate of one stored), or why not."""
        try:
            return await self._store(rows)
        except (OperationalError, InterfaceError):
            raise  # the database did not answer: the whole batch is answered 503, and nothing is lost
        except (StatementError, ValueError):  # ValueError: a value the driver cannot encode
            if len(rows) == 1:
                raise
        # The database refused something in the batch: each row on its own, so that only it fails.
        answers: list[bool | Exception] = []
        for row in rows:
            try:
                answers += await self._store([row])
            except (OperationalError, InterfaceError):
                raise
            except (StatementError, ValueError) as error:
                answers.append(error)
        return answers

    async def _store(self, rows: list[dict[str, Any]]) -> list[bool | Exception]:
        stored = await self._insert_new(rows)
        # A body seen before the duplicate window began is new again: its old key is retired (rare,
        # so only looked for when a body was refused as a duplicate).
        again = [row for row in rows if _key(row) not in stored and row["dedup_key"].startswith("body:")]
        if again:
            window_start = again[0]["received_at"] - timedelta(seconds=DEDUP_WINDOW_SECONDS)
            async with self._engine.begin() as connection:
                retired = await connection.execute(_retire_body_keys(again, window_start))
            if retired.rowcount:
                stored |= await self._insert_new(again)
        seen: set[tuple[str, str]] = set()
        answers: list[bool | Exception] = []
        for row in rows:
            answers.append(_key(row) in stored and _key(row) not in seen)  # a duplicate in the batch too
            seen.add(_key(row))
        return answers

    async def _insert_new(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """INSERT the rows, skipping duplicates; the (hook, key) of those stored. (Each channel's row, where
        the courier looks for work, is made and told of its work by the deliveries' trigger.)"""
        if self._appender is not None:
            return {(hook_id, dedup_key) for hook_id, dedup_key in await self._appender.insert(rows)}
        statement = insert_ignoring_duplicates(self._engine.dialect.name, deliveries).returning(
            deliveries.c.hook_id, deliveries.c.dedup_key
        )
        async with self._engine.begin() as connection:
            return {(row.hook_id, row.dedup_key) for row in await connection.execute(statement, rows)}


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return row["hook_id"], row["dedup_key"]


def _retire_body_keys(rows: list[dict[str, Any]], window_start: datetime) -> Update:
    """The rows' body keys, where first seen before the window starts, renamed out of the way (kept
    unique by the old row's id): the same body may come in again."""
    return (
        update(deliveries)
        .where(
            deliveries.c.hook_id.in_({row["hook_id"] for row in rows}),
            deliveries.c.dedup_key.in_({row["dedup_key"] for row in rows}),
            deliveries.c.received_at < window_start,
        )
        .values(dedup_key=deliveries.c.dedup_key + "~" + cast(deliveries.c.id, String))
    )
