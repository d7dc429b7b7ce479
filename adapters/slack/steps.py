"""Bolt's `app.function` listeners of the Workflow Builder steps (bot/steps/): each `function_executed`
event, acknowledged at once, becomes an `Execution` for the core; its completion goes to Slack with the
event's own `bot_access_token`. An event for a function the bot does not declare, or of another
workspace than the one it was authorized for, is acknowledged and does nothing else."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import RoleCache, SlackDirectory
from adapters.slack.listener_work import ListenerWork
from bot.steps import STEPS, Execution, Steps

__all__ = ["SlackCompletions", "StepListeners"]

log = logging.getLogger(__name__)

_ID = 64  # characters of an execution id kept


class StepListeners:
    def __init__(self, steps: Steps, roles: RoleCache) -> None:
        self._steps = steps
        self._roles = roles

    def register(self, app: AsyncApp, work: ListenerWork) -> None:
        for step in STEPS:
            app.function(step)(work.track(self.on_step))
        app.event("function_executed")(work.track(self.on_other_function))

    async def on_step(self, body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        event = body.get("event")
        if not isinstance(event, Mapping):
            return
        function = event.get("function")
        step = function.get("callback_id") if isinstance(function, Mapping) else None
        execution_id, token = event.get("function_execution_id"), event.get("bot_access_token")
        team_id = body.get("team_id")
        if not (isinstance(execution_id, str) and 0 < len(execution_id) <= _ID and isinstance(token, str)):
            return  # without them no completion is possible
        if not isinstance(step, str) or not isinstance(team_id, str) or team_id != context.team_id:
            log.info("steps: a function_executed event of another workspace, ignored")
            return
        directory = SlackDirectory(client, team_id, self._roles)  # client: the event's token
        await self._steps.executed(
            Execution(team_id, execution_id, step, event.get("inputs"), token, directory)
        )

    async def on_other_function(self, body: dict[str, Any]) -> None:
        """A function the bot does not declare: acknowledged (Bolt did), nothing else."""
        log.info("steps: a function_executed event for a function the bot does not declare, ignored")


class SlackCompletions:
    """`bot.steps.Completions`: functions.completeSuccess and completeError, with the run's token."""

    def __init__(self, slack_api_base: str) -> None:
        self._base = slack_api_base

    async def succeed(self, token: str, execution_id: str, outputs: Mapping[str, str | int]) -> None:
        client = AsyncWebClient(token=token, base_url=self._base)
        await client.functions_completeSuccess(function_execution_id=execution_id, outputs=dict(outputs))

    async def fail(self, token: str, execution_id: str, error: str) -> None:
        client = AsyncWebClient(token=token, base_url=self._base)
        await client.functions_completeError(function_execution_id=execution_id, error=error)
