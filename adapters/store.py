"""The database: engine, the tables, and schema migrations (Alembic, applied at start-up and by `migrate`).

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) is the way to run several replicas.
The table definitions here describe the current revision; the migrations in `migrations/versions/`
are the history that gets an older database there without losing rows.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, DateTime, MetaData, String, Table, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = [
    "MIGRATIONS",
    "create_engine",
    "current_revision",
    "head_revision",
    "hooks",
    "metadata",
    "migrate",
    "ping",
    "workspaces",
]

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same for every replica that migrates the same database.
_MIGRATION_LOCK_KEY = 0x51_0E_5A_C4
# A readiness probe that waits longer than this reports a database too slow to serve anyway.
_PING_SECONDS = 2.0

metadata = MetaData()

# One row per Slack workspace: the Qovery token it connected with `/qovery connect`, sealed.
workspaces = Table(
    "workspaces",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("qovery_token", String(1024)),
    Column("qovery_organization_id", String(64)),
    Column("connected_by", String(32)),
    Column("connected_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# One row per webhook target the bot hands to Qovery: `{PUBLIC_URL}/qovery/hooks/{id}` -> one channel.
hooks = Table(
    "hooks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("team_id", String(32), nullable=False, index=True),
    Column("channel_id", String(32), nullable=False, index=True),
    Column("channel_name", String(256)),
    Column("webhook_id", String(64), index=True),
    Column("secret", String(1024), nullable=False),
    Column("mode", String(16), nullable=False, server_default="update"),
    Column("created_by", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # pool_pre_ping: a PostgreSQL restart leaves dead pooled connections behind.
        return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while the worker writes; busy_timeout waits for a lock instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
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
