"""Names a delivery left out (project, environment, organization, services), asked of Qovery.

Answers are kept a while per environment; a lookup that takes longer than a few seconds, or fails,
is given up and the card goes out with what it has.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.access import Access, UserError
from bot.deliveries.events import Deployment, DeploymentStatus, Named
from bot.qovery import QoveryError

__all__ = ["Lookups"]

log = logging.getLogger(__name__)


class Lookups:
    def __init__(self, access: Access, *, budget_seconds: float = 3.0, keep_seconds: float = 600.0) -> None:
        self._access = access
        self._budget = budget_seconds
        self._keep = keep_seconds
        self._known: dict[tuple[str, str], tuple[float, Deployment]] = {}

    async def complete(self, team_id: str, deployment: Deployment) -> Deployment:
        env_id = deployment.environment.id
        if env_id is None or _complete(deployment):
            return deployment
        cached = self._known.get((team_id, env_id))
        if cached and time.monotonic() - cached[0] < self._keep:
            return deployment.merged_with(cached[1])
        try:
            async with asyncio.timeout(self._budget):
                found = await self._ask(team_id, env_id)
        except (TimeoutError, QoveryError, UserError) as error:
            log.info("left names out of a card: %s", type(error).__name__)
            return deployment
        self._known[(team_id, env_id)] = (time.monotonic(), found)
        return deployment.merged_with(found)

    async def _ask(self, team_id: str, env_id: str) -> Deployment:
        api, _ = await self._access.qovery(team_id)
        environment = await api.get_environment(env_id)
        projects, organizations, services = await asyncio.gather(
            api.list_projects(environment.organization.id),
            api.list_organizations(),
            api.list_services(env_id),
        )
        project = next((p for p in projects if p.id == environment.project.id), None)
        organization = next((o for o in organizations if o.id == environment.organization.id), None)
        return Deployment(
            status=DeploymentStatus.RUNNING,  # not read: the event keeps its own
            organization=Named(environment.organization.id, organization.name if organization else None),
            project=Named(environment.project.id, project.name if project else None),
            environment=Named(environment.id, environment.name),
            environment_type=str(environment.mode),
            services=tuple(s.name for s in services),
        )


def _complete(deployment: Deployment) -> bool:
    return bool(
        deployment.project.name
        and deployment.environment.name
        and deployment.organization.name
        and deployment.environment_type
        and deployment.services
        and deployment.project.id
        and deployment.organization.id
    )
