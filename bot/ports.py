"""The ports of the core besides Qovery's (`bot.qovery.QoveryApi`): what it keeps, and whom it asks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from bot.action_plans import Action, ActionState
from bot.bodies import DeliveryKind
from bot.events import Deployment, DeploymentStatus
from bot.subscriptions import Hook, HookSettings, Workspace

if TYPE_CHECKING:  # the doctor's findings name deliveries' states: imported only for the types
    from bot.diagnosis import Finding

__all__ = [
    "Actions",
    "Card",
    "Cards",
    "Delivery",
    "DeliveryQueue",
    "DeliveryRecord",
    "DeliveryState",
    "Directory",
    "Findings",
    "Hooks",
    "Jobs",
    "Outcomes",
    "PersonalTokens",
    "Sealer",
    "SlackFailure",
    "SlackPoster",
    "Workspaces",
]


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


class Actions(Protocol):
    """Every action asked from Slack (the audit trail), and the record a confirmation's button names."""

    async def add(self, action: Action, now: datetime) -> int: ...

    async def get(self, action_id: int) -> Action | None: ...

    async def start(self, action_id: int, since: datetime) -> bool:
        """Proposed -> running, once, for an action proposed after `since`: a second click, or one on an
        expired confirmation, gets False."""
        ...

    async def finish(
        self,
        action_id: int,
        state: ActionState,
        outcome: str,
        thread_ts: str | None,
        now: datetime,
        *,
        own_token: bool,
    ) -> None:
        """Done or refused, with Qovery's answer, and whether it ran with the user's own token;
        `thread_ts`, the thread its deployment's card joins."""
        ...

    async def drop(self, action_id: int) -> bool:
        """A proposed action the user said no to; False when it is no longer proposed."""
        ...

    async def thread_for(
        self, channel_id: str, environment_id: str, card_id: int, since: datetime
    ) -> str | None:
        """The thread of the latest action done in the channel on the environment since `since` whose
        deployment has no card yet (or has this one): taken by the card, once."""
        ...


class Hooks(Protocol):
    async def add(self, hook: Hook) -> None: ...

    async def get(self, hook_id: str) -> Hook | None: ...

    async def of_team(self, team_id: str) -> list[Hook]:
        """The workspace's hooks that are not revoked."""
        ...

    async def set_settings(self, hook_id: str, settings: HookSettings) -> None: ...

    async def secret_seen(self, hook: Hook) -> Hook:
        """Record that a delivery came with the hook's secret; the hook as it now is."""
        ...

    async def revoke(self, hook_id: str) -> bool:
        """False when it was already revoked."""
        ...


class Findings(Protocol):
    """The doctor's open findings per workspace."""

    async def record(self, team_id: str, found: list[Finding], now: datetime) -> list[Finding]:
        """The workspace's findings are now `found` (those no longer found are resolved); the new ones."""
        ...

    async def open(self, team_id: str) -> list[tuple[Finding, datetime]]:
        """The open findings, with when each was first seen; newest first."""
        ...


class Jobs(Protocol):
    """Work one replica at a time does, when it is due."""

    async def take(self, name: str, holder: str, now: datetime, hold_seconds: float) -> bool:
        """True when the job is due and this holder now has it (nobody else until it is done, or until
        `hold_seconds` pass should the holder die)."""
        ...

    async def done(self, name: str, holder: str, next_run_at: datetime) -> None: ...


class Directory(Protocol):
    """Slack's view of the workspace's people."""

    async def is_admin(self, user_id: str) -> bool:
        """True for a workspace admin or owner."""
        ...


class Sealer(Protocol):
    """Seals a secret that must travel through Slack (a modal's metadata) without being readable there."""

    def seal(self, plaintext: str, context: str) -> str: ...

    def open(self, token: str, context: str) -> str: ...


