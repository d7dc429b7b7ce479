"""What the doctor keeps: its open findings per workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.doctor.diagnosis import Finding

__all__ = ["Findings"]


class Findings(Protocol):
    """The doctor's open findings per workspace."""

    async def record(self, team_id: str, found: list[Finding], now: datetime) -> list[Finding]:
        """The workspace's findings are now `found` (those no longer found are resolved); the new ones."""
        ...

    async def open(self, team_id: str) -> list[tuple[Finding, datetime]]:
        """The open findings, with when each was first seen; newest first."""
        ...
