"""The ports every capability shares: the workspaces and their Qovery access, the people of Slack, the
messages the bot posts, the work done on a clock. Each capability keeps its own ports in its package
(`bot.deliveries.ports`, `bot.subscriptions.ports` ...); Qovery's is `bot.qovery.QoveryApi`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = [
    "Directory",
    "Jobs",
    "PersonalTokens",
    "Sealer",
    "SlackFailure",
    "SlackPoster",
    "Workspace",
    "Workspaces",
]


@dataclass(frozen=True)
class Workspace:
    team_id: str
    qovery_token: str | None = field(default=None, repr=False)
    organization_id: str | None = None
    connected_by: str | None = None


class Workspaces(Protocol):
    async def get(self, team_id: str) -> Workspace | None: ...

    async def connect(self, team_id: str, token: str, organization_id: str, user_id: str) -> None: ...

    async def disconnect(self, team_id: str) -> bool:
        """Forget the workspace's token; False when it had none."""
        ...


class PersonalTokens(Protocol):
    """Users' own Qovery tokens (`/qovery login`), sealed: their actions run as them at Qovery."""

    async def get(self, team_id: str, user_id: str) -> str | None: ...

    async def put(self, team_id: str, user_id: str, token: str) -> None: ...

    async def forget(self, team_id: str, user_id: str) -> bool:
        """False when the user had none."""
        ...

    async def forget_team(self, team_id: str) -> None: ...


class Jobs(Protocol):
    """Work one replica at a time does, when it is due (or sooner, once rung)."""

    async def take(
        self, name: str, holder: str, now: datetime, hold_seconds: float, gap_seconds: float = 0.0
    ) -> bool:
        """True when the job is due (or was rung, and its last run started `gap_seconds` ago or more)
        and this holder now has it: nobody else until it is done, or until `hold_seconds` pass should
        the holder die."""
        ...

    async def done(self, name: str, holder: str, next_run_at: datetime) -> None: ...

    async def ring(self, name: str, now: datetime) -> None:
        """Ask for a run soon; rings coalesce (see `take`). A job not yet known is due at once."""
        ...

    async def due(self, prefix: str, now: datetime, gap_seconds: float = 0.0) -> list[str]:
        """The jobs named `prefix...` that `take` would give now."""
        ...

    async def forget(self, name: str, holder: str) -> None:
        """The holder's job has nothing more to do: gone until rung again (rung while it ran: kept)."""
        ...

    async def plan(self, name: str, at: datetime) -> None:
        """The job is next due at `at` (made if need be); its holder, if any, keeps it."""
        ...

    async def planned(self, prefix: str) -> dict[str, datetime]:
        """When each job named `prefix...` is next due."""
        ...

    async def drop(self, names: list[str]) -> None:
        """These jobs are no more."""
        ...


class Directory(Protocol):
    """Slack's view of the workspace's people."""

    async def is_admin(self, user_id: str) -> bool:
        """True for a workspace admin or owner."""
        ...

    async def in_group(self, user_id: str, group_id: str) -> bool:
        """True for a member of the user group (`<!subteam^S...>`)."""
        ...

    async def email(self, user_id: str) -> str | None:
        """The member's e-mail as Slack has it; None when it cannot be read."""
        ...


class Sealer(Protocol):
    """Seals a secret that must travel through Slack (a modal's metadata) without being readable there."""

    def seal(self, plaintext: str, context: str) -> str: ...

    def open(self, token: str, context: str) -> str: ...


class SlackFailure(Exception):
    """Slack did not take a message. `permanent`: retrying cannot help; `retry_after`: Slack's wait."""

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class SlackPoster(Protocol):
    async def post(
        self, team_id: str, channel_id: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        """Post a message; its ts. Raises `SlackFailure`."""
        ...

    async def update(self, team_id: str, channel_id: str, ts: str, message: dict[str, Any]) -> None: ...

    async def user_by_email(self, team_id: str, email: str) -> str | None:
        """The workspace's member with this e-mail, if Slack knows one."""
        ...