@dataclass(frozen=True)
class Delivery:
    """A delivery taken from the queue to be posted."""

    id: int
    hook: Hook
    kind: DeliveryKind
    body: dict[str, Any]
    received_at: datetime
    attempts: int  # failed attempts so far
    verified: bool = True  # it carried the hook's secret; one that did not is posted as plain content


class DeliveryState(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"  # stored, waiting to be posted
    POSTING = "posting"  # claimed by a worker
    POSTED = "posted"
    SKIPPED = "skipped"  # nothing to post, on purpose
    RETRYING = "retrying"  # Slack failed or asked to wait; tried again later
    FAILED = "failed"  # given up, with the reason; may be replayed

    @classmethod
    def waiting(cls) -> tuple[DeliveryState, ...]:
        return (cls.QUEUED, cls.RETRYING)

    @classmethod
    def done(cls) -> tuple[DeliveryState, ...]:
        return (cls.POSTED, cls.SKIPPED, cls.FAILED)


@dataclass(frozen=True)
class DeliveryRecord:
    """A delivery as `/qovery deliveries` lists it."""

    id: int
    team_id: str
    channel_id: str
    received_at: datetime
    state: DeliveryState
    summary: str
    attempts: int
    reason: str | None


@dataclass(frozen=True)
class Card:
    """The message that shows one deployment in one channel."""

    hook_id: str
    key: str
    ts: str
    deployment: Deployment
    started_at: datetime | None = None
    finished_at: datetime | None = None
    id: int | None = None
    thread_ts: str | None = None  # the thread it was posted in: an action's, that started the deployment


class DeliveryQueue(Protocol):
    """Deliveries, stored durably before Qovery is answered, taken one channel at a time."""

    async def add(
        self,
        hook: Hook,
        kind: DeliveryKind,
        body: str,
        dedup_key: str,
        summary: str,
        now: datetime,
        *,
        verified: bool,
    ) -> bool:
        """Store a delivery; False when it is a duplicate of one already stored (by its payload id, or by
        its body within `DEDUP_WINDOW_SECONDS` of the first)."""
        ...

    async def claim(self, now: datetime, lease_seconds: float) -> Delivery | None:
        """The oldest delivery that is due, of a channel that is free and past its rate limit."""
        ...

    async def posted(
        self,
        delivery_id: int,
        ts: str | None,
        state: DeliveryState,
        reason: str | None,
        channel_free_at: datetime,
    ) -> None: ...

    async def retry(
        self,
        delivery_id: int,
        reason: str,
        not_before: datetime,
        channel_free_at: datetime,
        *,
        count_attempt: bool,
    ) -> None: ...

    async def failed(self, delivery_id: int, reason: str, channel_free_at: datetime) -> None: ...

    async def recent(self, team_id: str, channel_id: str | None, limit: int) -> list[DeliveryRecord]: ...

    async def replay(self, delivery_id: int, team_id: str | None) -> bool:
        """Queue a failed delivery again; False when there is no such failed delivery (in that workspace)."""
        ...

    async def next_due(self) -> datetime | None:
        """The earliest time a waiting delivery may be taken, or None when none waits."""
        ...

    async def depth(self) -> int:
        """How many deliveries wait to be posted."""
        ...


class Cards(Protocol):
    async def latest(self, hook_id: str, key: str) -> Card | None: ...

    async def get(self, card_id: int) -> Card | None: ...

    async def save(self, card: Card, now: datetime) -> int:
        """Insert a card (id None) or update it; its id. A card not yet posted has the ts ""."""
        ...


class Outcomes(Protocol):
    """The last outcome of each scope (an environment, or an environment's service) per hook, for
    `--only changes`; shared by every replica, kept across restarts."""

    async def last(self, hook_id: str, scopes: tuple[str, ...]) -> dict[str, DeploymentStatus]: ...

    async def remember(self, hook_id: str, scopes: tuple[str, ...], status: DeploymentStatus) -> None: ...


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
