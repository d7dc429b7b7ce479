"""`/qovery status` and `/qovery history` (SPEC §12, the views): the organization's environments as Qovery
sees them, and one environment's last deployments.

`<project>/<environment>` is matched by name in any case; a name that matches nothing, or several,
is answered with the candidates. Everything Qovery says is escaped; each view stays within Block Kit's
limits, however many environments there are.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.access import Access, Caller
from bot.actions.plans import Action
from bot.actions.ports import Actions
from bot.actions.queue import queue_lines
from bot.blocks import MAX_BLOCKS, Block, Message, context, cut, escape, section, slack_date
from bot.deliveries import details, status_emoji, status_of, trigger_words, versions_words
from bot.errors import UserError
from bot.qovery import DeploymentHistory, Environment, Project, QoveryApi, QoveryError, QueuedRequest

__all__ = ["EnvironmentViews", "Where", "find_environment", "read_where"]

_ENVIRONMENTS_SHOWN = 20
_DEPLOYMENTS_SHOWN = 10
_SERVICES_SHOWN = 10  # of one deployment, then how many more


@dataclass(frozen=True)
class Where:
    """`billing/production`, `billing`, or nothing: names as typed."""

    project: str | None = None
    environment: str | None = None


def read_where(text: str) -> Where:
    project, _, environment = text.partition("/")
    return Where(project.strip() or None, environment.strip() or None)


def _emoji(state: str) -> str:
    return status_emoji(status_of(state))


def _one(kind: str, wanted: str, names: list[str]) -> str:
    """The one name that is `wanted` in any case, or a UserError listing the candidates."""
    found = [name for name in names if name.lower() == wanted.lower()]
    if len(found) == 1:
        return found[0]
    listed = ", ".join(f"`{escape(cut(n, 60))}`" for n in sorted(names)[:20]) or "none"
    if found:
        raise UserError(f"Several {kind}s are named `{escape(wanted)}`: {listed}.")
    raise UserError(f"No {kind} is named `{escape(cut(wanted, 80))}`. The {kind}s: {listed}.")


class EnvironmentViews:
    def __init__(self, access: Access, actions: Actions | None = None) -> None:
        self._access = access
        self._actions = actions  # the bot's own queued actions: who asked, and since when

    async def status(self, caller: Caller, where: Where) -> Message:
        api, organization = await self._access.qovery(caller.team_id)
        projects = await api.list_projects(organization)
        if where.project is not None:
            name = _one("project", where.project, [p.name for p in projects])
            projects = [p for p in projects if p.name == name]
        listed = await asyncio.gather(*(api.list_environments(p.id) for p in projects))
        found = [(project, env) for project, envs in zip(projects, listed, strict=True) for env in envs]
        if where.environment is not None:
            name = _one("environment", where.environment, [env.name for _, env in found])
            found = [(project, env) for project, env in found if env.name == name]
        if not found:
            return _answer("No environment to show.", [section("The organization has no environment here.")])
        shown = found[:_ENVIRONMENTS_SHOWN]
        queued = await self._actions.in_queue() if self._actions else []
        known = {a.queue_request: a for a in queued if a.team_id == caller.team_id and a.queue_request}
        lines = await asyncio.gather(*(self._status_line(api, project, env, known) for project, env in shown))
        blocks = [section(line) for line in lines]
        if len(found) > len(shown):
            blocks.append(context(f"… and {len(found) - len(shown)} more: name a project to see them."))
        return _answer(f"{len(found)} environments", [section("*Environments*"), *blocks])

    async def _status_line(
        self, api: QoveryApi, project: Project, env: Environment, known: dict[str, Action]
    ) -> str:
        status, history, waiting = await asyncio.gather(
            api.get_environment_status(env.id), api.list_deployment_history(env.id), _queue(api, env.id)
        )
        mode, state = escape(str(env.mode).lower()), escape(status.state.lower().replace("_", " "))
        line = f"{_emoji(status.state)} *{escape(project.name)} / {escape(env.name)}* ({mode}) · {state}"
        if history:
            last = history[0]
            line += f"\nLast: {_emoji(last.status)} {slack_date(last.auditing_data.created_at)}"
            found = details(last)
            line += f" · {trigger_words(found)}"
            if versions := versions_words(found.services, _SERVICES_SHOWN):
                line += "\n" + versions
        if waiting:
            line += f"\n:hourglass_flowing_sand: {len(waiting)} queued:\n" + "\n".join(
                queue_lines(waiting, known)
            )
        return cut(line, 3000)

    async def history(self, caller: Caller, where: Where) -> Message:
        api, organization = await self._access.qovery(caller.team_id)
        project, env = await find_environment(api, organization, where)
        deployments = (await api.list_deployment_history(env.id))[:_DEPLOYMENTS_SHOWN]
        title = f"*Last deployments of {escape(project.name)} / {escape(env.name)}*"
        if not deployments:
            return _answer(
                "No deployment yet", [section(title), context("Qovery has no deployment of it yet.")]
            )
        blocks: list[Block] = [section(title), *(section(_history_line(d)) for d in deployments)]
        return _answer(f"Last deployments of {project.name} / {env.name}", blocks[:MAX_BLOCKS])


async def find_environment(api: QoveryApi, organization: str, where: Where) -> tuple[Project, Environment]:
    """The one environment `<project>/<environment>` names, in any case; else a UserError with candidates."""
    if where.project is None or where.environment is None:
        raise UserError("Name the environment as `<project>/<environment>`, such as `billing/production`.")
    projects = await api.list_projects(organization)
    name = _one("project", where.project, [p.name for p in projects])
    project = next(p for p in projects if p.name == name)
    envs = await api.list_environments(project.id)
    env_name = _one("environment", where.environment, [e.name for e in envs])
    return project, next(e for e in envs if e.name == env_name)


async def _queue(api: QoveryApi, environment_id: str) -> list[QueuedRequest]:
    """The environment's queue; empty when it cannot be read (the rest of the status still shows)."""
    try:
        return await api.list_deployment_requests(environment_id)
    except QoveryError:
        return []


def _history_line(deployment: DeploymentHistory) -> str:
    found = details(deployment)
    when = slack_date(deployment.auditing_data.created_at)
    line = f"{_emoji(deployment.status)} {when} · {trigger_words(found)}"
    line += f" · {escape(deployment.status.lower().replace('_', ' '))}"
    if versions := versions_words(found.services, _SERVICES_SHOWN):
        line += "\n" + versions
    return cut(line, 3000)


def _answer(text: str, blocks: list[Block]) -> Message:
    return {"response_type": "ephemeral", "text": text, "blocks": blocks[:MAX_BLOCKS]}
