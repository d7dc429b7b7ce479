"""What the approvals keep: each workspace's policy. (The requests are the actions' records, in
`bot.actions.ports.Actions`: a request is an action waiting for its approver.)"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.approvals.policy import Policy

__all__ = ["Policies"]


class Policies(Protocol):
    async def get(self, team_id: str) -> Policy | None: ...

    async def put(self, team_id: str, policy: Policy, user_id: str, now: datetime) -> None:
        """Replace the workspace's policy."""
        ...

    async def clear(self, team_id: str) -> None: ...
