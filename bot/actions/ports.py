"""What acting from Slack keeps: every action asked (the audit trail)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.actions.plans import Action, ActionState

__all__ = ["Actions"]


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
