"""What the doctor keeps: its open findings per workspace."""

from __future__ import annotations

from collections.abc import Set
from datetime import datetime
from typing import Protocol

from bot.doctor.diagnosis import EXAMINED, Finding, FindingKind

__all__ = ["Findings"]


class Findings(Protocol):
    """The doctor's open findings per workspace."""

    async def record(
        self, team_id: str, found: list[Finding], now: datetime, kinds: Set[FindingKind] = EXAMINED
    ) -> list[Finding]:
        """The workspace's findings of `kinds` are now those of `found` (those no longer found are
        resolved; other kinds are left as they are); the new ones."""
        ...

    async def open(self, team_id: str) -> list[tuple[Finding, datetime]]:
        """The open findings, with when each was first seen; newest first."""
        ...
