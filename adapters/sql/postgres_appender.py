"""Storing deliveries on PostgreSQL straight through asyncpg, one statement a batch.

Through SQLAlchemy, storing a batch costs a checkout with its ping, BEGIN, the INSERT and COMMIT: four
round trips and as many passes through SQLAlchemy's execution machinery, which under load cost more of the
one event loop than the database's work (bench/run.py ingest). Here a batch is one prepared statement,
its rows bound as arrays and unnested, in autocommit (one statement is its own transaction): one round
trip. The deliveries' trigger still tells each channel of its work. Errors come out as SQLAlchemy's, so
that callers tell the database's outage (OperationalError) from a row it refuses (DataError).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["DIRECT_FAILURES", "DirectPool", "PostgresAppender", "database_error"]

# Each column's array type, for unnest: the table's own columns (nothing here comes from a request).
_ARRAY_TYPES = {"INTEGER": "int[]", "BOOLEAN": "bool[]", "TEXT": "text[]", "DATETIME": "timestamptz[]"}
_CONNECTIONS = 4  # as many as batches written at once (adapters/sql/delivery_writes.py)


class DirectPool:
    """A few asyncpg connections of the bot's database, beside SQLAlchemy's pool, for the hot statements
    (storing a batch, a claim); opened at the first use."""

    def __init__(self, engine: AsyncEngine) -> None:
        _, options = engine.dialect.create_connect_args(engine.url)
        self._connect = {k: v for k, v in options.items() if k in _CONNECT_OPTIONS}
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()  # the workers and the intake ask at once: one pool
        self._closed = False

    @staticmethod
    def fits(engine: AsyncEngine) -> bool:
        return engine.dialect.name == "postgresql" and engine.dialect.driver == "asyncpg"

    async def get(self) -> asyncpg.Pool:
        if self._closed:
            raise OperationalError("connect", None, RuntimeError("the bot is stopping"))
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(min_size=1, max_size=_CONNECTIONS, **self._connect)
            return self._pool

    async def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


def database_error(statement: str, error: Exception) -> Exception:
    """An asyncpg error as SQLAlchemy's: a row the database refuses (DataError), or the database's own
    trouble (OperationalError); None for any other error, which is no database's."""
    if isinstance(error, asyncpg.DataError | asyncpg.CharacterNotInRepertoireError | ValueError):
        return DataError(statement, None, error)
    return OperationalError(statement, None, error)


# What asyncpg raises when the database or a row refuses: turned into SQLAlchemy's by `database_error`.
DIRECT_FAILURES = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError)


class PostgresAppender:
    def __init__(self, pool: DirectPool, table: Table, columns: Sequence[str], returning: Sequence[str]):
        self._pool = pool
        self._columns = tuple(columns)
        types = [_ARRAY_TYPES.get(str(table.c[name].type).split("(")[0], "text[]") for name in columns]
        arrays = ", ".join(f"${n}::{kind}" for n, kind in enumerate(types, start=1))
        names = ", ".join(columns)
        # Names and types from the table's definition, every value bound.
        self._sql = (
            f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {', '.join(returning)}"
        )

    async def insert(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """INSERT ... ON CONFLICT DO NOTHING of the rows; the `returning` columns of those stored."""
        arrays = [[row[name] for row in rows] for name in self._columns]
        try:
            pool = await self._pool.get()
            return [tuple(found) for found in await pool.fetch(self._sql, *arrays)]
        except DIRECT_FAILURES as error:
            raise database_error(self._sql, error) from error


_CONNECT_OPTIONS = {"host", "port", "user", "password", "database", "ssl", "server_settings", "timeout"}
