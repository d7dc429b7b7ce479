"""Acting on an environment from Slack (SPEC §12): deploy, redeploy, cancel, stop, rollback.

Typed commands, and the card's Rollback button, store what will be done and answer the asker with a
confirmation; its button names only that stored action (SPEC §9), which runs once, as it was shown,
for the one who asked. The card's Redeploy and Cancel buttons run at once, after Slack's own dialog.
Every action runs with the user's own Qovery token when they logged in, is recorded, and is told in the
channel (the card's thread for a card's button); the card of the deployment it starts joins that thread.
A confirmed action a freeze stops, or the approval policy holds back, goes no further (`held_back`, the
`Gate`: bot.approvals). An action Qovery queues says behind what (bot/actions/queue.py).
(Over 300 lines: proposing, confirming, holding back and running are one flow, read together.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.access import Access, Acting, Caller
from bot.actions.environments import find_environment, read_where
from bot.actions.plans import (
    Action,
    ActionKind,
    ActionState,
    ServiceChange,
    Target,
    confirmed_since,
    every_service,
    latest_success,
    one_service,
    rollback_changes,
)
from bot.actions.ports import Actions, Gate
from bot.actions.queue import place_in_queue, queued_message
from bot.actions.views import (
    audit_message,
    confirmation,
    confirmation_gone,
    plan_fits,
    read_action_button,
    where_words,
)
from bot.blocks import Message, escape, plain
from bot.clock import utcnow
from bot.deliveries import Card, CardButton, Cards, tie
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import (
    DeploymentHistory,
    EnvironmentStatus,
    QoveryError,
    QoveryForbidden,
    QoveryTimeout,
    QoveryUnauthorized,
    Service,
)
from bot.subscriptions import Hooks

__all__ = ["STALE_PROMOTION", "ActionRequest", "EnvironmentActions"]

_UNKNOWN_CARD = (
    "This button does not belong to a deployment card of this workspace (or the card is over 30 days "
    "old): nothing was done."
)
STALE_PROMOTION = (
    "This plan is stale: one of its environments was deployed again since it was made. Nothing was "
    "done; a new plan shows what a promotion would do now."
)
_UNKNOWN_ACTION = "This button does not belong to a confirmation of yours: nothing was done."


@dataclass(frozen=True)
class ActionRequest:
    """What was typed: `deploy billing/production --service api --commit 3f2a…`."""

    kind: ActionKind
    where: str
    service: str | None = None
    commit: str | None = None
    tag: str | None = None
    services: tuple[str, ...] = ()  # a Workflow Builder step's: each at `commit` or `tag`


class EnvironmentActions:
    def __init__(
        self,
        access: Access,
        actions: Actions,
        cards: Cards,
        hooks: Hooks,
        poster: SlackPoster,
        slash_command: str,
        clock: Callable[[], datetime] = utcnow,
        gate: Gate | None = None,
    ) -> None:
        self._gate = gate  # the approval policy, which may hold a confirmed action back
        self._access = access
        self._actions = actions
        self._cards = cards
        self._hooks = hooks
        self._poster = poster
        self._command = slash_command
        self._clock = clock
        self._replan: Callable[[Caller, Action], Awaitable[None]] | None = None

    def replans_with(self, replan: Callable[[Caller, Action], Awaitable[None]]) -> None:
        """Who posts a new plan when a promotion is found stale as it is about to run (bot.promotion):
        its approval may have waited while either environment was deployed again."""
        self._replan = replan

    # -- typed, then confirmed ---------------------------------------------------------------------------

    async def propose(self, caller: Caller, request: ActionRequest) -> Message:
        action, acting = await self.planned(caller, request)
        return await self._proposed(action, acting)

    async def planned(self, caller: Caller, request: ActionRequest) -> tuple[Action, Acting]:
        """What `request` would do, found by name and checked for `caller`: not stored yet."""
        acting = await self._access.acting(caller)
        try:
            where = read_where(request.where)
            project, env = await find_environment(acting.api, acting.organization_id, where)
            target = Target(env.id, env.name, project.name, str(env.mode), acting.organization_id, project.id)
            await self._access.check_may_act(caller, production=target.production, own_token=acting.own_token)
            changes = await self._changes(acting, request, target)
        except QoveryError as error:
            raise UserError(self._refused(error, acting)) from None
        action = Action(caller.team_id, caller.user_id, caller.channel_id, request.kind, target, changes)
        return action, acting

    async def _changes(
        self, acting: Acting, request: ActionRequest, target: Target
    ) -> tuple[ServiceChange, ...]:
        if request.kind not in (ActionKind.DEPLOY, ActionKind.ROLLBACK):
            return ()
        services, history = await _services_and_history(acting, target.environment_id)
        if request.kind is ActionKind.ROLLBACK:
            return rollback_changes(history, services)[1]
        if request.services:
            return tuple(
                one_service(services, history, name, request.commit, request.tag) for name in request.services
            )
        if request.service is not None:
            return (one_service(services, history, request.service, request.commit, request.tag),)
        return every_service(services, history)

    async def _proposed(self, action: Action, acting: Acting) -> Message:
        if not plan_fits(action):
            raise UserError(
                f"This would name {len(action.changes)} services, more than one Slack message can "
                "show in full: nothing was proposed. Deploy them a few at a time with `--service`, or "
                "from Qovery's console."
            )
        action = replace(action, own_token=acting.own_token)  # as the confirmation says: what runs
        action_id = await self._actions.add(action, self._clock())
        return confirmation(action.with_id(action_id), own_token=acting.own_token)

    async def confirm(self, caller: Caller, value: object) -> Message:
        action = await self._own_action(caller, value)
        now = self._clock()
        assert action.id is not None
        if action.state is not ActionState.PROPOSED or action.confirmation_expired(now):
            return plain(confirmation_gone(action, now))  # neither run nor asked for
        acting = await self._access.acting(caller)
        if (changed := _token_changed(action, acting)) is not None:
            return plain(changed)  # neither run nor asked for with a token the confirmation did not name
        if (held := await self.held_back(caller, action, acting)) is not None:
            return held
        if not await self._actions.start(action.id, confirmed_since(now)):
            return plain(confirmation_gone(action, now))
        if (answer := await self._run(caller, action)) is not None:
            return answer
        ran = await self._actions.get(action.id)
        done = (
            "queued by Qovery (the environment is busy)"
            if ran and ran.state is ActionState.QUEUED
            else "done"
        )
        return plain(f"{where_words(action)}: {done}, and said in the channel.")

    async def held_back(self, caller: Caller, action: Action, acting: Acting | None = None) -> Message | None:
        """The answer when the action may not run now, else None (it runs now): a release freeze holds
        on its environment, or the approval policy holds it back. Every door (command, card button, step,
        promotion) passes a stored action through here before it runs."""
        if self._gate is None:
            return None
        acting = acting or await self._access.acting(caller)
        return await self._gate.held(caller, action, own_token=acting.own_token)

    async def run_approved(self, requester: Caller, action: Action) -> None:
        """An approved request's stored plan, run once (it is RUNNING), as its requester: their own token
        when they are logged in, §12's permissions checked for them now."""
        await self._run(requester, action)

    async def dismiss(self, caller: Caller, value: object) -> Message:
        action = await self._own_action(caller, value)
        assert action.id is not None
        if await self._actions.drop(action.id):
            return plain("Nothing was done.")
        return plain("This was already confirmed or called off.")

    async def _own_action(self, caller: Caller, value: object) -> Action:
        action_id = read_action_button(value)
        action = await self._actions.get(action_id) if action_id is not None else None
        if action is None or (action.team_id, action.user_id) != (caller.team_id, caller.user_id):
            raise UserError(_UNKNOWN_ACTION)
        return action

    # -- a card's buttons --------------------------------------------------------------------------------

    async def redeploy_card(self, caller: Caller, value: object) -> Message | None:
        return await self._now_from_card(caller, value, ActionKind.REDEPLOY)

    async def cancel_card(self, caller: Caller, value: object) -> Message | None:
        return await self._now_from_card(caller, value, ActionKind.CANCEL)

    async def rollback_card(self, caller: Caller, value: object) -> Message:
        """A failure card's Rollback: back from that card's deployment, after a confirmation."""
        acting, action, card = await self._from_card(caller, value, ActionKind.ROLLBACK)
        services, history = await _services_and_history(acting, action.target.environment_id)
        at = card.finished_at or card.deployment.at or self._clock()
        entry = tie(history, card.deployment, at)  # as the card's details were found
        if entry is None:
            raise UserError(
                "Qovery's last deployments do not show which one this card is: nothing was done. "
                f"`{self._command} rollback <project>/<environment>` goes back from the latest one."
            )
        _, changes = rollback_changes(history, services, entry.identifier.execution_id)
        return await self._proposed(replace(action, changes=changes), acting)

    async def act(
        self, caller: Caller, action: Action, claim: Callable[[], Awaitable[bool]]
    ) -> tuple[Message | None, int | None]:
        """An action another use case made (a promotion's plan), confirmed by `caller`'s click: checked
        for them, then `claim`ed (its plan used once: False, and nothing is done), held back when the
        policy says so, else run once; what they alone should read, and the action stored (its state
        says whether it ran, waits for approval, or was stopped: the plan then says so too)."""
        # Confirmed by this click: it runs with the presser's token, whoever made the plan.
        action = replace(action, own_token=(await self._access.acting(caller)).own_token)
        acting = await self._checked(caller, action)
        if not await claim():
            return plain("This was already done or called off: nothing more was done."), None
        return await self._confirmed(caller, action, acting)

    async def _confirmed(
        self, caller: Caller, action: Action, acting: Acting
    ) -> tuple[Message | None, int | None]:
        """An action confirmed at once (a card's button, a promotion's plan): stored, held back when a
        freeze or the policy says so, else started once and run; the answer, and the action's id."""
        now = self._clock()
        action = replace(action, own_token=acting.own_token)
        action = action.with_id(await self._actions.add(action, now))
        assert action.id is not None
        if (held := await self.held_back(caller, action, acting)) is not None:
            return held, action.id
        if not await self._actions.start(action.id, confirmed_since(now)):
            return plain("This was already done or called off: nothing more was done."), action.id
        return await self._run(caller, action, acting), action.id

    async def _now_from_card(self, caller: Caller, value: object, kind: ActionKind) -> Message | None:
        acting, action, _ = await self._from_card(caller, value, kind)
        answer, _ = await self._confirmed(caller, action, acting)
        return answer

    async def _from_card(
        self, caller: Caller, value: object, kind: ActionKind
    ) -> tuple[Acting, Action, Card]:
        """The action a card's button asks for, on what the bot's own record of the card shows."""
        button = CardButton.load(value)
        card = await self._cards.get(button.card_id) if button else None
        hook = await self._hooks.get(card.hook_id) if card else None
        if button is None or card is None or hook is None or hook.team_id != caller.team_id:
            raise UserError(_UNKNOWN_CARD)
        shown = card.deployment
        if shown.environment.id != button.environment_id:
            raise UserError("This card no longer shows the environment this button was drawn for.")
        acting = await self._access.acting(caller)
        if shown.organization.id not in (None, acting.organization_id):
            raise UserError("This card is about another Qovery organization than this workspace's.")
        target = await self._target(caller, acting, button.environment_id, shown.project.name)
        # In the card's thread, where everyone following the deployment sees it.
        action = Action(
            caller.team_id,
            caller.user_id,
            hook.channel_id,
            kind,
            target,
            thread_ts=card.thread_ts or card.ts or None,
            own_token=acting.own_token,  # confirmed at the click: whose token it runs with is the presser's
        )
        return acting, action, card

    async def _target(
        self, caller: Caller, acting: Acting, environment_id: str, project: str | None
    ) -> Target:
        """The environment as Qovery says it is now (its type decides who may), checked for the caller."""
        env = await acting.api.get_environment(environment_id)
        target = Target(
            env.id,
            env.name,
            project or env.project.id,
            str(env.mode),
            acting.organization_id,
            env.project.id,
        )
        await self._access.check_may_act(caller, production=target.production, own_token=acting.own_token)
        return target

    async def rollback_from(
        self,
        caller: Caller,
        environment_id: str,
        execution_id: str,
        project: str | None,
        channel_id: str,
        thread_ts: str | None,
    ) -> Message:
        """A rollback from the deployment `execution_id` (an alert's Rollback: the deployment it followed),
        after the same confirmation as every rollback; told in `thread_ts`."""
        acting = await self._access.acting(caller)
        try:
            target = await self._target(caller, acting, environment_id, project)
            services, history = await _services_and_history(acting, environment_id)
        except QoveryError as error:
            raise UserError(self._refused(error, acting)) from None
        if not any(e.identifier.execution_id == execution_id for e in history):
            raise UserError(
                "Qovery's last deployments no longer show the one this alert followed: nothing was done. "
                f"`{self._command} rollback <project>/<environment>` goes back from the latest one."
            )
        _, changes = rollback_changes(history, services, execution_id)
        action = Action(
            caller.team_id,
            caller.user_id,
            channel_id,
            ActionKind.ROLLBACK,
            target,
            changes,
            thread_ts=thread_ts,
        )
        return await self._proposed(action, acting)

    # -- running ---------------------------------------------------------------------------------------

    async def _run(self, caller: Caller, action: Action, acting: Acting | None = None) -> Message | None:
        """Ask Qovery, record the outcome, tell the channel; what the asker alone should read, if any."""
        assert action.id is not None
        asked = False  # whether Qovery was asked to act (not only to read)
        try:
            acting = acting or await self._checked(caller, action)
            await self._still_as_shown(acting, action)
            asked = True
            status = await self._ask_qovery(acting, action)
        except (UserError, QoveryError) as error:
            words = error.message if isinstance(error, UserError) else self._refused(error, acting)
            own = acting.own_token if acting else False
            if asked and isinstance(error, QoveryTimeout):  # no answer is no refusal: it may have started
                unknown = (
                    f"Qovery did not answer in time: {where_words(action)} may have started deploying. "
                    f"Look at it (`{self._command} status`) before trying again."
                )
                await self._actions.finish(
                    action.id, ActionState.UNKNOWN, unknown, None, self._clock(), own_token=own
                )
                return plain(unknown)
            await self._actions.finish(
                action.id, ActionState.REFUSED, words, None, self._clock(), own_token=own
            )
            if words == STALE_PROMOTION and self._replan is not None:  # as the plan's own Promote does
                await self._replan(caller, action)
            return plain(f"Nothing was done: {words}")
        said = status.state or "accepted"
        # A busy environment: Qovery queued the request, and the message says behind what.
        place = None
        if action.kind.starts_a_deployment:
            place = await place_in_queue(acting.api, action.target.environment_id, status)
        message = audit_message(action, said, own_token=acting.own_token)
        if place is not None:
            shown = replace(action, outcome=said, own_token=acting.own_token)
            message = queued_message(shown, place.words(), open_=True)
        thread: str | None = None
        posted: str | None = None
        answer: Message | None = None
        try:
            posted = await self._poster.post(
                action.team_id, action.channel_id, message, thread_ts=action.thread_ts
            )
            thread = action.thread_ts or posted
        except SlackFailure as failure:
            answer = plain(
                f"Qovery took it ({escape(said.lower())}), but the bot could not say so in the channel "
                f"({escape(failure.reason)}): invite it there with `/invite`."
            )
        if place is not None:
            await self._actions.queued(action.id, place.request_id, posted)
        state = ActionState.QUEUED if place is not None else ActionState.DONE
        await self._actions.finish(action.id, state, said, thread, self._clock(), own_token=acting.own_token)
        return answer

    async def _checked(self, caller: Caller, action: Action) -> Acting:
        """At the click: the same organization, and the caller still allowed (they may have logged out)."""
        acting = await self._access.acting(caller)
        if acting.organization_id != action.target.organization_id:
            raise UserError("This workspace now manages another Qovery organization.")
        if (changed := _token_changed(action, acting)) is not None:
            raise UserError(changed)
        production, own = action.target.production, acting.own_token
        await self._access.check_may_act(caller, production=production, own_token=own)
        return acting

    async def _ask_qovery(self, acting: Acting, action: Action) -> EnvironmentStatus:
        api, env_id = acting.api, action.target.environment_id
        match action.kind:
            case ActionKind.DEPLOY if any(change.after for change in action.changes):
                return await api.deploy_services(env_id, action.versions())
            case ActionKind.DEPLOY:
                return await api.deploy_environment(env_id)
            case ActionKind.ROLLBACK | ActionKind.PROMOTE:
                return await api.deploy_services(env_id, action.versions())
            case ActionKind.REDEPLOY:
                return await api.redeploy_environment(env_id)
            case ActionKind.CANCEL:
                return await api.cancel_deployment(env_id)
            case ActionKind.STOP:
                return await api.stop_environment(env_id)

    async def _still_as_shown(self, acting: Acting, action: Action) -> None:
        """What is read before Qovery is asked to act: what was confirmed is still what would run."""
        if action.kind is ActionKind.DEPLOY and not any(change.after for change in action.changes):
            await self._same_services(acting, action)
        elif action.kind is ActionKind.PROMOTE:
            await self._not_stale(acting, action)

    async def _same_services(self, acting: Acting, action: Action) -> None:
        """A deploy of every service runs only on the services it showed: one added or removed since
        would be deployed, or not, without the one who confirmed or approved it having seen so."""
        now = every_service(await acting.api.list_services(action.target.environment_id), [])
        if {c.service_id for c in now} != {c.service_id for c in action.changes}:
            raise UserError(
                "The environment's services changed since this was shown: nothing was done. Ask again "
                "to see what it would deploy now."
            )

    async def _not_stale(self, acting: Acting, action: Action) -> None:
        """A promotion runs only what its plan showed: a newer deployment of either environment since
        (its approval may have waited) leaves it undone."""
        promotion = action.promotion
        assert promotion is not None
        source, target = await asyncio.gather(
            acting.api.list_deployment_history(promotion.source.environment_id),
            acting.api.list_deployment_history(action.target.environment_id),
        )
        if (
            _execution(source) != promotion.source_execution
            or _execution(target) != promotion.target_execution
        ):
            raise UserError(STALE_PROMOTION)

    def _refused(self, error: QoveryError, acting: Acting | None) -> str:
        if acting is not None and acting.own_token:
            if isinstance(error, QoveryUnauthorized):
                return (
                    "Qovery refused your own token: it may have been deleted or have expired. "
                    f"Log in again with `{self._command} login`, or `{self._command} logout`."
                )
            if isinstance(error, QoveryForbidden):
                said = f" Qovery said: {escape(error.detail)}" if error.detail else ""
                return f"Your Qovery role does not allow this on this environment.{said}"
        return error.sentence(self._command)


def _execution(history: list[DeploymentHistory]) -> str | None:
    found = latest_success(history)
    return found.identifier.execution_id if found else None


async def _services_and_history(
    acting: Acting, environment_id: str
) -> tuple[list[Service], list[DeploymentHistory]]:
    """What a deploy or rollback plan is made of: the environment's services and its last deployments."""
    services, history = await asyncio.gather(
        acting.api.list_services(environment_id), acting.api.list_deployment_history(environment_id)
    )
    return services, history


def _token_changed(action: Action, acting: Acting) -> str | None:
    """Why the action does not run when its asker logged in or out since its confirmation (or request)
    named whose Qovery token it runs with; None when the token is the one named."""
    if acting.own_token == action.own_token:
        return None
    approved = action.request_ts is not None
    whose = "the requester's" if approved else "your"  # no mention: Qovery's answer is shown lower-case
    who = "they have" if approved else "you have"
    if action.own_token:
        return (
            f"Nothing was done: this was to run with {whose} own Qovery token, and {who} logged out since. "
            "Log in again and ask again."
        )
    return (
        f"Nothing was done: this was to run with the workspace's Qovery token, and {who} logged in since. "
        "Ask again to run it with your own token."
    )
