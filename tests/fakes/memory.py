"""In-memory fakes of the core's ports, for the fast unit tier (tests/unit/): no server, no database.

Each keeps what it was given in plain lists and dicts that a test reads back. They implement the ports'
contracts as the core relies on them, not the databases' or the APIs' every detail: those are for the
end-to-end tests against the real adapters and the loopback servers.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bot.deliveries.events import DeploymentStatus
from bot.ports import Workspace
from bot.qovery import QoveryNotFound, Webhook, WebhookSpec
from bot.subscriptions.hooks import Hook
from bot.subscriptions.options import HookSettings

__all__ = [
    "MemoryCards",
    "MemoryHooks",
    "MemoryOutcomes",
    "MemoryQovery",
    "MemorySlack",
    "MemoryWorkspaces",
    "Posted",
]


class MemoryWorkspaces:
    def __init__(self, *workspaces: Workspace) -> None:
        self.rows = {w.team_id: w for w in workspaces}

    async def get(self, team_id: str) -> Workspace | None:
        return self.rows.get(team_id)

    async def connect(self, team_id: str, token: str, organization_id: str, user_id: str) -> None:
        self.rows[team_id] = Workspace(team_id, token, organization_id, user_id)

    async def disconnect(self, team_id: str) -> bool:
        found = self.rows.pop(team_id, None)
        return found is not None and found.qovery_token is not None


class MemoryHooks:
    def __init__(self) -> None:
        self.rows: dict[str, Hook] = {}

    async def add(self, hook: Hook) -> None:
        self.rows[hook.id] = hook

    async def get(self, hook_id: str) -> Hook | None:
        return self.rows.get(hook_id)

    async def of_team(self, team_id: str) -> list[Hook]:
        return [h for h in self.rows.values() if h.team_id == team_id and h.revoked_at is None]

    async def set_settings(self, hook_id: str, settings: HookSettings) -> None:
        self.rows[hook_id] = replace(self.rows[hook_id], settings=settings)

    async def secret_seen(self, hook: Hook) -> Hook:
        self.rows[hook.id] = replace(hook, secret_seen=True)
        return self.rows[hook.id]

    async def revoke(self, hook_id: str) -> bool:
        was = self.rows[hook_id].revoked_at
        self.rows[hook_id] = replace(self.rows[hook_id], revoked_at=was or datetime.now(UTC))
        return was is None


class MemoryCards:
    def __init__(self) -> None:
        self.rows: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self.channels: dict[str, tuple[str, str]] = {}  # hook id -> (team, channel), for the cards' channel

    async def latest(self, hook_id: str, key: str) -> Any:
        found = [c for c in self.rows.values() if c.hook_id == hook_id and c.key == key]
        return max(found, key=lambda c: c.id, default=None)

    async def get(self, card_id: int) -> Any:
        return self.rows.get(card_id)

    async def finished_in_channel(
        self, team_id: str, channel_id: str, since: datetime, until: datetime
    ) -> Any:
        return [
            c
            for c in self.rows.values()
            if self.channels.get(c.hook_id) == (team_id, channel_id)
            and c.ts
            and c.finished_at is not None
            and since <= c.finished_at <= until
        ]

    async def set_note(self, card_id: int, note: Any) -> None:
        self.rows[card_id] = replace(self.rows[card_id], note=note)

    async def set_triggered_by(self, card_id: int, who: str) -> None:
        self.rows[card_id] = replace(self.rows[card_id], triggered_by=who)

    async def claim_carried(self, card_id: int, carried: Any) -> bool:
        if self.rows[card_id].carried is not None:
            return False
        self.rows[card_id] = replace(self.rows[card_id], carried=carried)
        return True

    async def set_carried(self, card_id: int, carried: Any) -> None:
        self.rows[card_id] = replace(self.rows[card_id], carried=carried)

    async def finished(self, hook_id: str, since: datetime, until: datetime) -> Any:
        found = [c for c in self.rows.values() if c.hook_id == hook_id and c.finished_at is not None]
        return sorted((c for c in found if since <= c.finished_at < until), key=lambda c: c.finished_at)

    async def save(self, card: Any, now: datetime) -> int:
        card_id = card.id if card.id is not None else next(self._ids)
        kept = self.rows[card_id].carried if card_id in self.rows else card.carried  # as the SQL's: not saved
        self.rows[card_id] = replace(card, id=card_id, carried=kept)
        return card_id


@dataclass(frozen=True)
class Posted:
    method: str  # "post" or "update"
    channel_id: str
    message: dict[str, Any]
    ts: str
    thread_ts: str | None = None


@dataclass
class MemorySlack:
    """`SlackPoster`: every message kept in order, each post given the next ts."""

    messages: list[Posted] = field(default_factory=list)
    members: dict[str, str] = field(default_factory=dict)  # e-mail -> user id
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def post(
        self, team_id: str, channel_id: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        ts = f"{next(self._ts)}.000"
        self.messages.append(Posted("post", channel_id, message, ts, thread_ts))
        return ts

    async def update(self, team_id: str, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        self.messages.append(Posted("update", channel_id, message, ts))

    async def user_by_email(self, team_id: str, email: str) -> str | None:
        return self.members.get(email)


class MemoryOutcomes:
    """`Outcomes`: the last outcome per (hook, scope)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], DeploymentStatus] = {}

    async def last(self, hook_id: str, scopes: tuple[str, ...]) -> dict[str, DeploymentStatus]:
        return {s: self.rows[(hook_id, s)] for s in scopes if (hook_id, s) in self.rows}

    async def remember(self, hook_id: str, scopes: tuple[str, ...], status: DeploymentStatus) -> None:
        for scope in scopes:
            self.rows[(hook_id, scope)] = status


class MemoryQovery:
    """`QoveryApi` for one organization's webhooks; every PUT is kept, as Qovery received it."""

    def __init__(self, organization_id: str) -> None:
        self.organization_id = organization_id
        self.webhooks: dict[str, Webhook] = {}
        self.secrets: dict[str, str | None] = {}
        self.puts: list[WebhookSpec] = []

    def add(self, spec: WebhookSpec, webhook_id: str) -> Webhook:
        webhook = Webhook(
            id=webhook_id,
            created_at=datetime.now(UTC),
            target_secret_set=spec.target_secret is not None,
            **spec.model_dump(exclude={"target_secret"}),
        )
        self.webhooks[webhook_id] = webhook
        self.secrets[webhook_id] = spec.target_secret
        return webhook

    async def list_webhooks(self, organization_id: str) -> list[Webhook]:
        return list(self.webhooks.values())

    async def get_webhook(self, organization_id: str, webhook_id: str) -> Webhook:
        if webhook_id not in self.webhooks:
            raise QoveryNotFound(404, lookup=True)
        return self.webhooks[webhook_id]

    async def edit_webhook(self, organization_id: str, webhook_id: str, spec: WebhookSpec) -> Webhook:
        self.puts.append(spec)
        return self.add(spec, webhook_id)

    async def create_webhook(self, organization_id: str, spec: WebhookSpec) -> Webhook:
        return self.add(spec, f"0e000000-0000-4000-8000-{len(self.webhooks):012d}")

    async def delete_webhook(self, organization_id: str, webhook_id: str) -> None:
        self.webhooks.pop(webhook_id, None)

    async def list_organizations(self) -> list[Any]:
        return []

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"MemoryQovery does not fake {name}: test it end to end")
