"""What quiet hours and digests need from storage: the deliveries held, and the hooks with a digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.blocks import Message
from bot.deliveries import DeliveryKind
from bot.subscriptions import Hook

__all__ = ["Held", "HeldDeliveries", "HooksWithDigest", "Summary"]


@dataclass(frozen=True)
class Summary:
    """A message the bot wrote for a hook's channel, and the words `/qovery deliveries` lists it with."""

    hook: Hook
    message: Message
    words: str


@dataclass(frozen=True)
class Held:
    """A delivery held for quiet hours, as stored."""

    id: int
    kind: DeliveryKind
    body: dict[str, Any]
    received_at: datetime


class HeldDeliveries(Protocol):
    async def due(self, now: datetime) -> list[str]:
        """The hooks that hold deliveries whose quiet hours had ended by `now`."""
        ...

    async def of_hook(self, hook_id: str, now: datetime) -> list[Held]:
        """The hook's held deliveries whose quiet hours had ended by `now`, oldest first (bounded)."""
        ...

    async def sum_up(self, hook_id: str, held: list[int], summary: Summary | None, now: datetime) -> bool:
        """In one transaction: the `held` deliveries marked summed up, and the summary queued for the
        hook's channel (none for a hook that is gone); False, and nothing done, when any of them was
        summed up already (by another replica)."""
        ...


class HooksWithDigest(Protocol):
    async def with_digest(self) -> list[Hook]:
        """Every live hook whose settings ask for a digest."""
        ...
