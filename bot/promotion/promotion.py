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
    read_where,
    where_words,
)
from bot.blocks import Message, cut, escape, plain
from bot.clock import utcnow
from bot.deliveries import CardButton, Cards
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.promotion.plan import PlannedService
from bot.promotion.reads import environment_by_id, environment_named, planned, read_side, stale, target_where
from bot.promotion.views import PLAN_MINUTES, decided_message, plan_fits, plan_message, read_plan_button
from bot.qovery import QoveryError
from bot.subscriptions import Hooks

__all__ = ["PromotionRequest", "Promotions"]

_UNKNOWN = "This button does not belong to a promotion plan of this workspace: nothing was done."
_STOPPED = (ActionState.PROPOSED, ActionState.REFUSED, ActionState.UNKNOWN)  # frozen, refused, unanswered
_USED = "This plan was already promoted or called off: nothing more was done."


@dataclass(frozen=True)
class PromotionRequest:
    """`promote billing/staging --to production --services api,worker*`."""

    source: str  # project/environment
    target: str  # an environment of the same project, or project/environment
    services: tuple[str, ...] = ()


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
            source = await environment_named(acting, read_where(request.source))
            target = await environment_named(acting, target_where(source, request.target))
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
            source = await environment_by_id(acting, button.environment_id)
            target = await environment_named(acting, target_where(source, hook.settings.promote_to))
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
            is_stale = await stale(acting.api, plan)
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        if is_stale:
            return await self._replaced(caller, acting, plan)
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

        plan_id = plan.id

        async def claim() -> bool:
            if not await self._actions.drop(plan_id):
                return False
            await self._decided(plan, f"<@{caller.user_id}> pressed Promote.")
            return True

        answer, action_id = await self._acting.act(caller, action, claim)
        stored = await self._actions.get(action_id) if action_id is not None else None
        # Stopped on the way (a freeze, Qovery's refusal...): the channel reads why, not just the press;
        # the plan is used up, so trying again after a refusal is the command that makes a new one.
        if answer and stored is not None and stored.state in _STOPPED:
            said = str(answer.get("text", ""))
            if stored.state is ActionState.REFUSED:
                answer = plain(said := f"{said} {self._ask_again(plan)} makes a new plan.")
            await self._decided(plan, f"<@{caller.user_id}> pressed Promote. {said}")
        return answer or plain(f"{where_words(action)}: promoted, and said in the channel.")

    async def _replaced(self, caller: Caller, acting: Acting, plan: Action) -> Message:
        """A stale plan used up (of two presses, one), and a new plan under it. Qovery failing on the new
        one is said on the old one, with how to ask again: never "a new plan follows" when none does."""
        assert plan.id is not None
        assert plan.promotion is not None
        if not await self._actions.drop(plan.id):
            return plain(STALE_PROMOTION)
        stale_words = "stale (deployed again since): nothing was done"
        try:
            source = await environment_by_id(acting, plan.promotion.source.environment_id)
            target = await environment_by_id(acting, plan.target.environment_id)
            thread, only = plan.thread_ts or plan.request_ts, plan.promotion.services
            await self._post_plan(caller, acting, source, target, only, thread, channel=plan.channel_id)
        except (UserError, QoveryError) as error:
            why = error.message if isinstance(error, UserError) else error.sentence(self._command)
            again = f"no new plan could be made ({why}); `{self._command} promote` makes one"
            await self._decided(plan, f"{stale_words}; {again}.")
            return plain(f"This plan is stale: nothing was done, and {again}.")
        await self._decided(plan, f"{stale_words}; a new plan follows.")
        return plain(STALE_PROMOTION)

    async def replan(self, caller: Caller, action: Action) -> None:
        """A promotion found stale as it was about to run (its approval waited): a new plan under its
        request. Qovery failing now leaves the request's own words (stale, nothing was done)."""
        assert action.promotion is not None
        try:
            acting = await self._access.acting(caller)
            source = await environment_by_id(acting, action.promotion.source.environment_id)
            target = await environment_by_id(acting, action.target.environment_id)
            thread, only = action.thread_ts or action.request_ts, action.promotion.services
            await self._post_plan(caller, acting, source, target, only, thread, channel=action.channel_id)
        except (UserError, QoveryError):
            pass

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

    async def for_step(self, caller: Caller, request: PromotionRequest) -> Action:
        """A Workflow Builder step's promotion: the same plan, not posted (the workflow is its
        confirmation); a UserError when it would promote nothing."""
        acting = await self._access.acting(caller)
        try:
            source = await environment_named(acting, read_where(request.source))
            target = await environment_named(acting, target_where(source, request.target))
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        plan, lines = await self._plan_of(caller, acting, source, target, request.services, None, None)
        if not any(p.promoted for p in lines):
            raise UserError(
                f"{escape(target.environment)} already runs what {escape(source.environment)} runs: "
                "there is nothing to promote."
            )
        return plan

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
        plan, plan_lines = await self._plan_of(caller, acting, source, target, only, thread_ts, channel)
        where = where_words(plan)
        if any(p.promoted for p in plan_lines):
            plan = plan.with_id(await self._actions.add(plan, self._clock()))
        message = plan_message(plan, plan_lines, where)
        try:
            ts = await self._poster.post(caller.team_id, plan.channel_id, message, thread_ts=thread_ts)
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

    async def _plan_of(
        self,
        caller: Caller,
        acting: Acting,
        source: Target,
        target: Target,
        only: tuple[str, ...],
        thread_ts: str | None,
        channel: str | None,
    ) -> tuple[Action, tuple[PlannedService, ...]]:
        """What a promotion from `source` to `target` would do now: the plan, and each service's line."""
        if source.environment_id == target.environment_id:
            raise UserError("An environment cannot be promoted to itself: name another with `--to`.")
        if source.organization_id != target.organization_id:
            raise UserError("Both environments must be of this workspace's Qovery organization.")
        try:
            one, other = await asyncio.gather(read_side(acting.api, source), read_side(acting.api, target))
            plan_lines = await planned(acting.api, one, other, only)
        except QoveryError as error:
            raise UserError(error.sentence(self._command)) from None
        if only and not plan_lines:
            raise UserError(
                f"No service of {escape(source.environment)} matches `{escape(', '.join(only))}`."
            )
        running = (one.running, other.running)
        executions = tuple(r.identifier.execution_id if r else None for r in running)
        promotion = Promotion(source, executions[0], executions[1], only)
        channel_id = channel or caller.channel_id
        changes = tuple(p.change for p in plan_lines)
        plan = Action(caller.team_id, caller.user_id, channel_id, ActionKind.PROMOTE, target, changes,
                      thread_ts=thread_ts, promotion=promotion)  # fmt: skip
        if any(p.promoted for p in plan_lines) and not plan_fits(plan, plan_lines):
            raise UserError(
                f"This plan would name {len(plan_lines)} services, more than one Slack message can show in "
                "full: nothing was proposed. Promote them a few at a time with `--services`."
            )
        return plan, plan_lines

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

    def _ask_again(self, plan: Action) -> str:
        """`/qovery promote billing/staging --to production --services api`: the command of this plan."""
        assert plan.promotion is not None
        source, target = plan.promotion.source, plan.target
        to = (
            target.environment
            if target.project == source.project
            else f"{target.project}/{target.environment}"
        )
        services = f" --services {','.join(plan.promotion.services)}" if plan.promotion.services else ""
        typed = f"{self._command} promote {source.project}/{source.environment} --to {to}{services}"
        shown = cut(typed.replace("`", "'"), 300)  # a backtick in a name would end the code span
        return f"`{escape(shown)}`"

    def _gone(self, plan: Action) -> str | None:
        if plan.state is not ActionState.PROPOSED:
            return _USED
        if (plan.created_at or self._clock()) < self._clock() - timedelta(minutes=PLAN_MINUTES):
            return (
                f"This plan has expired (its buttons are good for {PLAN_MINUTES} minutes): nothing was "
                f"done. `{self._command} promote` shows what a promotion would do now."
            )
        return None

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
