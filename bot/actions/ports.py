"""What acting from Slack keeps: every action asked (the audit trail)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.access import Caller
from bot.actions.plans import Action, ActionState
from bot.blocks import Message

__all__ = ["Actions", "Gate"]


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

    async def hold(
        self, action_id: int, since: datetime, now: datetime, *, exception: str | None = None
    ) -> bool:
        """Proposed -> pending (held for approval), once, for an action proposed after `since` (its
        confirmation still good); its time becomes `now`, from which its request expires. `exception`:
        the reason given when it asks for an exception to a freeze."""
        ...

    async def requested(self, action_id: int, request_ts: str) -> None:
        """The message in the channel that asks for its approval."""
        ...

    async def decide(
        self,
        action_id: int,
        old: ActionState,
        new: ActionState,
        by: str | None,
        since: datetime | None,
    ) -> bool:
        """Old -> new, once (of two clicks or two replicas, one), for an action of after `since`."""
        ...

    async def pending_before(self, before: datetime) -> list[Action]:
        """The requests still waiting that were made before `before`."""
        ...

    async def running_before(self, before: datetime) -> list[Action]:
        """The actions still running that were made before `before`."""
        ...

    async def queued(self, action_id: int, request_id: str, message_ts: str | None) -> None:
        """Qovery queued it (its environment was busy): its request, and the message that says so."""
        ...

    async def in_queue(self) -> list[Action]:
        """Every action whose request still waits in its environment's queue, as far as the bot knows."""
        ...

    async def left_queue(
        self, action_id: int, state: ActionState, outcome: str, by: str | None, now: datetime
    ) -> bool:
        """Queued -> `state`, once (its request started, or was cancelled, by `by`)."""
        ...

    async def lost(self, action_id: int, outcome: str, now: datetime) -> bool:
        """Running -> unknown, once: the bot stopped before Qovery's answer was recorded. (Should the
        answer come after all, `finish` records it.)"""
        ...

    async def audited(self, team_id: str, user_id: str | None, limit: int) -> list[Action]:
        """The workspace's actions that ran or were asked for (newest first): not the confirmations
        nobody confirmed."""
        ...

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


class Gate(Protocol):
    """What may hold a confirmed action back (the approval policy: SPEC §16)."""

    async def held(self, caller: Caller, action: Action, *, own_token: bool) -> Message | None:
        """The answer to the caller when the action is held back, else None: it runs now."""
        ...
