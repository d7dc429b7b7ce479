"""`bot.subscriptions.ports.Hooks` on the database: the bot's end of each webhook, its secret sealed;
hooks found by deliveries are remembered a few seconds, since every delivery looks its hook up."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import String, any_, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.crypto import SecretBox
from adapters.sql.batching import Batcher
from adapters.sql.direct import DirectPool
from adapters.sql.tables import hooks
from bot.clock import utcnow
from bot.subscriptions.hooks import Hook, HookKind
from bot.subscriptions.options import HookSettings

__all__ = ["SqlHooks"]

# How long a hook found by a delivery is remembered, and how many are at most.
_HOOK_MEMORY_SECONDS = 10.0
_HOOKS_REMEMBERED = 10_000
_MANY = select(hooks).where(hooks.c.id.in_(bindparam("ids", expanding=True)))
_ANY = select(hooks).where(hooks.c.id == any_(bindparam("ids", type_=ARRAY(String))))  # PostgreSQL's


class SqlHooks:
    """`bot.subscriptions.ports.Hooks` on the database; hook secrets are sealed with the SecretBox."""

    def __init__(self, engine: AsyncEngine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box
        # Every delivery looks its hook up: under load, one query serves all that arrive together...
        self._lookups: Batcher[str, Hook | None] = Batcher(self._get_many)
        # ... and a hook found lately is not looked up again for a while: hooks change seldom. A change
        # made here forgets it at once; one made by another replica is seen within _HOOK_MEMORY_SECONDS.
        self._recent: dict[str, tuple[Hook, float]] = {}
        self._changes = 0  # a lookup that a change overtook is not remembered
        # PostgreSQL: the lookups of a burst of deliveries, one statement each through asyncpg.
        self._direct = DirectPool.of(engine)
        self._many = None if self._direct is None else self._direct.statement(_ANY)

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
                    kind=hook.kind.value,
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
        ids = list(set(hook_ids))
        if self._direct is not None and self._many is not None:
            rows: list[Mapping[Any, Any]] = await self._direct.run(self._many, ids=ids)
        else:
            async with self._engine.connect() as connection:
                rows = [row._mapping for row in await connection.execute(_MANY, {"ids": ids})]
        found = {row["id"]: self._hook(row) for row in rows}
        return [found.get(hook_id) for hook_id in hook_ids]

    async def get_in(self, connection: AsyncConnection, hook_id: str) -> Hook | None:
        """The hook, read in a transaction the caller holds (SQLite's engine has one connection)."""
        row = (await connection.execute(select(hooks).where(hooks.c.id == hook_id))).first()
        return None if row is None else self._hook(row._mapping)

    async def of_team(self, team_id: str) -> list[Hook]:
        query = (
            select(hooks)
            .where(
                hooks.c.team_id == team_id,
                hooks.c.revoked_at.is_(None),
                hooks.c.kind == HookKind.DELIVERIES.value,
            )
            .order_by(hooks.c.created_at)
        )
        async with self._engine.connect() as connection:
            return [self._hook(row._mapping) for row in await connection.execute(query)]

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

    async def revoke(self, hook_id: str) -> bool:
        statement = update(hooks).where(hooks.c.id == hook_id, hooks.c.revoked_at.is_(None))
        async with self._engine.begin() as connection:
            revoked = (await connection.execute(statement.values(revoked_at=utcnow()))).rowcount
        self._forget(hook_id)
        return bool(revoked)

    def _hook(self, row: Mapping[Any, Any]) -> Hook:
        kind = row["kind"]
        return Hook(
            id=row["id"],
            team_id=row["team_id"],
            channel_id=row["channel_id"],
            channel_name=row["channel_name"],
            secret=self._box.open(row["secret"], _secret_context(row["id"])),
            settings=HookSettings.from_json(row["settings"]),
            webhook_id=row["webhook_id"],
            created_by=row["created_by"],
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
            secret_seen=row["secret_seen_at"] is not None,
            kind=HookKind(kind) if kind in list(HookKind) else HookKind.DELIVERIES,
        )


def _secret_context(hook_id: str) -> str:
    return f"hook:{hook_id}:secret"
