"""`bot.ports.PersonalTokens` on the database: users' own Qovery tokens, sealed with the SecretBox."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import SecretBox
from adapters.sql.engine import dialect_insert
from adapters.sql.tables import personal_tokens
from bot.clock import utcnow

__all__ = ["SqlPersonalTokens"]


class SqlPersonalTokens:
    def __init__(self, engine: AsyncEngine, box: SecretBox) -> None:
        self._engine = engine
        self._box = box

    async def get(self, team_id: str, user_id: str) -> str | None:
        query = select(personal_tokens.c.qovery_token).where(
            personal_tokens.c.team_id == team_id, personal_tokens.c.user_id == user_id
        )
        async with self._engine.connect() as connection:
            sealed = (await connection.execute(query)).scalar_one_or_none()
        return self._box.open(sealed, _context(team_id, user_id)) if sealed else None

    async def put(self, team_id: str, user_id: str, token: str) -> None:
        sealed = self._box.seal(token, _context(team_id, user_id))
        row = {"team_id": team_id, "user_id": user_id, "qovery_token": sealed, "created_at": utcnow()}
        statement = dialect_insert(self._engine.dialect.name, personal_tokens).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=[personal_tokens.c.team_id, personal_tokens.c.user_id],
            set_={"qovery_token": sealed, "created_at": row["created_at"]},
        )
        async with self._engine.begin() as connection:
            await connection.execute(statement)

    async def forget(self, team_id: str, user_id: str) -> bool:
        statement = delete(personal_tokens).where(
            personal_tokens.c.team_id == team_id, personal_tokens.c.user_id == user_id
        )
        async with self._engine.begin() as connection:
            return bool((await connection.execute(statement)).rowcount)

    async def forget_team(self, team_id: str) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(delete(personal_tokens).where(personal_tokens.c.team_id == team_id))


def _context(team_id: str, user_id: str) -> str:
    # Bound to its row: a sealed token copied to another user's row does not open.
    return f"personal:{team_id}:{user_id}:qovery_token"
