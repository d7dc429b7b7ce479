"""`bot.doctor.ports.Findings` on the database: the doctor's open findings."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.engine import dialect_insert
from adapters.sql.tables import findings
from bot.doctor.diagnosis import EXAMINED, Finding, FindingKind

__all__ = ["SqlFindings"]


class SqlFindings:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(
        self, team_id: str, found: list[Finding], now: datetime, kinds: Set[FindingKind] = EXAMINED
    ) -> list[Finding]:
        found = [f for f in found if f.kind in kinds]
        keys = [f.key[:200] for f in found]
        mine = (findings.c.team_id == team_id) & findings.c.kind.in_([k.value for k in kinds])
        async with self._engine.begin() as connection:
            if not found:  # all resolved: nothing new (the alerts' reads come here every minute)
                await connection.execute(delete(findings).where(mine))
                return []
            known = set((await connection.execute(select(findings.c.key).where(mine))).scalars())
            gone = delete(findings).where(mine, findings.c.key.not_in(keys))
            await connection.execute(gone)
            rows = [_row(team_id, f, now) for f in found]
            statement = dialect_insert(self._engine.dialect.name, findings).values(rows)
            statement = statement.on_conflict_do_update(
                index_elements=[findings.c.team_id, findings.c.key],
                set_={"words": statement.excluded.words, "last_seen": statement.excluded.last_seen},
            )
            await connection.execute(statement)
        return [f for f in found if f.key[:200] not in known]

    async def open(self, team_id: str) -> list[tuple[Finding, datetime]]:
        query = select(findings).where(findings.c.team_id == team_id).order_by(findings.c.first_seen.desc())
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            (
                Finding(FindingKind(row.kind), row.subject, row.words, row.channel_id, row.hook_id),
                row.first_seen,
            )
            for row in rows
        ]


def _row(team_id: str, finding: Finding, now: datetime) -> dict[str, object]:
    return {
        "team_id": team_id,
        "key": finding.key[:200],
        "kind": finding.kind.value,
        "subject": finding.subject[:100],
        "words": finding.words,
        "channel_id": finding.channel_id,
        "hook_id": finding.hook_id,
        "first_seen": now,
        "last_seen": now,
    }
