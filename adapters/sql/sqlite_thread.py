"""The courier's statements on a SQLite file: a connection on a thread of its own, each transaction one
function run there whole.

Through SQLAlchemy's async engine, every statement on SQLite is four hops to aiosqlite's thread (a
cursor, the statement, its rows, the cursor closed), and a transaction two more (its commit, the pool's
reset); a card's claim, reads and writes were some twenty hops, and the thread switches cost more of the
machine than SQLite's work (bench/run.py fanout, measured with perf). Here a transaction is one hop: its
function runs on the thread with SQLAlchemy's synchronous Core (the same statements and types), between
BEGIN and COMMIT. SQLite has one writer: `write` takes the write lock at BEGIN IMMEDIATE, so that a
transaction that reads before it writes never loses its snapshot to another writer (the busy timeout
waits for the lock, on this thread, not the event loop's).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import apply_sqlite_pragmas
from adapters.sql.sqlite_appender import SqliteAppender

__all__ = ["SqliteThread", "in_transaction"]

T = TypeVar("T")


class SqliteThread:
    """One per engine (`SqliteThread.of`), shared by the stores that use it; the delivery queue closes
    it. Transactions run one after another, in the order they were asked for."""

    def __init__(self, engine: AsyncEngine) -> None:
        url = engine.url.set(drivername="sqlite")  # the same file, through the standard library's driver
        # One connection, made and used on the one thread (sqlite3's connections belong to their thread).
        self._engine: Engine = sqlalchemy.create_engine(
            url, pool_size=1, max_overflow=0, hide_parameters=True
        )
        event.listen(self._engine, "connect", _prepared)
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-courier")
        self._closed = False

    @staticmethod
    def of(engine: AsyncEngine) -> SqliteThread | None:
        """The engine's thread: None but on a SQLite file (an in-memory database is per connection)."""
        if not SqliteAppender.fits(engine):
            return None
        if engine not in _THREADS:
            _THREADS[engine] = SqliteThread(engine)
        return _THREADS[engine]

    async def read(self, work: Callable[[Connection], T]) -> T:
        """`work` in a transaction that only reads (BEGIN: no lock taken until it reads)."""
        return await self._run(partial(self._transaction, "BEGIN", work))

    async def write(self, work: Callable[[Connection], T]) -> T:
        """`work` in a transaction that writes, holding SQLite's write lock from its start."""
        return await self._run(partial(self._transaction, "BEGIN IMMEDIATE", work))

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=False)

    async def _run(self, transaction: Callable[[], T]) -> T:
        if self._closed:
            raise OperationalError("sqlite", None, RuntimeError("the bot is stopping"))
        return await asyncio.get_running_loop().run_in_executor(self._thread, transaction)

    def _transaction(self, begin: str, work: Callable[[Connection], T]) -> T:
        with self._engine.connect() as connection:
            connection.exec_driver_sql(begin)
            try:
                done = work(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
            return done


def _prepared(dbapi_connection: Any, record: Any) -> None:
    """The bot's pragmas; and transactions begun by `SqliteThread` itself (BEGIN IMMEDIATE when it
    writes), not by the driver, which would begin them deferred at the first write."""
    dbapi_connection.isolation_level = None
    apply_sqlite_pragmas(dbapi_connection, record)


_THREADS: weakref.WeakKeyDictionary[AsyncEngine, SqliteThread] = weakref.WeakKeyDictionary()


async def in_transaction(engine: AsyncEngine, work: Callable[[Connection], T], *, writes: bool = True) -> T:
    """`work` in one transaction: on a SQLite file, run whole on its thread (one hop); elsewhere through
    SQLAlchemy's async pool (`run_sync`: the same function, a statement at a time)."""
    thread = SqliteThread.of(engine)
    if thread is not None:
        return await (thread.write(work) if writes else thread.read(work))
    async with engine.begin() if writes else engine.connect() as connection:
        return await connection.run_sync(work)
