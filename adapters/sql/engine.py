"""The database: the engine, and schema migrations (Alembic, applied at start-up and by `migrate`).

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) is the way to run several replicas.
The tables are in adapters/sql/tables.py; the migrations in `migrations/versions/` are the history that gets
an older database there without losing rows. Each repository has a module of its own (sql_*.py, queue.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "MIGRATIONS",
    "SQLITE_PRAGMAS",
    "apply_sqlite_pragmas",
    "aware",
    "create_engine",
    "current_revision",
    "dialect_insert",
    "downgrade",
    "head_revision",
    "migrate",
    "ping",
]

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every replica that migrates the same database.
_MIGRATION_LOCK_KEY = 0x51_0E_5A_C4
# A readiness probe that waits longer than this reports a database too slow to serve anyway.
_PING_SECONDS = 2.0


def create_engine(database_url: str) -> AsyncEngine:
    """hide_parameters: a database error in the log never shows the values (hook ids, bodies, secrets)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # No ping before each checkout (a round trip and a pass through the pool's machinery on every
        # transaction, measured with bench/run.py fanout): a PostgreSQL restart leaves dead pooled
        # connections behind, and the first error on one of them (a disconnect) makes SQLAlchemy drop
        # every connection made before it; that one operation fails and is retried like any database
        # outage (the courier's record of a post, a claim, an answer of 503 to Qovery).
        return create_async_engine(url, pool_size=10, max_overflow=10, hide_parameters=True)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite takes one writer at a time anyway, and writers queued here wait their turn
    # in order, where writers racing for SQLite's lock can starve past any busy timeout. (Deliveries are
    # stored through one more, in short single statements: see adapters/sql/sqlite_appender.py.)
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", apply_sqlite_pragmas)
    return engine


SQLITE_PRAGMAS = (
    # WAL lets readers go on while the worker writes; busy_timeout waits for a lock instead of failing.
    "PRAGMA journal_mode=WAL",
    # In WAL mode, NORMAL syncs at checkpoints rather than at each commit: a committed delivery survives
    # the process being killed (the case that matters here), though not the machine losing power.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    "PRAGMA foreign_keys=ON",
)


def apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the latest by default), keeping every row."""

    def upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Replicas starting together must not run the same migration twice.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        command.upgrade(_alembic_config(connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the schema back to `revision`; every migration's downgrade keeps the rows."""
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: command.downgrade(_alembic_config(sync), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


async def ping(engine: AsyncEngine) -> bool:
    """True when the database answers a query within a couple of seconds."""
    try:
        async with asyncio.timeout(_PING_SECONDS), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means not ready; the reason goes to the log by the caller
        return False
    return True


def dialect_insert(dialect: str, table: Any) -> Any:
    """INSERT as the database spells it, for its ON CONFLICT clauses (DO NOTHING, DO UPDATE)."""
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def aware(moment: datetime | None) -> datetime | None:
    """A time read back from the database, in UTC: SQLite hands back naive datetimes."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
