"""Straight through asyncpg on PostgreSQL: a few connections beside SQLAlchemy's pool, for the statements
the bot runs for every delivery (storing a batch, a claim, a card's reads and writes, a post recorded).

Through SQLAlchemy each of them is a checkout, BEGIN, the statement and COMMIT: three round trips and as
many passes through SQLAlchemy's execution machinery, which under load cost more of the one event loop
than the database's own work (bench/run.py fanout, claim, ingest). Here each is one prepared statement in
autocommit (one statement is its own transaction): one round trip (a post recorded is one call of a
function whose statements follow one another: migration 0018). Errors come out as SQLAlchemy's, so that
callers tell the database's outage (OperationalError) from a row it refuses (DataError).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from typing import Any, cast

import asyncpg
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from adapters.sql.utc import as_utc

__all__ = ["DIRECT_FAILURES", "DirectPool", "DirectStatement", "database_error"]

# Twice the deliveries' batches written at once (adapters/sql/delivery_writes.py): the courier's workers
# (adapters/bootstrap.py) mostly wait on Slack, and each statement holds a connection for a millisecond.
# With SQLAlchemy's pool (20 at most), 28 a replica, within PostgreSQL's 100 for three replicas.
_CONNECTIONS = 8


class DirectPool:
    """The asyncpg connections of the bot's database; opened at the first use. One per engine
    (`DirectPool.of`), shared by the stores that use it; the delivery queue closes it."""

    def __init__(self, engine: AsyncEngine) -> None:
        _, options = engine.dialect.create_connect_args(engine.url)
        self._connect = {k: v for k, v in options.items() if k in _CONNECT_OPTIONS}
        self._dialect = engine.dialect
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()  # the workers and the intake ask at once: one pool
        self._closed = False

    @staticmethod
    def of(engine: AsyncEngine) -> DirectPool | None:
        """The engine's direct connections: None but on PostgreSQL through asyncpg."""
        if engine.dialect.name != "postgresql" or engine.dialect.driver != "asyncpg":
            return None
        if engine not in _POOLS:
            _POOLS[engine] = DirectPool(engine)
        return _POOLS[engine]

    def statement(self, statement: ClauseElement) -> DirectStatement:
        return DirectStatement(statement, self._dialect)

    async def get(self) -> asyncpg.Pool:
        if self._closed:
            raise OperationalError("connect", None, RuntimeError("the bot is stopping"))
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    min_size=1, max_size=_CONNECTIONS, reset=_unchanged, **self._connect
                )
            return self._pool

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """The rows of one statement, in autocommit."""
        try:
            return list(await (await self.get()).fetch(sql, *args))
        except DIRECT_FAILURES as error:
            raise database_error(sql, error) from error

    async def run(self, statement: DirectStatement, **values: Any) -> list[asyncpg.Record]:
        return await self.fetch(statement.sql, *statement.args(values))

    async def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


class DirectStatement:
    """A SQLAlchemy Core statement compiled once into asyncpg's text (its tables' own names and types),
    run with its bound parameters by name; a parameter not given keeps the value it was built with."""

    def __init__(self, statement: ClauseElement, dialect: Any) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql = str(compiled)
        self._names = list(compiled.positiontup or ())
        self._built = compiled.params

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        # Times in UTC, as the column type binds them through SQLAlchemy.
        return [as_utc(values[name] if name in values else self._built[name]) for name in self._names]


_POOLS: weakref.WeakKeyDictionary[AsyncEngine, DirectPool] = weakref.WeakKeyDictionary()


async def _unchanged(_: asyncpg.Connection) -> None:
    """A connection handed back needs no reset: the bot's statements run in autocommit and never change
    the session (no SET, LISTEN, advisory lock or temporary table), so asyncpg's RESET ALL round trip on
    every release would be wasted."""


def database_error(statement: str, error: Exception) -> Exception:
    """An asyncpg error as SQLAlchemy's: a row the database refuses (DataError), or the database's own
    trouble (OperationalError)."""
    if isinstance(error, asyncpg.DataError | asyncpg.CharacterNotInRepertoireError | ValueError):
        return DataError(statement, None, error)
    return OperationalError(statement, None, error)


# What asyncpg raises when the database or a row refuses: turned into SQLAlchemy's by `database_error`.
DIRECT_FAILURES = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError)

_CONNECT_OPTIONS = {"host", "port", "user", "password", "database", "ssl", "server_settings", "timeout"}
