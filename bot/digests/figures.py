"""A digest's figures (SPEC §17), from the cards the bot recorded: how many deployments, which failed, the
change failure rate, the median duration, the time to recover, and who deployed. Pure.

- The change failure rate is the failures among the deployments that finished either way (a cancelled
  one changed nothing).
- The time to recover runs from a failure to the next success of the same environment; a run of
  failures counts from its first (the environment was broken since then). A failure not yet followed by
  a success is counted as not recovered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from bot.deliveries import Card, DeploymentStatus

__all__ = ["Figures", "by_environment", "figures_of"]


@dataclass(frozen=True)
class Figures:
    count: int
    failures: tuple[Card, ...]
    change_failure_rate: float | None  # 0..1; None when nothing finished either way
    median_seconds: float | None
    recover_seconds: float | None  # the median recovery
    unrecovered: int  # runs of failures with no success after them yet
    who: tuple[tuple[str, int], ...]  # who deployed how often, most first
    unknown_who: int  # deployments Qovery's history did not say who triggered


def _recoveries(cards: Sequence[Card]) -> tuple[list[float], int]:
    """The recoveries of one environment's cards (by end time), and the failures left unrecovered."""
    recoveries: list[float] = []
    failing_since = None
    for card in cards:
        status = card.deployment.status
        if status is DeploymentStatus.FAILED and failing_since is None:
            failing_since = card.finished_at
        elif status is DeploymentStatus.SUCCESSFUL and failing_since is not None and card.finished_at:
            recoveries.append((card.finished_at - failing_since).total_seconds())
            failing_since = None
    return recoveries, int(failing_since is not None)


def _environment(card: Card) -> str:
    environment = card.deployment.environment
    return environment.id or environment.name or card.key


def figures_of(cards: Sequence[Card]) -> Figures:
    """The figures of finished deployments' cards, oldest first (of one environment or several)."""
    finished = [c for c in cards if c.deployment.status.terminal and c.finished_at is not None]
    failures = tuple(c for c in finished if c.deployment.status is DeploymentStatus.FAILED)
    decided = [c for c in finished if c.deployment.status is not DeploymentStatus.CANCELLED]
    durations = [
        (c.finished_at - c.started_at).total_seconds()
        for c in decided
        if c.started_at is not None and c.finished_at is not None and c.finished_at >= c.started_at
    ]
    recoveries: list[float] = []
    unrecovered = 0
    environments: dict[str, list[Card]] = {}
    for card in finished:
        environments.setdefault(_environment(card), []).append(card)
    for group in environments.values():
        found, left = _recoveries(group)
        recoveries += found
        unrecovered += left
    who = Counter(c.triggered_by for c in finished if c.triggered_by)
    return Figures(
        count=len(finished),
        failures=failures,
        change_failure_rate=len(failures) / len(decided) if decided else None,
        median_seconds=median(durations) if durations else None,
        recover_seconds=median(recoveries) if recoveries else None,
        unrecovered=unrecovered,
        who=tuple(who.most_common()),
        unknown_who=sum(1 for c in finished if not c.triggered_by),
    )


def by_environment(cards: Sequence[Card]) -> list[tuple[Card, Figures]]:
    """Each environment's figures, with its latest card (its names), busiest first."""
    environments: dict[str, list[Card]] = {}
    for card in cards:
        if card.deployment.status.terminal and card.finished_at is not None:
            environments.setdefault(_environment(card), []).append(card)
    found = [(group[-1], figures_of(group)) for group in environments.values()]
    return sorted(found, key=lambda pair: -pair[1].count)
