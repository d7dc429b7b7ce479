"""What the bot keeps of its own: workspaces with their Qovery access, and hooks.

A hook is the bot's end of one webhook: `{PUBLIC_URL}/qovery/hooks/{hook id}` is the target Qovery
calls, the hook ties it to one channel of one workspace and holds the secret Qovery sends along.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

__all__ = ["DisplayMode", "Hook", "Workspace", "new_hook", "utcnow"]


class DisplayMode(StrEnum):
    """How a deployment's later events show in the channel."""

    UPDATE = "update"  # the card is edited in place
    THREAD = "thread"  # replies in the card's thread
    POST = "post"  # a new message for each event


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Workspace:
    team_id: str
    qovery_token: str | None = field(default=None, repr=False)
    organization_id: str | None = None
    connected_by: str | None = None


@dataclass(frozen=True)
class Hook:
    id: str
    team_id: str
    channel_id: str
    channel_name: str | None
    secret: str = field(repr=False)
    mode: DisplayMode = DisplayMode.UPDATE
    webhook_id: str | None = None
    created_by: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    revoked_at: datetime | None = None
    secret_seen: bool = False  # a delivery came with the secret: from then on, none may come without

    def target_url(self, public_url: str) -> str:
        return f"{public_url}/qovery/hooks/{self.id}"


def new_hook(
    team_id: str, channel_id: str, channel_name: str | None, mode: DisplayMode, created_by: str
) -> Hook:
    # 192 random bits for the id (it is in a URL Qovery shows), 256 for the secret.
    return Hook(
        id=secrets.token_urlsafe(24),
        team_id=team_id,
        channel_id=channel_id,
        channel_name=channel_name,
        secret=secrets.token_urlsafe(32),
        mode=mode,
        created_by=created_by,
    )
