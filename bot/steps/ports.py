"""What the steps keep (each run, from Slack's `function_execution_id`) and how a run ends in Slack."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["Completions", "StepRun", "StepRuns"]


@dataclass(frozen=True)
class StepRun:
    """A run still waiting: for its action's approval (`action_id`), or for the environment's deployment
    to end (`environment_id`, until `deadline`)."""

    execution_id: str
    team_id: str
    step: str
    user_id: str
    token: str  # the event's bot_access_token: the run's calls to Slack, its completion above all
    started_at: datetime
    action_id: int | None = None
    environment_id: str | None = None
    deadline: datetime | None = None


class StepRuns(Protocol):
    async def add(self, run: StepRun) -> bool:
        """Recorded; False when this execution was recorded before (Slack delivered it again)."""
        ...

    async def wait(self, run: StepRun) -> None:
        """The run waits: what for (its action, or its environment and deadline)."""
        ...

    async def waiting(self, left_before: datetime) -> list[StepRun]:
        """The runs that wait, and those still acting since before `left_before` (their replica stopped)."""
        ...

    async def complete(self, execution_id: str, outcome: str, now: datetime) -> bool:
        """Open -> completed, once: of two replicas, or a run and a redelivery, one gets True."""
        ...


class Completions(Protocol):
    """`functions.completeSuccess` and `functions.completeError`, with the run's token (the workspace's
    bot token when the run's expired while it waited)."""

    async def succeed(self, run: StepRun, outputs: Mapping[str, str | int]) -> None: ...

    async def fail(self, run: StepRun, error: str) -> None: ...
