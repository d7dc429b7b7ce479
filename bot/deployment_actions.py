"""The card's buttons: redeploy an environment after a failure, cancel a deployment while it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.access import Access, Caller, UserError
from bot.cards import ButtonValue
from bot.qovery import EnvironmentStatus, QoveryApi, QoveryError

__all__ = ["DeploymentActions"]


class DeploymentActions:
    """Each action answers with what to say in the card's thread."""

    def __init__(self, access: Access, slash_command: str) -> None:
        self._access = access
        self._command = slash_command

    async def redeploy(self, caller: Caller, value: ButtonValue) -> str:
        return await self._act(
            caller,
            ":arrows_counterclockwise:",
            "redeploy",
            lambda api: api.redeploy_environment(value.environment_id),
        )

    async def cancel(self, caller: Caller, value: ButtonValue) -> str:
        return await self._act(
            caller,
            ":no_entry_sign:",
            "cancel the deployment",
            lambda api: api.cancel_deployment(value.environment_id),
        )

    async def _act(
        self, caller: Caller, emoji: str, what: str, call: Callable[[QoveryApi], Awaitable[EnvironmentStatus]]
    ) -> str:
        try:
            api, _ = await self._access.qovery(caller.team_id)
            status = await call(api)
        except UserError as error:
            return f"<@{caller.user_id}> asked to {what}, but it did not happen. {error.message}"
        except QoveryError as error:
            return (
                f"<@{caller.user_id}> asked to {what}, but it did not happen. {error.sentence(self._command)}"
            )
        return (
            f"{emoji} <@{caller.user_id}> asked Qovery to {what}: {status.state.lower().replace('_', ' ')}."
        )
