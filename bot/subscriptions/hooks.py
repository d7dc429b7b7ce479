"""Hooks: what the bot keeps of each subscription.

A hook is the bot's end of one webhook: `{PUBLIC_URL}/qovery/hooks/{hook id}` is the target Qovery
calls, the hook ties it to one channel of one workspace and holds the secret Qovery sends along.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.clock import utcnow
from bot.subscriptions.options import DisplayMode, HookSettings

__all__ = ["Hook", "HookKind", "new_hook"]


class HookKind(StrEnum):
    """What a hook receives: a webhook's deployment deliveries, or an alert receiver's doorbell."""

    DELIVERIES = "deliveries"
    ALERTS = "alerts"


@dataclass(frozen=True)
class Hook:
    id: str
    team_id: str
    channel_id: str
    channel_name: str | None
    secret: str = field(repr=False)
    # What the bot keeps of the hook's options (mode ...); frozen, so one default serves every hook.
    settings: HookSettings = HookSettings()  # noqa: RUF009
    webhook_id: str | None = None
    created_by: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    revoked_at: datetime | None = None
    secret_seen: bool = False  # a delivery came with the secret: from then on, none may come without
    kind: HookKind = HookKind.DELIVERIES

    @property
    def mode(self) -> DisplayMode:
        return self.settings.mode

    def target_url(self, public_url: str) -> str:
        return f"{public_url}/qovery/hooks/{self.id}"


def new_hook(
    team_id: str,
    channel_id: str,
    channel_name: str | None,
    settings: HookSettings,
    created_by: str,
    kind: HookKind = HookKind.DELIVERIES,
) -> Hook:
    # 192 random bits for the id (it is in a URL Qovery shows), 256 for the secret.
    return Hook(
        id=secrets.token_urlsafe(24),
        team_id=team_id,
        channel_id=channel_id,
        channel_name=channel_name,
        secret=secrets.token_urlsafe(32),
        settings=settings,
        created_by=created_by,
        kind=kind,
    )
