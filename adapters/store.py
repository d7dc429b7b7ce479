"""The database: engine, the tables, and schema migrations (Alembic, applied at start-up and by `migrate`).

SQLite (aiosqlite) is the embedded default; PostgreSQL (asyncpg) is the way to run several replicas.
The table definitions here describe the current revision; the migrations in `migrations/versions/`
are the history that gets an older database there without losing rows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapters.batching import Batcher
from adapters.crypto import SecretBox
from bot.subscriptions import Hook, HookSettings, Workspace, utcnow

__all__ = [
    "MIGRATIONS",
    "SLACK_SECRET_COLUMNS",
    "SQLITE_PRAGMAS",
    "SqlHooks",
    "SqlWorkspaces",
    "cards",
    "channels",
    "create_engine",
    "current_revision",
    "deliveries",
    "downgrade",
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
# How long a hook found by a delivery is remembered, and how many are at most.
_HOOK_MEMORY_SECONDS = 10.0
_HOOKS_REMEMBERED = 10_000
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
    # What the bot keeps of the hook's options (`bot.options.HookSettings`), as JSON: a new setting needs
    # no migration.
    Column("settings", Text, nullable=False, server_default="{}"),
    Column("created_by", String(32)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # When a delivery first came with the right secret: from then on, one without it is refused.
    Column("secret_seen_at", DateTime(timezone=True)),
)


# Every delivery Qovery made to a hook, stored before it is acknowledged, and its fate.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hook_id", String(64), nullable=False),
    Column("team_id", String(32), nullable=False),
    Column("channel_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("dedup_key", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("summary", String(200), nullable=False, server_default=""),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_until", DateTime(timezone=True)),
    Column("reason", String(500)),
    Column("posted_at", DateTime(timezone=True)),
    Column("message_ts", String(32)),
    # Whether it carried the hook's secret: one that did not is posted as plain content only.
    Column("verified", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("hook_id", "dedup_key", name="uq_deliveries_hook_dedup"),
    Index("ix_deliveries_due", "state", "next_attempt_at"),
    Index("ix_deliveries_channel", "team_id", "channel_id", "id"),
    Index("ix_deliveries_waiting", "team_id", "channel_id", "state", "next_attempt_at"),
)

# The message that shows a deployment in a hook's channel, so later events update it.
cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hook_id", String(64), nullable=False),
    Column("deployment_key", String(200), nullable=False),
    Column("message_ts", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("deployment", Text, nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_cards_hook_key", "hook_id", "deployment_key"),
)

# Per channel: when it may get its next message (Slack's rate limit) and whether a post is under way.
channels = Table(
    "channels",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("channel_id", String(32), primary_key=True),
    Column("next_post_at", DateTime(timezone=True)),
    Column("busy_until", DateTime(timezone=True)),
)


# What slack-sdk's installation tables hold that would let a reader act as the bot: sealed (see
# adapters/slack_installations.py).
SLACK_SECRET_COLUMNS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)

# Multi-workspace mode: slack-sdk's installation and OAuth state stores, on this database. Their
# definitions are slack-sdk's own; migration 0004 is a frozen copy of them.
slack_installations = AsyncSQLAlchemyInstallationStore.build_installations_table(
    metadata, "slack_installations"
)
slack_bots = AsyncSQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots")
# Except their secrets' columns, text since migration 0006: a sealed token is longer than slack-sdk's 200.
for _table in (slack_installations, slack_bots):
    Table(
        _table.name,
        metadata,
        *(Column(c.name, Text) for c in _table.columns if c.name in SLACK_SECRET_COLUMNS),
        extend_existing=True,
    )
slack_oauth_states = AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states")


def create_engine(database_url: str) -> AsyncEngine:
    """hide_parameters: a database error in the log never shows the values (hook ids, bodies, secrets)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        # pool_pre_ping: a PostgreSQL restart leaves dead pooled connections behind.
        return create_async_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
        )
    if url.database and url.database != ":memory:":
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # One connection: SQLite takes one writer at a time anyway, and writers queued here wait their turn
    # in order, where writers racing for SQLite's lock can starve past any busy timeout. (Deliveries are
    # stored through one more, in short single statements: see adapters/sqlite_appender.py.)
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=True)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
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


