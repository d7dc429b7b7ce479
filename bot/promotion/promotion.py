"""Promotion, the use case: `/qovery promote <project>/<environment> --to <environment>` and a success
card's "Promote to ENV" post a plan in the channel; its Promote button is the confirmation of whoever
presses it.

The plan is stored as a proposed action (`bot.actions`: the audit trail's table) and its buttons name
only its id, checked to be of the clicking workspace. Promote checks the presser (who may act on the
target, the PRODUCTION rule), then uses the plan once (one conditional write: of two clicks or two
replicas, one), and hands an action of the presser's to `EnvironmentActions.act`: the approval gate,
the run, the message in the channel, the audit are theirs, never done again here. A plan older than
30 minutes, or made stale by a newer deployment of either environment, runs nothing; a stale one is
followed by a new plan.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.access import Access, Acting, Caller
from bot.actions import (
    STALE_PROMOTION,
    Action,
    ActionKind,
    Actions,
    ActionState,
    EnvironmentActions,
    Promotion,
    Target,
    Where,
    find_environment,
    latest_success,
    read_where,
    where_words,
)
from bot.blocks import Message, escape, plain
from bot.clock import utcnow
from bot.contents import ServiceVersion, versions_of
from bot.deliveries import CardButton, Cards
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.promotion.plan import PlannedService, Sources, plan_services, to_commit_walk
from bot.promotion.views import PLAN_MINUTES, decided_message, plan_message, read_plan_button
from bot.qovery import Commit, DeploymentHistory, QoveryApi, QoveryError, Service
from bot.subscriptions import Hooks

__all__ = ["PromotionRequest", "Promotions"]

_UNKNOWN = "This button does not belong to a promotion plan of this workspace: nothing was done."
_USED = "This plan was already promoted or called off: nothing more was done."


@dataclass(frozen=True)
class PromotionRequest:
    """`promote billing/staging --to production --services api,worker*`."""

    source: str  # project/environment
    target: str  # an environment of the same project, or project/environment
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Side:
    target: Target
    services: list[Service]
    history: list[DeploymentHistory]

    @property
    def running(self) -> DeploymentHistory | None:
        return latest_success(self.history)

    def versions(self) -> dict[str, ServiceVersion]:
        running = self.running
        return versions_of(running) if running else {}


class Promotions:
    def __init__(
        self,
        access: Access,
        actions: Actions,
        acting: EnvironmentActions,
        cards: Cards,
        hooks: Hooks,
        poster: SlackPoster,
        slash_command: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._access = access
        self._actions = actions
        self._acting = acting
        self._cards = cards
        self._hooks = hooks
        self._poster = poster
        self._command = slash_command
        self._clock = clock

    # -- the doors that post a plan --------------------------------------------------------------------

    async def propose(self, caller: Caller, request: PromotionRequest) -> Message:
        """The typed command: the plan, posted in the channel."""
        acting = await self._access.acting(caller)
        try:
            source = await self._where(acting, read_where(request.source))
            target = await self._where(acting, self._target_where(source, request.target))
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        return await self._post_plan(caller, acting, source, target, request.services, None)

    async def from_card(self, caller: Caller, value: object) -> Message | None:
        """A success card's "Promote to ENV": the hook's own `--promote-to`, the card's environment as
        the bot recorded it (never the click's), the plan in the card's thread."""
        button = CardButton.load(value)
        card = await self._cards.get(button.card_id) if button else None
        hook = await self._hooks.get(card.hook_id) if card else None
        if button is None or card is None or hook is None or hook.team_id != caller.team_id:
            raise UserError(_UNKNOWN)
        if card.deployment.environment.id != button.environment_id or not hook.settings.promote_to:
            raise UserError("This card no longer offers a promotion: nothing was done.")
        acting = await self._access.acting(caller)
        try:
            environment = await acting.api.get_environment(button.environment_id)
            source = await self._target_of(acting, environment.id, environment.project.id)
            target = await self._where(acting, self._target_where(source, hook.settings.promote_to))
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        where = replace(caller, channel_id=hook.channel_id)
        await self._post_plan(where, acting, source, target, (), card.thread_ts or card.ts or None)
        return None

    # -- the plan's buttons -----------------------------------------------------------------------------

    async def promote(self, caller: Caller, value: object) -> Message | None:
        plan = await self._plan(caller, value)
        assert plan.id is not None
        assert plan.promotion is not None
        if (gone := self._gone(plan)) is not None:
            return plain(gone)
        acting = await self._access.acting(caller)
        try:
            stale = await self._stale(acting.api, plan)
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        if stale:
            if await self._actions.drop(plan.id):  # used up: a new plan takes its place
                await self._decided(plan, f"stale, nothing was done: {STALE_PROMOTION.split(': ', 1)[1]}")
                source = await self._target_of(acting, plan.promotion.source.environment_id, None)
                target = await self._target_of(acting, plan.target.environment_id, None)
                thread = plan.thread_ts or plan.request_ts
                await self._post_plan(caller, acting, source, target, (), thread, channel=plan.channel_id)
            return plain(STALE_PROMOTION)
        action = Action(
            caller.team_id,
            caller.user_id,
            plan.channel_id,
            ActionKind.PROMOTE,
            plan.target,
            plan.changes,
            thread_ts=plan.thread_ts,
            promotion=plan.promotion,
        )

        async def claim() -> bool:
            if not await self._actions.drop(plan.id):  # type: ignore[arg-type]
                return False
            await self._decided(plan, f"<@{caller.user_id}> pressed Promote.")
            return True

        answer = await self._acting.act(caller, action, claim)
        return answer or plain(f"{where_words(action)}: promoted, and said in the channel.")

    async def cancel(self, caller: Caller, value: object) -> Message | None:
        plan = await self._plan(caller, value)
        assert plan.id is not None
        if plan.user_id != caller.user_id:  # the one who asked, or someone who may act on the target
            acting = await self._access.acting(caller)
            production = plan.target.production
            await self._access.check_may_act(caller, production=production, own_token=acting.own_token)
        if plan.state is not ActionState.PROPOSED or not await self._actions.drop(plan.id):
            return plain(_USED)
        await self._decided(plan, f"called off by <@{caller.user_id}>; nothing was done.")
        return plain("Called off: nothing was done.")

    # -- the plan ---------------------------------------------------------------------------------------

    async def _post_plan(
        self,
        caller: Caller,
        acting: Acting,
        source: Target,
        target: Target,
        only: tuple[str, ...],
        thread_ts: str | None,
        channel: str | None = None,
    ) -> Message:
        if source.environment_id == target.environment_id:
            raise UserError("An environment cannot be promoted to itself: name another with `--to`.")
        if source.organization_id != target.organization_id:
            raise UserError("Both environments must be of this workspace's Qovery organization.")
        try:
            one, other = await asyncio.gather(self._side(acting.api, source), self._side(acting.api, target))
            planned = await self._planned(acting.api, one, other, only)
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        if only and not planned:
            raise UserError(
                f"No service of {escape(source.environment)} matches `{escape(', '.join(only))}`."
            )
        running = (one.running, other.running)
        promotion = Promotion(source, *(r.identifier.execution_id if r else None for r in running))
        channel_id = channel or caller.channel_id
        changes = tuple(p.change for p in planned)
        plan = Action(caller.team_id, caller.user_id, channel_id, ActionKind.PROMOTE, target, changes,
                      thread_ts=thread_ts, promotion=promotion)  # fmt: skip
        where = where_words(plan)
        if any(p.promoted for p in planned):
            plan = plan.with_id(await self._actions.add(plan, self._clock()))
        message = plan_message(plan, planned, where)
        try:
            ts = await self._poster.post(caller.team_id, channel_id, message, thread_ts=thread_ts)
        except SlackFailure as failure:
            if plan.id is not None:
                await self._actions.drop(plan.id)
            raise UserError(
                f"The plan could not be posted in the channel ({escape(failure.reason)}): invite the bot "
                "there with `/invite`."
            ) from None
        if plan.id is not None:
            await self._actions.requested(plan.id, ts)  # the plan's message: edited once it is decided
            return plain("The plan is in the channel: anyone there may press Promote within 30 minutes.")
        return plain("The plan is in the channel: there is nothing to promote.")

    async def _side(self, api: QoveryApi, target: Target) -> _Side:
        services, history = await asyncio.gather(
            api.list_services(target.environment_id), api.list_deployment_history(target.environment_id)
        )
        return _Side(target, services, history)

    async def _planned(
        self, api: QoveryApi, source: _Side, target: _Side, only: tuple[str, ...]
    ) -> tuple[PlannedService, ...]:
        """The plan, with where each matched service's code comes from and the commits it carries."""
        by_name = {s.name.lower(): s for s in target.services}
        pairs = [(s, by_name[s.name.lower()]) for s in source.services if s.name.lower() in by_name]
        asked = [s for pair in pairs for s in pair if s.service_type in ("APPLICATION", "CONTAINER")]
        found = await asyncio.gather(*(api.service_source(s.service_type, s.id) for s in asked))
        where = {s.id: f for s, f in zip(asked, found, strict=True) if f is not None}
        sources = Sources(
            repositories={k: v for k, v in where.items() if _kind(asked, k) == "APPLICATION"},
            images={k: v for k, v in where.items() if _kind(asked, k) == "CONTAINER"},
        )
        versions = (source.versions(), target.versions())
        walked = [
            s for s, t in pairs
            if (new := versions[0].get(s.id)) and (old := versions[1].get(t.id)) and to_commit_walk(new, old)
        ]  # fmt: skip
        commits = await asyncio.gather(*(_commits(api, s) for s in walked))
        names = (source.target.environment, target.target.environment)
        listed = {s.id: c for s, c in zip(walked, commits, strict=True)}
        return plan_services(names, source.services, target.services, versions, sources, listed, only)

    async def _plan(self, caller: Caller, value: object) -> Action:
        plan_id = read_plan_button(value)
        plan = await self._actions.get(plan_id) if plan_id is not None else None
        if (
            plan is None
            or plan.team_id != caller.team_id
            or plan.kind is not ActionKind.PROMOTE
            or plan.promotion is None
        ):
            raise UserError(_UNKNOWN)
        return plan

    def _gone(self, plan: Action) -> str | None:
        if plan.state is not ActionState.PROPOSED:
            return _USED
        if (plan.created_at or self._clock()) < self._clock() - timedelta(minutes=PLAN_MINUTES):
            return (
                f"This plan has expired (its buttons are good for {PLAN_MINUTES} minutes): nothing was "
                f"done. `{self._command} promote` shows what a promotion would do now."
            )
        return None

    async def _stale(self, api: QoveryApi, plan: Action) -> bool:
        assert plan.promotion is not None
        source, target = await asyncio.gather(
            api.list_deployment_history(plan.promotion.source.environment_id),
            api.list_deployment_history(plan.target.environment_id),
        )
        now = tuple((r.identifier.execution_id if r else None) for r in map(latest_success, (source, target)))
        return now != (plan.promotion.source_execution, plan.promotion.target_execution)

    async def _decided(self, plan: Action, said: str) -> None:
        """The plan's message edited for everyone: its buttons gone. Slack failing leaves it as it was
        (its buttons then answer that the plan was used)."""
        if plan.request_ts is None:
            return
        try:
            message = decided_message(where_words(plan), said)
            await self._poster.update(plan.team_id, plan.channel_id, plan.request_ts, message)
        except SlackFailure:
            pass

    # -- environments -------------------------------------------------------------------------------------

    def _target_where(self, source: Target, words: str) -> Where:
        """`production` (of the source's project) or `project/environment`."""
        if "/" in words:
            return read_where(words)
        return Where(source.project, words.strip() or None)

    async def _where(self, acting: Acting, where: Where) -> Target:
        project, env = await find_environment(acting.api, acting.organization_id, where)
        return Target(env.id, env.name, project.name, str(env.mode), acting.organization_id, project.id)

    async def _target_of(self, acting: Acting, environment_id: str, project_id: str | None) -> Target:
        env = await acting.api.get_environment(environment_id)
        projects = await acting.api.list_projects(acting.organization_id)
        project = next((p for p in projects if p.id == (project_id or env.project.id)), None)
        if project is None:
            raise UserError(
                "This environment is not of this workspace's Qovery organization: nothing was done."
            )
        return Target(env.id, env.name, project.name, str(env.mode), acting.organization_id, project.id)


def _kind(services: list[Service], service_id: str) -> str:
    return next(s.service_type for s in services if s.id == service_id)


async def _commits(api: QoveryApi, service: Service) -> list[Commit] | None:
    """The source service's commits; None when Qovery does not answer (the plan then says so)."""
    try:
        return await api.list_commits(service.service_type, service.id)
    except QoveryError:
        return None
