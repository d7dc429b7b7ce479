"""What a promotion reads from Qovery: the two environments by name (or id), each one's services and
what it runs (its latest successful deployment), where each matched service's code comes from, the
commits between the two versions, and whether either was deployed again since a plan was made."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.access import Acting
from bot.actions import Action, Target, Where, find_environment, latest_success, read_where
from bot.contents import ServiceVersion, versions_of
from bot.errors import UserError
from bot.promotion.plan import PlannedService, Sources, plan_services, to_commit_walk
from bot.qovery import Commit, DeploymentHistory, QoveryApi, QoveryError, Service

T = TypeVar("T")
Item = TypeVar("Item")

# A plan of 300 services asks Qovery 600 questions: a few at a time, so that they neither wait past
# their timeout for a connection nor hold up every other use of the workspace's connections meanwhile.
_READS_AT_ONCE = 8

__all__ = ["Side", "environment_by_id", "environment_named", "planned", "read_side", "stale", "target_where"]


@dataclass(frozen=True)
class Side:
    """One environment of a promotion, as Qovery said it when the plan was made."""

    target: Target
    services: list[Service]
    history: list[DeploymentHistory]

    @property
    def running(self) -> DeploymentHistory | None:
        return latest_success(self.history)

    def versions(self) -> dict[str, ServiceVersion]:
        running = self.running
        return versions_of(running) if running else {}


async def read_side(api: QoveryApi, target: Target) -> Side:
    services, history = await asyncio.gather(
        api.list_services(target.environment_id), api.list_deployment_history(target.environment_id)
    )
    return Side(target, services, history)


async def planned(
    api: QoveryApi, source: Side, target: Side, only: tuple[str, ...]
) -> tuple[PlannedService, ...]:
    """The plan, with where each matched service's code comes from and the commits it carries."""
    by_name = {s.name.lower(): s for s in target.services}
    pairs = [(s, by_name[s.name.lower()]) for s in source.services if s.name.lower() in by_name]
    asked = [s for pair in pairs for s in pair if s.service_type in ("APPLICATION", "CONTAINER")]
    found = await _few_at_once(asked, lambda s: api.service_source(s.service_type, s.id))
    kinds = {s.id: s.service_type for s in asked}
    where = {s.id: f for s, f in zip(asked, found, strict=True) if f is not None}
    sources = Sources(
        repositories={k: v for k, v in where.items() if kinds[k] == "APPLICATION"},
        images={k: v for k, v in where.items() if kinds[k] == "CONTAINER"},
    )
    versions = (source.versions(), target.versions())
    walked = [
        s for s, t in pairs
        if (new := versions[0].get(s.id)) and (old := versions[1].get(t.id)) and to_commit_walk(new, old)
    ]  # fmt: skip
    commits = await _few_at_once(walked, lambda s: _commits(api, s))
    names = (source.target.environment, target.target.environment)
    listed = {s.id: c for s, c in zip(walked, commits, strict=True)}
    return plan_services(names, source.services, target.services, versions, sources, listed, only)


async def stale(api: QoveryApi, plan: Action) -> bool:
    """Whether either environment's latest successful deployment is another than the plan's."""
    assert plan.promotion is not None
    source, target = await asyncio.gather(
        api.list_deployment_history(plan.promotion.source.environment_id),
        api.list_deployment_history(plan.target.environment_id),
    )
    now = tuple((r.identifier.execution_id if r else None) for r in map(latest_success, (source, target)))
    return now != (plan.promotion.source_execution, plan.promotion.target_execution)


def target_where(source: Target, words: str) -> Where:
    """`production` (of the source's project) or `project/environment`."""
    if "/" in words:
        return read_where(words)
    return Where(source.project, words.strip() or None)


async def environment_named(acting: Acting, where: Where) -> Target:
    project, env = await find_environment(acting.api, acting.organization_id, where)
    return Target(env.id, env.name, project.name, str(env.mode), acting.organization_id, project.id)


async def environment_by_id(acting: Acting, environment_id: str) -> Target:
    """The environment as Qovery says it is now, checked to be of the workspace's organization."""
    env = await acting.api.get_environment(environment_id)
    projects = await acting.api.list_projects(acting.organization_id)
    project = next((p for p in projects if p.id == env.project.id), None)
    if project is None:
        raise UserError("This environment is not of this workspace's Qovery organization: nothing was done.")
    return Target(env.id, env.name, project.name, str(env.mode), acting.organization_id, project.id)


async def _few_at_once(items: Sequence[Item], read: Callable[[Item], Awaitable[T]]) -> list[T]:
    gate = asyncio.Semaphore(_READS_AT_ONCE)

    async def one(item: Item) -> T:
        async with gate:
            return await read(item)

    return await asyncio.gather(*(one(item) for item in items))


async def _commits(api: QoveryApi, service: Service) -> list[Commit] | None:
    """The source service's commits; None when Qovery does not answer (the plan then says so)."""
    try:
        return await api.list_commits(service.service_type, service.id)
    except QoveryError:
        return None
