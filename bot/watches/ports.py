"""What the first minutes' watches keep: one watch per card of a success, in the database, so that a
restart loses none and one replica at a time keeps them (they are read with the alerts' reads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

__all__ = ["Watch", "WatchState", "Watches"]


class WatchState(StrEnum):
    OPEN = "open"  # watching
    QUIET = "quiet"  # over, no alert fired
    FIRED = "fired"  # an alert fired during the watch
    UNWATCHED = "unwatched"  # no alert rule watches the deployed services


@dataclass(frozen=True)
class Watch:
    """The first minutes after one deployment, as one card shows them."""

    card_id: int
    hook_id: str
    team_id: str
    environment_id: str
    services: tuple[str, ...]  # the deployed services' names; empty when the delivery did not say
    started_at: datetime
    until: datetime
    state: WatchState = WatchState.OPEN
    rules: int | None = None  # how many rules watch it, once read
    id: int = 0

    @property
    def minutes(self) -> int:
        return round((self.until - self.started_at).total_seconds() / 60)


class Watches(Protocol):
    async def add(self, watch: Watch) -> bool:
        """Keep a new watch; False when the card has one already (a replay, or another replica)."""
        ...

    async def open_of_team(self, team_id: str) -> list[Watch]: ...

    async def any_open(self, team_id: str) -> bool: ...

    async def update(self, watch: Watch, state: WatchState, rules: int | None) -> bool:
        """Move an open watch on; False when it was no longer as read (another read did it)."""
        ...