class SqlWorkspaces:
    """`bot.ports.Workspaces` on the database; tokens are sealed with the SecretBox."""

    def __init__(self, engine: AsyncEngine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    async def get(self, team_id: str) -> Workspace | None:
        async with self._engine.connect() as connection:
            row = (
                await connection.execute(select(workspaces).where(workspaces.c.team_id == team_id))
            ).first()
        if row is None:
            return None
        token = self._box.open(row.qovery_token, _token_context(team_id)) if row.qovery_token else None
        return Workspace(team_id, token, row.qovery_organization_id, row.connected_by)

    async def connect(self, team_id: str, token: str, organization_id: str, user_id: str) -> None:
        values = {
            "qovery_token": self._box.seal(token, _token_context(team_id)),
            "qovery_organization_id": organization_id,
            "connected_by": user_id,
            "connected_at": utcnow(),
        }
        async with self._engine.begin() as connection:
            found = await connection.execute(
                update(workspaces).where(workspaces.c.team_id == team_id).values(values)
            )
            if found.rowcount == 0:
                await connection.execute(
                    insert(workspaces).values(team_id=team_id, created_at=utcnow(), **values)
                )

    async def disconnect(self, team_id: str) -> bool:
        cleared = {
            "qovery_token": None,
            "qovery_organization_id": None,
            "connected_by": None,
            "connected_at": None,
        }
        async with self._engine.begin() as connection:
            result = await connection.execute(
                update(workspaces)
                .where(workspaces.c.team_id == team_id, workspaces.c.qovery_token.is_not(None))
                .values(cleared)
            )
        return bool(result.rowcount)


class SqlHooks:
    """`bot.ports.Hooks` on the database; hook secrets are sealed with the SecretBox."""

    def __init__(self, engine: AsyncEngine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box
        # Every delivery looks its hook up: under load, one query serves all that arrive together...
        self._lookups: Batcher[str, Hook | None] = Batcher(self._get_many)
        # ... and a hook found lately is not looked up again for a while: hooks change seldom. A change
        # made here forgets it at once; one made by another replica is seen within _HOOK_MEMORY_SECONDS.
        self._recent: dict[str, tuple[Hook, float]] = {}
        self._changes = 0  # a lookup that a change overtook is not remembered

    async def add(self, hook: Hook) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                insert(hooks).values(
                    id=hook.id,
                    team_id=hook.team_id,
                    channel_id=hook.channel_id,
                    channel_name=hook.channel_name,
                    webhook_id=hook.webhook_id,
                    secret=self._box.seal(hook.secret, _secret_context(hook.id)),
                    settings=hook.settings.to_json(),
                    created_by=hook.created_by,
                    created_at=hook.created_at,
                )
            )

    async def get(self, hook_id: str) -> Hook | None:
        now = time.monotonic()
        remembered = self._recent.get(hook_id)
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        changes = self._changes
        hook = await self._lookups.submit(hook_id)
        if hook is not None and changes == self._changes:
            if len(self._recent) >= _HOOKS_REMEMBERED:
                self._recent.clear()  # crude but bounded; the busy hooks are back after one lookup each
            self._recent[hook_id] = (hook, now + _HOOK_MEMORY_SECONDS)
        return hook

    def _forget(self, hook_id: str) -> None:
        self._changes += 1
        self._recent.pop(hook_id, None)

    async def _get_many(self, hook_ids: list[str]) -> list[Hook | None]:
        async with self._engine.connect() as connection:
            rows = await connection.execute(select(hooks).where(hooks.c.id.in_(set(hook_ids))))
            found = {row.id: self._hook(row) for row in rows}
        return [found.get(hook_id) for hook_id in hook_ids]

    async def get_in(self, connection: AsyncConnection, hook_id: str) -> Hook | None:
        """The hook, read in a transaction the caller holds (SQLite's engine has one connection)."""
        row = (await connection.execute(select(hooks).where(hooks.c.id == hook_id))).first()
        return None if row is None else self._hook(row)

    async def of_team(self, team_id: str) -> list[Hook]:
        query = (
            select(hooks)
            .where(hooks.c.team_id == team_id, hooks.c.revoked_at.is_(None))
            .order_by(hooks.c.created_at)
        )
        async with self._engine.connect() as connection:
            return [self._hook(row) for row in await connection.execute(query)]

    async def set_settings(self, hook_id: str, settings: HookSettings) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                update(hooks).where(hooks.c.id == hook_id).values(settings=settings.to_json())
            )
        self._forget(hook_id)

    async def secret_seen(self, hook: Hook) -> Hook:
        """Record that a delivery came with the hook's secret; the hook as it now is."""
        seen = replace(hook, secret_seen=True)
        async with self._engine.begin() as connection:
            await connection.execute(
                update(hooks)
                .where(hooks.c.id == hook.id, hooks.c.secret_seen_at.is_(None))
                .values(secret_seen_at=utcnow())
            )
        self._forget(hook.id)
        return seen

    async def revoke(self, hook_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(update(hooks).where(hooks.c.id == hook_id).values(revoked_at=utcnow()))
        self._forget(hook_id)

    def _hook(self, row: Row[Any]) -> Hook:
        return Hook(
            id=row.id,
            team_id=row.team_id,
            channel_id=row.channel_id,
            channel_name=row.channel_name,
            secret=self._box.open(row.secret, _secret_context(row.id)),
            settings=HookSettings.from_json(row.settings),
            webhook_id=row.webhook_id,
            created_by=row.created_by,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            secret_seen=row.secret_seen_at is not None,
        )


def _token_context(team_id: str) -> str:
    return f"workspace:{team_id}:qovery_token"


def _secret_context(hook_id: str) -> str:
    return f"hook:{hook_id}:secret"
