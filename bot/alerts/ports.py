"""What the alerts keep: each channel's subscription, every firing with its message, the silences. All in
the database, so that a restart loses no open firing, acknowledgement or silence, and two replicas never
post one firing twice (a firing is added once: the database keeps one per hook, rule and start)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.alerts.blame import Blame
from bot.alerts.filters import AlertFilters
from bot.alerts.rules import RuleView
from bot.qovery import AlertRuleList

__all__ = ["AlertSubscription", "AlertSubscriptions", "Firing", "Firings", "RulesReader", "Silences"]


@dataclass(frozen=True)
class AlertSubscription:
    """A channel's alerts: its hook (the receiver's `webhook_url`), Qovery's receiver (None when Qovery
    refused it: the bot's own reads alone keep the channel told) and its filters."""

    hook_id: str
    team_id: str
    channel_id: str
    filters: AlertFilters
    receiver_id: str | None
    created_by: str | None = None
    test_requested_by: str | None = None
    test_requested_at: datetime | None = None


@dataclass(frozen=True)
class Firing:
    """One firing of one rule in one channel, and its message."""

    id: int
    hook_id: str
    team_id: str
    channel_id: str
    rule: RuleView
    starts_at: datetime
    resolved_at: datetime | None = None
    message_ts: str | None = None  # None: not posted yet (Slack failed): posted at the next read
    suppressed: bool = False  # SUPPRESSED at Qovery
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    blame: Blame | None = None
    told_resolved: bool = False  # the reply in its thread that says it is resolved

    @property
    def open(self) -> bool:
        return self.resolved_at is None


class AlertSubscriptions(Protocol):
    async def add(self, subscription: AlertSubscription, now: datetime) -> bool:
        """Keep the channel's subscription (its hook added already); False when the channel has one
        (another subscribe took it first: the database decides)."""
        ...

    async def attach(self, hook_id: str, receiver_id: str) -> bool:
        """Its receiver at Qovery, once made; False when the subscription is gone meanwhile."""
        ...

    async def of_team(self, team_id: str) -> list[AlertSubscription]:
        """The workspace's subscriptions whose hook is not revoked."""
        ...

    async def of_channel(self, team_id: str, channel_id: str) -> AlertSubscription | None: ...

    async def get(self, hook_id: str) -> AlertSubscription | None: ...

    async def remove(self, hook_id: str) -> bool:
        """Forget the subscription (its hook is revoked by the caller); False when it was gone."""
        ...

    async def request_test(self, hook_id: str, user_id: str, now: datetime) -> None: ...

    async def take_test(self, hook_id: str, since: datetime) -> str | None:
        """Who asked for a test since `since`, once: the first doorbell after it takes it."""
        ...


class Firings(Protocol):
    async def add(self, firing: Firing, now: datetime) -> Firing | None:
        """Keep a new firing; None when this hook already has this rule's firing that began then (another
        replica, or an earlier read, took it)."""
        ...

    async def open_of_team(self, team_id: str) -> list[Firing]:
        """The firings not resolved yet, and those resolved whose thread was not yet told."""
        ...

    async def get(self, firing_id: int) -> Firing | None: ...

    async def posted(self, firing_id: int, message_ts: str) -> None: ...

    async def suppressed(self, firing_id: int, suppressed: bool) -> None: ...

    async def started(self, firing_id: int, starts_at: datetime) -> Firing:
        """A firing first seen without `starts_at`: Qovery's start, now given, becomes its own."""
        ...

    async def resolve(self, firing_id: int, now: datetime) -> bool:
        """Mark it resolved; False when it already was (another read did it)."""
        ...

    async def told_resolved(self, firing_id: int) -> None: ...

    async def acknowledge(self, firing_id: int, user_id: str, now: datetime) -> bool:
        """False when someone already acknowledged it."""
        ...

    async def latest_of_channel(self, team_id: str, channel_id: str, limit: int) -> list[Firing]: ...


class Silences(Protocol):
    """Per hook and rule: no new firing message until `until`."""

    async def silence(self, hook_id: str, rule_key: str, until: datetime, user_id: str) -> None: ...

    async def unsilence(self, hook_id: str, rule_key: str) -> bool: ...

    async def until(self, hook_id: str, rule_key: str, now: datetime) -> datetime | None:
        """When the silence ends, if one holds now."""
        ...


class RulesReader(Protocol):
    """Another capability that reads the organization's alert rules at each of the alerts' reads (the
    first minutes' watches): one read of Qovery serves all."""

    async def wants_rules(self, team_id: str) -> bool:
        """Whether the workspace has something that needs the rules read."""
        ...

    async def read_rules(self, team_id: str, listed: AlertRuleList, now: datetime) -> None:
        """The rules as this read found them: those read, and those Qovery listed that the bot cannot
        read (not gone)."""
        ...
