"""Storing deliveries on a SQLite file through a connection of their own, one statement a batch.

Through SQLAlchemy's pool, storing a batch is a transaction of three hops to aiosqlite's thread (the
INSERT, the commit, the pool's reset on return) after a checkout; under load, those hops cost more than
writing the rows. Here a batch is one INSERT in autocommit, which SQLite makes atomic by itself: one hop.
The pool's writers and this one take SQLite's write lock in turn (busy timeout); each holds it for one
short transaction, so neither starves the other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy import Dialect, Table
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import SQLITE_PRAGMAS

__all__ = ["SqliteAppender"]


class SqliteAppender:
    def __init__(self, engine: AsyncEngine, table: Table, returning: Sequence[str]) -> None:
        # What SQLAlchemy would open: the same file, the same options.
        (self._filename, *_), self._options = engine.dialect.create_connect_args(engine.url)
        self._table = table.name
        self._returning = ", ".join(returning)
        self._to_driver = _conversions(engine.dialect, table)
        self._statements: dict[tuple[tuple[str, ...], int], str] = {}  # by columns and rows: a few sizes
        self._connection: aiosqlite.Connection | None = None  # opened at the first batch
        self._closed = False

    @staticmethod
    def fits(engine: AsyncEngine) -> bool:
        """Whether the engine's database is a SQLite file (an in-memory one is per connection)."""
        if engine.dialect.name != "sqlite":
            return False
        (filename, *_), _ = engine.dialect.create_connect_args(engine.url)
        return ":memory:" not in str(filename) and "mode=memory" not in str(filename)

    async def insert(self, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        """INSERT ... ON CONFLICT DO NOTHING of the rows, all with the same keys; the `returning`
        columns of those stored. Called by one task at a time (the batcher's)."""
        names = tuple(rows[0])
        sql = self._statements.get((names, len(rows))) or self._statement(names, len(rows))
        converted = [(i, self._to_driver[name]) for i, name in enumerate(names) if name in self._to_driver]
        parameters: list[Any] = []
        for row in rows:
            values = [row[name] for name in names]
            for i, convert in converted:
                values[i] = convert(values[i])
            parameters += values
        try:
            connection = self._connection or await self._open()
            return [tuple(row) for row in await connection.execute_fetchall(sql, parameters)]
        except sqlite3.Error as error:
            # As SQLAlchemy would raise it, so that callers handle one kind of database error.
            raise DBAPIError.instance(sql, None, error, sqlite3.Error) from error
        except ValueError as error:  # a value the driver cannot bind (a lone surrogate): the rows' fault
            raise DataError(sql, None, error) from error

    def _statement(self, names: tuple[str, ...], count: int) -> str:
        one_row = f"({', '.join('?' * len(names))})"
        columns, values = ", ".join(names), ", ".join([one_row] * count)
        # Names from the table's definition, every value bound: nothing here comes from a request.
        sql = f"INSERT INTO {self._table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING"  # noqa: S608
        sql += f" RETURNING {self._returning}"
        self._statements[(names, count)] = sql
        return sql

    async def _open(self) -> aiosqlite.Connection:
        if self._closed:
            raise sqlite3.ProgrammingError("the bot is stopping")  # answered 503: Qovery comes back
        connection = await aiosqlite.connect(self._filename, **{**self._options, "isolation_level": None})
        try:
            for pragma in SQLITE_PRAGMAS:
                await connection.execute(pragma)
        except BaseException:
            await connection.close()
            raise
        self._connection = connection
        return connection

    async def close(self) -> None:
        self._closed = True
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()


def _conversions(dialect: Dialect, table: Table) -> dict[str, Callable[[Any], Any]]:
    """The conversion to what the driver takes of each column that needs one, SQLAlchemy's own
    (datetimes become text, booleans integers); the others are bound as they are."""
    conversions: dict[str, Callable[[Any], Any]] = {}
    for column in table.columns:
        convert = column.type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            conversions[column.name] = convert
    return conversions
