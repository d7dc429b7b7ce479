"""`bot.ports.Workspaces` on the database: each workspace's Qovery token, sealed with the SecretBox."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import SecretBox
from adapters.sql.tables import workspaces
from bot.clock import utcnow
from bot.ports import Workspace

__all__ = ["SqlWorkspaces"]


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


def _token_context(team_id: str) -> str:
    return f"workspace:{team_id}:qovery_token"
