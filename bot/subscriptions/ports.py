"""What the subscriptions keep: the hooks, the bot's ends of webhooks."""

from __future__ import annotations

from typing import Protocol

from bot.subscriptions.hooks import Hook
from bot.subscriptions.options import HookSettings

__all__ = ["Hooks"]


class Hooks(Protocol):
    async def add(self, hook: Hook) -> None: ...

    async def get(self, hook_id: str) -> Hook | None: ...

    async def of_team(self, team_id: str) -> list[Hook]:
        """The workspace's hooks of webhooks (not of alert receivers) that are not revoked."""
        ...

    async def set_settings(self, hook_id: str, settings: HookSettings) -> None: ...

    async def secret_seen(self, hook: Hook) -> Hook:
        """Record that a delivery came with the hook's secret; the hook as it now is."""
        ...

    async def revoke(self, hook_id: str) -> bool:
        """False when it was already revoked."""
        ...
