"""Bolt's `app.function` listeners of the Workflow Builder steps (bot/steps/): each `function_executed`
event, acknowledged at once, becomes an `Execution` for the core; its completion goes to Slack with the
event's own `bot_access_token`. An event for a function the bot does not declare, or of another
workspace than the one it was authorized for, is acknowledged and does nothing else."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.directory import RoleCache, SlackDirectory
from adapters.slack.listener_work import ListenerWork
from adapters.slack.poster import TokenFor
from bot.blocks import escape
from bot.steps import STEPS, Execution, StepRun, Steps

__all__ = ["SlackCompletions", "StepListeners"]

log = logging.getLogger(__name__)

_ID = 64  # characters of an execution id kept
_RETRIES = 3  # sends of a completion Slack could not take, after the first
_EXPIRED = {"invalid_auth", "token_expired", "token_revoked", "not_authed"}


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
    """`bot.steps.Completions`: functions.completeSuccess and completeError, with the run's token. Sent
    again when Slack is rate limiting, failing or out of reach (else the workflow would wait forever),
    with the workspace's bot token when the run's own expired while it waited; outputs Slack refuses
    end the run with an error saying so."""

    def __init__(self, slack_api_base: str, bot_token: TokenFor) -> None:
        self._base = slack_api_base
        self._bot_token = bot_token

    async def succeed(self, run: StepRun, outputs: Mapping[str, str | int]) -> None:
        try:
            await self._complete(run, "functions.completeSuccess", {"outputs": dict(outputs)})
        except SlackApiError as error:
            reason = _reason(error)
            if reason is None:
                return  # completed already: an earlier try whose answer was lost
            log.warning("steps: Slack refused the outputs of run %s: %s", run.execution_id, reason)
            await self.fail(run, f"Slack refused this step's outputs ({reason}).")

    async def fail(self, run: StepRun, error: str) -> None:
        try:
            await self._complete(run, "functions.completeError", {"error": error})
        except SlackApiError as refused:
            if _reason(refused) is not None:
                raise

    async def _complete(self, run: StepRun, method: str, args: dict[str, Any]) -> None:
        json = {"function_execution_id": run.execution_id, **args}
        try:
            await self._client(run.token).api_call(method, json=json)
        except SlackApiError as error:
            if error.response.get("error") not in _EXPIRED:
                raise
            token = await self._bot_token(run.team_id)  # the run's token lived less than its wait
            await self._client(token).api_call(method, json=json)

    def _client(self, token: str) -> AsyncWebClient:
        retries = [
            AsyncConnectionErrorRetryHandler(max_retry_count=_RETRIES),
            AsyncRateLimitErrorRetryHandler(max_retry_count=_RETRIES),
            AsyncServerErrorRetryHandler(max_retry_count=_RETRIES),
        ]
        return AsyncWebClient(token=token, base_url=self._base, retry_handlers=retries)


def _reason(error: SlackApiError) -> str | None:
    """Slack's error code, None when the run was completed already."""
    code = error.response.get("error") if isinstance(error.response.data, dict) else None
    if code == "function_execution_already_completed":
        return None
    return escape(str(code or f"HTTP {error.response.status_code}"))[:100]
