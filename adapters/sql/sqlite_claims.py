"""The courier's claim on a SQLite file through a connection of its own: BEGIN IMMEDIATE, two UPDATEs
with RETURNING, COMMIT; four short hops to aiosqlite's thread rather than SQLAlchemy's checkout, its
passes through the execution machinery and the pool's reset (bench/run.py claim). SQLite has one
writer: the write lock taken at BEGIN IMMEDIATE makes the two UPDATEs one claim."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime
from typing import Any

import aiosqlite
from sqlalchemy import DateTime
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import SQLITE_PRAGMAS

__all__ = ["SqliteClaims"]

# A channel is free past Slack's pace and with no post under way.
_TAKE_CHANNEL = (
    "UPDATE channels SET busy_until = :lease WHERE rowid = ("
    "SELECT rowid FROM channels WHERE due_at <= :now"
    " AND (next_post_at IS NULL OR next_post_at <= :now) AND (busy_until IS NULL OR busy_until <= :now)"
    " ORDER BY due_at LIMIT 1) RETURNING team_id, channel_id"
)
_TAKE_OLDEST = (
    "UPDATE deliveries SET state = 'posting', claimed_until = :lease WHERE id = ("
    "SELECT id FROM deliveries WHERE team_id = :team AND channel_id = :channel AND ("
    "(state IN ('queued', 'retrying') AND next_attempt_at <= :now) "
    "OR (state = 'posting' AND claimed_until <= :now)) ORDER BY id LIMIT 1"
    ") RETURNING id, hook_id, kind, body, received_at, attempts, verified"
)
_COLUMNS = ("id", "hook_id", "kind", "body", "received_at", "attempts", "verified")


class SqliteClaims:
    def __init__(self, engine: AsyncEngine) -> None:
        (self._filename, *_), self._options = engine.dialect.create_connect_args(engine.url)
        self._to_text = DateTime(timezone=True).dialect_impl(engine.dialect).bind_processor(engine.dialect)
        self._connection: aiosqlite.Connection | None = None
        # One claim at a time on the connection (the courier's workers claim together; SQLite has one
        # writer anyway), and its opening too.
        self._one_at_a_time = asyncio.Lock()
        self._closed = False

    async def claim(self, now: datetime, lease: datetime) -> tuple[str, str, dict[str, Any] | None] | None:
        """The channel taken and its oldest due delivery claimed (None when it had none after all); None
        when no channel with work due is free."""
        async with self._one_at_a_time:
            return await self._claim(now, lease)

    async def _claim(self, now: datetime, lease: datetime) -> tuple[str, str, dict[str, Any] | None] | None:
        times = {"now": self._time(now), "lease": self._time(lease)}
        try:
            connection = self._connection or await self._open()
            await connection.execute("BEGIN IMMEDIATE")
            try:
                taken = await connection.execute_fetchall(_TAKE_CHANNEL, times)
                row = None
                if taken:
                    (team, channel), *_ = taken
                    found = await connection.execute_fetchall(
                        _TAKE_OLDEST, {**times, "team": team, "channel": channel}
                    )
                    row = dict(zip(_COLUMNS, next(iter(found)), strict=True)) if found else None
                await connection.execute("COMMIT")
            except BaseException:
                await connection.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise OperationalError("claim", None, error) from error
        if not taken:
            return None
        if row is not None:
            row["received_at"] = datetime.fromisoformat(row["received_at"])
            row["verified"] = bool(row["verified"])
        return team, channel, row

    def _time(self, moment: datetime) -> Any:
        return self._to_text(moment) if self._to_text else moment

    async def _open(self) -> aiosqlite.Connection:
        if self._closed:
            raise sqlite3.ProgrammingError("the bot is stopping")
        connection = await aiosqlite.connect(self._filename, **{**self._options, "isolation_level": None})
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        self._connection = connection
        return connection

    async def close(self) -> None:
        self._closed = True
        async with self._one_at_a_time:
            await self._close()

    async def _close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()
