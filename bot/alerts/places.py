"""Where an alert rule is, as Qovery places it: its environment's names and type and its project, which a
message shows and a channel's filters keep (remembered a while: they change seldom), and whether it is
of the workspace's organization at all. A rule of another organization is never shown: its environment
must be the organization's, as `get_environment` answers; when Qovery does not answer where, the rule's
own `organization_id` must be the workspace's.
"""

from __future__ import annotations

import asyncio
import time

from bot.alerts.filters import Scope
from bot.alerts.rules import RuleView, view_of
from bot.qovery import AlertRule, QoveryApi, QoveryError, QoveryForbidden, QoveryNotFound

__all__ = ["RulePlaces"]

_MEMORY_SECONDS = 600.0  # an environment's name and type change seldom
_MEMORY_SIZE = 10_000


class RulePlaces:
    def __init__(self) -> None:
        # (team, environment id) -> (until when trusted, the environment's names and type and its project's
        # id; None when it is of another organization)
        self._found: dict[tuple[str, str], tuple[float, tuple[Scope, str | None] | None]] = {}

    async def ours(
        self, team_id: str, api: QoveryApi, organization_id: str, rule: AlertRule
    ) -> RuleView | None:
        """The rule's view when it is of the workspace's organization, else None: by its environment, as
        Qovery places it; when Qovery does not answer where, by the rule's own `organization_id`."""
        view, ours = await self._located(team_id, api, organization_id, rule)
        if ours is None:
            return view if rule.organization_id == organization_id else None
        return view if ours else None

    async def _located(
        self, team_id: str, api: QoveryApi, organization_id: str, rule: AlertRule
    ) -> tuple[RuleView, bool | None]:
        """The rule's view, and whether its environment is of the organization (None: not known now)."""
        view = view_of(rule)
        environment_id = view.scope.environment_id
        if environment_id is None:
            return view, True  # on no environment (a cluster's): the organization's listing is all there is
        ours, place = await self._placed(team_id, api, organization_id, environment_id)
        if place is None:
            return view, ours
        scope, project_id = place
        return view_of(rule, scope, project_id), True

    async def environment_ours(
        self, team_id: str, api: QoveryApi, organization_id: str, environment_id: str
    ) -> bool | None:
        """Whether the environment is of the workspace's organization (None: not known now)."""
        ours, _ = await self._placed(team_id, api, organization_id, environment_id)
        return ours

    async def _placed(
        self, team_id: str, api: QoveryApi, organization_id: str, environment_id: str
    ) -> tuple[bool | None, tuple[Scope, str | None] | None]:
        found = self._found.get((team_id, environment_id))
        if found is None or found[0] < time.monotonic():
            place: tuple[Scope, str | None] | None
            try:
                async with asyncio.timeout(5):
                    place = await _place(api, organization_id, environment_id)
            except (QoveryNotFound, QoveryForbidden):
                place = None  # the workspace's token sees no such environment in its organization
            except (QoveryError, TimeoutError):
                return None, None  # shown and filtered with the names the rule carries
            found = (time.monotonic() + _MEMORY_SECONDS, place)
            if len(self._found) > _MEMORY_SIZE:
                self._found.clear()
            self._found[(team_id, environment_id)] = found
        return found[1] is not None, found[1]


async def _place(
    api: QoveryApi, organization_id: str, environment_id: str
) -> tuple[Scope, str | None] | None:
    """The environment's names and type, and its project; None when it is of another organization."""
    environment = await api.get_environment(environment_id)
    if environment.organization.id != organization_id:
        return None
    projects = await api.list_projects(organization_id)
    project = next((p for p in projects if p.id == environment.project.id), None)
    if project is None:
        return None  # its project is not one of the organization's
    scope = Scope(
        project=project.name,
        environment=environment.name,
        environment_id=environment.id,
        environment_type=str(environment.mode),
    )
    return scope, environment.project.id
