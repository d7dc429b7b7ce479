"""What the deliveries need from storage: the queue, the cards, the outcomes remembered per hook, and
the threads that actions opened."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.events import Deployment, DeploymentStatus
from bot.subscriptions import Hook

__all__ = [
    "ActionThreads",
    "Card",
    "CardCarried",
    "CardNote",
    "Cards",
    "Delivery",
    "DeliveryQueue",
    "DeliveryRecord",
    "DeliveryState",
    "Outcomes",
    "SucceededCards",
]


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
    HELD = "held"  # quiet hours: summed up when they end (`next_attempt_at`)
    SUMMED = "summed"  # held, then told in the quiet hours' summary

    @classmethod
    def waiting(cls) -> tuple[DeliveryState, ...]:
        return (cls.QUEUED, cls.RETRYING)

    @classmethod
    def done(cls) -> tuple[DeliveryState, ...]:
        return (cls.POSTED, cls.SKIPPED, cls.FAILED, cls.SUMMED)


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
class CardNote:
    """A line another capability keeps on a card (the first minutes' watch: SPEC §15), and whether the
    card then offers a Rollback. Kept with the card, so that every later drawing of it shows it."""

    line: str  # mrkdwn, already escaped; "" for none
    rollback: bool = False
    frozen: str | None = None  # a release freeze's mark (mrkdwn): kept whatever line comes after it

    def to_json(self) -> str:
        return json.dumps({"line": self.line, "rollback": self.rollback, "frozen": self.frozen})

    def lines(self) -> list[str]:
        return [line for line in (self.frozen, self.line) if line]

    @staticmethod
    def from_json(stored: str | None) -> CardNote | None:
        try:
            found = json.loads(stored or "null")
            frozen = found.get("frozen")
            frozen = str(frozen)[:2000] if frozen else None
            return CardNote(str(found["line"])[:2000], bool(found.get("rollback")), frozen)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@dataclass(frozen=True)
class CardCarried:
    """What the deployment carried (`bot.contents`), kept with the card: its one line (mrkdwn, escaped)
    and, once posted, the reply in the card's thread that says it whole. Kept apart from the card's
    other columns, so that one reply per card is a conditional write (`bot.contents.ports`)."""

    line: str
    reply_ts: str | None = None

    def shown(self) -> str:
        return self.line + (" (see thread)" if self.reply_ts else "")

    def to_json(self) -> str:
        return json.dumps({"line": self.line, "reply_ts": self.reply_ts})

    @staticmethod
    def from_json(stored: str | None) -> CardCarried | None:
        try:
            found = json.loads(stored or "null")
            reply = found.get("reply_ts")
            return CardCarried(str(found["line"])[:2000], str(reply)[:32] if reply else None)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


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
    note: CardNote | None = None
    triggered_by: str | None = None  # once Qovery's history said who (the enrichment)
    carried: CardCarried | None = None  # what the deployment carried, once looked up


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
        now: datetime,
        card: Card | None = None,
    ) -> None:
        """Posted (`ts`) or skipped on purpose; `card`, the card that shows it, saved with its message in
        the same transaction: once Slack has the message the bot knows it, or neither is recorded."""
        ...

    async def held(self, delivery_id: int, reason: str, until: datetime) -> None:
        """Held for quiet hours: summed up at `until`; the channel is free at once (nothing was posted)."""
        ...

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


class FreezeMarks(Protocol):
    """What a release freeze says on a card it did not let through (bot.freezes)."""

    async def during(self, team_id: str, environment_type: str, at: datetime) -> str | None:
        """The card's line when a freeze holds on that environment type at `at` (mrkdwn), else None."""
        ...


class Cards(Protocol):
    async def latest(self, hook_id: str, key: str) -> Card | None: ...

    async def get(self, card_id: int) -> Card | None: ...

    async def finished_in_channel(
        self, team_id: str, channel_id: str, since: datetime, until: datetime
    ) -> list[Card]:
        """The cards of the channel whose deployment finished between `since` and `until`."""
        ...

    async def save(self, card: Card, now: datetime) -> int:
        """Insert a card (id None) or update it; its id. A card not yet posted has the ts ""."""
        ...

    async def set_note(self, card_id: int, note: CardNote | None) -> None: ...

    async def set_triggered_by(self, card_id: int, who: str) -> None: ...

    async def finished(self, hook_id: str, since: datetime, until: datetime) -> list[Card]:
        """The hook's cards whose deployment finished from `since` (included) to `until` (excluded),
        shown in the channel or not, oldest first."""
        ...


class Outcomes(Protocol):
    """The last outcome of each scope (an environment, or an environment's service) per hook, for
    `--only changes`; shared by every replica, kept across restarts."""

    async def last(self, hook_id: str, scopes: tuple[str, ...]) -> dict[str, DeploymentStatus]: ...

    async def remember(self, hook_id: str, scopes: tuple[str, ...], status: DeploymentStatus) -> None: ...


class SucceededCards(Protocol):
    """Told of each card that shows a successful deployment, once it is posted (SPEC §15's watch)."""

    async def succeeded(self, card: Card, hook: Hook, now: datetime) -> None: ...


class ActionThreads(Protocol):
    """The messages of actions taken from Slack, under which the deployments they started are shown."""

    async def thread_for(
        self, channel_id: str, environment_id: str, card_id: int, since: datetime
    ) -> str | None:
        """The thread of the latest action done in the channel on the environment since `since` whose
        deployment has no card yet (or has this one): taken by the card, once."""
        ...

    async def excepted(self, environment_id: str, since: datetime) -> bool:
        """Whether an action let through a freeze by an approved exception ran on the environment since
        `since` (its deployment is explained, whichever channel shows its card)."""
        ...
