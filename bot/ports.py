"""The ports of the core besides Qovery's (`bot.qovery.QoveryApi`): what it keeps, and whom it asks."""

from __future__ import annotations

from typing import Protocol

from bot.subscriptions import DisplayMode, Hook, Workspace

__all__ = ["Directory", "Hooks", "Sealer", "Workspaces"]


class Workspaces(Protocol):
    async def get(self, team_id: str) -> Workspace | None: ...

    async def connect(self, team_id: str, token: str, organization_id: str, user_id: str) -> None: ...

    async def disconnect(self, team_id: str) -> bool:
        """Forget the workspace's token; False when it had none."""
        ...


class Hooks(Protocol):
    async def add(self, hook: Hook) -> None: ...

    async def get(self, hook_id: str) -> Hook | None: ...

    async def of_team(self, team_id: str) -> list[Hook]:
        """The workspace's hooks that are not revoked."""
        ...

    async def set_mode(self, hook_id: str, mode: DisplayMode) -> None: ...

    async def revoke(self, hook_id: str) -> None: ...


class Directory(Protocol):
    """Slack's view of the workspace's people."""

    async def is_admin(self, user_id: str) -> bool:
        """True for a workspace admin or owner."""
        ...


class Sealer(Protocol):
    """Seals a secret that must travel through Slack (a modal's metadata) without being readable there."""

    def seal(self, plaintext: str, context: str) -> str: ...

    def open(self, token: str, context: str) -> str: ...
