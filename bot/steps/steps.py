"""Workflow Builder steps (the use cases): a run is recorded once (Slack may deliver its event twice),
then acted on, then completed once, with `functions.completeSuccess` or `completeError`.

`deploy` and `rollback` act as the person of their `user_context` input, through the same use case as a
button (`EnvironmentActions.act`): the permissions, the freezes and the approvals' gate apply
unchanged, with the person's own Qovery token when they logged in. A run whose action waits for an
approval, and a `wait_for_deployment` whose environment is deploying, wait in the database; `follow`
(one replica at a time, on a clock) completes each when its approval is decided, its deployment ends or
its timeout passes, whichever replica started it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.access import Access, Caller
from bot.actions import (
    Action,
    ActionKind,
    ActionRequest,
    Actions,
    ActionState,
    EnvironmentActions,
    find_environment,
    read_where,
)
from bot.clock import utcnow
from bot.deliveries import DeploymentStatus, status_of
from bot.errors import UserError
from bot.ports import Directory
from bot.promotion import PromotionRequest, Promotions
from bot.qovery import QoveryApi, QoveryError
from bot.steps.inputs import DEPLOY, ENVIRONMENT_STATUS, PROMOTE, ROLLBACK, STEPS, StepInputs
from bot.steps.outputs import Outputs, action_outputs, duration, not_run, out, versions, words
from bot.steps.ports import Completions, StepRun, StepRuns
from bot.subscriptions import HookKind, Hooks

__all__ = ["FOLLOW_JOB", "Execution", "Steps"]

log = logging.getLogger(__name__)

FOLLOW_JOB = "steps"
# A run still acting this long after it started was left by a replica that stopped on the way.
_LEFT_AFTER = timedelta(minutes=5)
_WAITING_STATES = (ActionState.PENDING, ActionState.RUNNING)
_DONE_STATES = (ActionState.DONE, ActionState.QUEUED)
_FAILED_ON_THE_WAY = "The bot failed on the way: nothing more is known. The channel says whether it ran."


@dataclass(frozen=True)
class Execution:
    """A `function_executed` event, as the Slack adapter read it."""

    team_id: str
    execution_id: str
    step: str  # the function's callback id
    inputs: object
    token: str  # the event's bot_access_token
    directory: Directory  # whether the person is an admin, asked of Slack


class Steps:
    def __init__(
        self,
        access: Access,
        acting: EnvironmentActions,
        actions: Actions,
        hooks: Hooks,
        runs: StepRuns,
        completions: Completions,
        promotions: Promotions | None = None,
        slash_command: str = "/qovery",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._promotions = promotions
        self._access = access
        self._acting = acting
        self._actions = actions
        self._hooks = hooks
        self._runs = runs
        self._completions = completions
        self._command = slash_command
        self._clock = clock

    async def executed(self, execution: Execution) -> None:
        """Run the step once: a redelivered event, or a step the bot does not declare, does nothing."""
        if execution.step not in STEPS:
            return
        run = StepRun(
            execution.execution_id,
            execution.team_id,
            execution.step,
            _person(execution.inputs) or "",
            execution.token,
            self._clock(),
        )
        if not await self._runs.add(run):
            return
        try:
            result = await self._start(run, execution)
        except UserError as error:
            result = error.message
        except QoveryError as error:
            result = error.sentence(self._command)
        except Exception:
            log.exception("steps: the run %s of %s failed", run.execution_id, run.step)
            result = _FAILED_ON_THE_WAY
        await self._settle(run, result)

    async def follow(self, now: datetime) -> int:
        """Complete each waiting run whose approval was decided, whose deployment ended or whose timeout
        passed, and each left acting by a replica that stopped; how many were completed."""
        done = 0
        for run in await self._runs.waiting(now - _LEFT_AFTER):
            try:
                result = await self._followed(run, now)
            except (UserError, QoveryError) as error:
                log.info("steps: the run %s could not be followed now: %s", run.execution_id, error)
                if run.deadline is None or now < run.deadline:
                    continue  # read again at the next follow
                said = error.message if isinstance(error, UserError) else error.sentence(self._command)
                result = f"The step's timeout passed while Qovery could not be read: {said}"
            except Exception:
                log.exception("steps: the run %s could not be followed", run.execution_id)
                continue
            if result is not None:
                done += await self._settle(run, result)
        return done

    # -- starting ---------------------------------------------------------------------------------------

    async def _start(self, run: StepRun, execution: Execution) -> Outputs | str | StepRun:
        inputs = StepInputs.read(execution.inputs)
        if run.step in (DEPLOY, PROMOTE, ROLLBACK):
            return await self._act(run, inputs, execution.directory)
        if run.step == ENVIRONMENT_STATUS:
            return await self._status(run, inputs)
        return await self._wait(run, inputs)

    async def _act(self, run: StepRun, inputs: StepInputs, directory: Directory) -> Outputs | str | StepRun:
        if inputs.user_id is None:
            raise UserError(
                "This step acts as the person in its user context input: set it to the person who started "
                "the workflow or pressed a button in an earlier step. Nothing was done."
            )
        # A direct message to the person, until the environment is known (its hook's channel).
        caller = Caller(run.team_id, inputs.user_id, inputs.channel_id or inputs.user_id, directory=directory)
        action = await self._planned(run.step, inputs, caller)
        channel = inputs.channel_id or await self._channel_for(run.team_id, action) or inputs.user_id
        caller = replace(caller, channel_id=channel)
        action = replace(action, channel_id=channel)
        answer, action_id = await self._acting.act(caller, action, _claimed)
        stored = await self._actions.get(action_id) if action_id is not None else None
        if stored is not None and stored.state in _WAITING_STATES:
            return replace(run, action_id=stored.id)  # its approval decides
        if stored is not None and stored.state in _DONE_STATES:
            return action_outputs(stored)
        if stored is not None and stored.state is ActionState.REFUSED and stored.outcome:
            return f"Nothing was done: {stored.outcome}"
        return answer["text"] if answer else "Nothing was done."

    async def _planned(self, step: str, inputs: StepInputs, caller: Caller) -> Action:
        """The action the step asks for, as the typed command would plan it (not yet stored)."""
        if step == PROMOTE:
            assert self._promotions is not None
            if not inputs.target:
                raise UserError("The environment to promote to is missing: nothing was done.")
            promotion = PromotionRequest(inputs.where(inputs.source), inputs.target, inputs.services)
            return await self._promotions.for_step(caller, promotion)
        kind = ActionKind.DEPLOY if step == DEPLOY else ActionKind.ROLLBACK
        if kind is ActionKind.DEPLOY and (inputs.commit or inputs.tag) and not inputs.services:
            raise UserError("A version is given for the services named: name them too. Nothing was done.")
        request = ActionRequest(
            kind, inputs.where(), commit=inputs.commit, tag=inputs.tag, services=inputs.services
        )
        return (await self._acting.planned(caller, request))[0]

    async def _channel_for(self, team_id: str, action: Action) -> str | None:
        """The channel of the workspace's one hook that names this environment, else of its one hook that
        takes every environment; None when several would."""
        name = action.target.environment.lower()
        hooks = [
            hook
            for hook in await self._hooks.of_team(team_id)
            if hook.kind is HookKind.DELIVERIES and hook.revoked_at is None
        ]
        naming = {h.channel_id for h in hooks if any(_matches(p, name) for p in h.settings.env_names)}
        every = {h.channel_id for h in hooks if not h.settings.env_names}
        channels = naming or every  # a hook naming it says more than one that takes all
        return channels.pop() if len(channels) == 1 else None

    async def _status(self, run: StepRun, inputs: StepInputs) -> Outputs:
        api, organization = await self._access.qovery(run.team_id)
        _, env = await find_environment(api, organization, read_where(inputs.where()))
        status = await api.get_environment_status(env.id)
        history = await api.list_deployment_history(env.id)
        last = history[0] if history else None
        return {
            "state": words(status.state),
            "last_status": words(last.status) if last else "",
            "last_triggered_by": out(last.auditing_data.triggered_by) if last else "",
            "last_at": last.auditing_data.created_at.isoformat() if last else "",
            "versions": versions(last),
        }

    async def _wait(self, run: StepRun, inputs: StepInputs) -> Outputs | StepRun:
        if inputs.timeout_minutes is None:
            raise UserError("The timeout is a number of minutes, from 1 to 60.")
        api, organization = await self._access.qovery(run.team_id)
        _, env = await find_environment(api, organization, read_where(inputs.where()))
        ended = await self._ended(api, env.id)
        if ended is not None:
            return ended  # none runs: at once, with the last deployment's status
        deadline = run.started_at + timedelta(minutes=inputs.timeout_minutes)
        return replace(run, environment_id=env.id, deadline=deadline)

    # -- following --------------------------------------------------------------------------------------

    async def _followed(self, run: StepRun, now: datetime) -> Outputs | str | None:
        if run.action_id is not None:
            stored = await self._actions.get(run.action_id)
            if stored is None:
                return "The action this step asked for is no longer known: nothing more is known."
            if stored.state in _WAITING_STATES:
                return None
            if stored.state in _DONE_STATES:
                return action_outputs(stored)
            return not_run(stored)
        if run.environment_id is not None and run.deadline is not None:
            api, _ = await self._access.qovery(run.team_id)
            ended = await self._ended(api, run.environment_id)
            if ended is not None:
                return ended
            if now >= run.deadline:
                return "The deployment was still running at the step's timeout."
            return None
        return _FAILED_ON_THE_WAY  # left acting by a replica that stopped

    async def _ended(self, api: QoveryApi, environment_id: str) -> Outputs | None:
        """The environment's last deployment, when none runs: its final status and how long it took."""
        status = await api.get_environment_status(environment_id)
        if status_of(status.state) is DeploymentStatus.RUNNING:
            return None
        history = await api.list_deployment_history(environment_id)
        last = history[0] if history else None
        final = last.status if last else (status.last_deployment_state or status.state)
        return {"final_status": words(final), "duration_seconds": duration(last, status)}

    async def _settle(self, run: StepRun, result: Outputs | str | StepRun) -> int:
        """Complete the run once, or keep it waiting; 1 when this call completed it."""
        if isinstance(result, StepRun):
            await self._runs.wait(result)
            return 0
        outcome = "success" if not isinstance(result, str) else result[:500]
        if not await self._runs.complete(run.execution_id, outcome, self._clock()):
            return 0  # another replica, or a redelivery, completed it
        try:
            if isinstance(result, str):
                await self._completions.fail(run, result)
            else:
                await self._completions.succeed(run, result)
        except Exception:
            log.exception("steps: Slack did not take the completion of run %s", run.execution_id)
        return 1


async def _claimed() -> bool:
    return True  # a step's action is used once: its run is recorded once


def _person(inputs: object) -> str | None:
    """Who the run acts as, recorded with it; None when its user context is missing or unreadable."""
    given = inputs if isinstance(inputs, Mapping) else {}
    try:
        return StepInputs.read({"user_context": given.get("user_context")}).user_id
    except UserError:
        return None


def _matches(pattern: str, name: str) -> bool:
    pattern = pattern.lower()
    return name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern
