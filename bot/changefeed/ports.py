"""The change feed's ports: what the bot keeps of each change it read, the channels that get them, and
the cursor of each organization's reading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.changefeed.kinds import ChangeFilters, ChangeKind

__all__ = ["Change", "ChangeStore", "ChangeSubscription", "Cursor"]


@dataclass(frozen=True)
class Change:
    """One event of the audit log as the bot keeps it: names only, never a variable's or secret's value."""

    key: str  # the event told apart from every other (Qovery gives no id): see `change_key`
    at: datetime
    kind: ChangeKind
    event_type: str
    target_type: str
    target_name: str
    sub_target_type: str | None
    name: str | None  # a variable's or secret's name
    origin: str | None
    triggered_by: str
    project_name: str
    environment_id: str | None
    environment_name: str
    environment_type: str | None
    id: int | None = None
    posted_to: frozenset[str] = frozenset()  # channels its burst reached, while another's is to come

    @property
    def burst(self) -> tuple[str, str]:
        """Whose changes to what are one message: the same person, the same environment (or the
        organization, for access and what has no environment)."""
        place = "" if self.kind is ChangeKind.ACCESS else (self.environment_id or "")
        return self.triggered_by.lower(), place


@dataclass(frozen=True)
class ChangeSubscription:
    team_id: str
    channel_id: str
    filters: ChangeFilters
    created_at: datetime
    created_by: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Where the reading of an organization's audit log stands. `since` is inclusive: every event from
    it on is still to be read (those already kept are told apart by their key). While a read was cut (more
    events than one read takes), `gap_to` is the older window's end still to be read and `then` where
    `since` goes once it is."""

    since: datetime
    gap_to: datetime | None = None
    then: datetime | None = None
    trouble: str | None = None  # why the last read failed, in words (a 403, the plan's limit)


class ChangeStore(Protocol):
    async def subscribe(self, subscription: ChangeSubscription) -> bool:
        """False when the channel already gets the feed."""
        ...

    async def unsubscribe(self, team_id: str, channel_id: str) -> bool: ...

    async def subscriptions(self, team_id: str) -> list[ChangeSubscription]: ...

    async def forget_team(self, team_id: str) -> None:
        """Every subscription of the workspace, and its cursor, gone (the changes read stay their 90 days)."""
        ...

    async def cursor(self, team_id: str) -> Cursor | None: ...

    async def advance(self, team_id: str, cursor: Cursor) -> None: ...

    async def record(self, team_id: str, changes: list[Change]) -> int:
        """Keep the changes not kept yet (by key); how many were new."""
        ...

    async def unposted(self, team_id: str) -> list[Change]:
        """The changes kept and not yet posted, oldest first."""
        ...

    async def claim(self, ids: list[int], now: datetime, until: datetime) -> bool:
        """These changes' burst is this replica's to post until then; False when another posts it (or it
        is posted)."""
        ...

    async def mark_posted(self, ids: list[int], now: datetime) -> None: ...

    async def mark_posted_to(self, ids: list[int], channel_ids: list[str]) -> None:
        """These changes' burst reached these channels; another channel's is still to be posted."""
        ...

    async def recent(
        self, team_id: str, since: datetime, triggered_by: tuple[str, ...] | None, limit: int = 20,
        *, project: str | None = None, environment: str | None = None,
    ) -> list[Change]:  # fmt: skip
        """The newest changes kept since then, newest first: by these people, to this project and this
        environment (names in any case), when given."""
        ...

    async def people(self, team_id: str, since: datetime, limit: int) -> list[str]:
        """Who made the changes kept since then (lowercased), at most `limit` of them."""
        ...
