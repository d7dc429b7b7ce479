"""What the freezes keep: each workspace's freezes, numbered by their own id in `policy freeze list`."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.freezes.rules import Freeze

__all__ = ["FreezeRecords"]


class FreezeRecords(Protocol):
    async def add(self, team_id: str, freeze: Freeze, now: datetime) -> int: ...

    async def of_team(self, team_id: str) -> list[Freeze]:
        """The workspace's freezes that read, oldest first."""
        ...

    async def remove(self, team_id: str, freeze_id: int) -> bool: ...

    async def clear(self, team_id: str) -> int:
        """Every freeze of the workspace removed; how many."""
        ...
