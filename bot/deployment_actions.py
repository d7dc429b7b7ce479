"""The card's buttons: redeploy an environment after a failure, cancel a deployment while it runs.

A click's value is only a reference to the bot's own card (SPEC §9): the environment and organization
acted on are read from the database, and must belong to the clicking user's workspace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.access import Access, Caller
from bot.cards import CardButton
from bot.errors import UserError
from bot.ports import Cards, Hooks
from bot.qovery import EnvironmentStatus, QoveryApi, QoveryError

__all__ = ["ActionOutcome", "DeploymentActions"]

_UNKNOWN_CARD = (
    "This button does not belong to a deployment card of this workspace (or the card is over 30 days "
    "old): nothing was done."
)


@dataclass(frozen=True)
class ActionOutcome:
    """What to say, and where: in the card's thread (its channel and ts, from the database), or only to
    the clicking user when the card is not one of this workspace's."""

    text: str
    channel_id: str | None = None
    thread_ts: str | None = None


class DeploymentActions:
    """Each action answers with what to say, and where."""

    def __init__(self, access: Access, cards: Cards, hooks: Hooks, slash_command: str) -> None:
        self._access = access
        self._cards = cards
        self._hooks = hooks
        self._command = slash_command

    async def redeploy(self, caller: Caller, value: object) -> ActionOutcome:
        return await self._act(caller, value, ":arrows_counterclockwise:", "redeploy", _redeploy)

    async def cancel(self, caller: Caller, value: object) -> ActionOutcome:
        return await self._act(caller, value, ":no_entry_sign:", "cancel the deployment", _cancel)

    async def _act(
        self,
        caller: Caller,
        value: object,
        emoji: str,
        what: str,
        call: Callable[[QoveryApi, str], Awaitable[EnvironmentStatus]],
    ) -> ActionOutcome:
        if not await self._access.may_change(caller):
            return ActionOutcome(await self._access.who_may(caller.team_id, "redeploy or cancel deployments"))
        try:
            target = await self._clicked(caller, value)
        except UserError as error:
            return ActionOutcome(error.message)
        did_not = f"<@{caller.user_id}> asked to {what}, but it did not happen."
        try:
            api, organization_id = await self._access.qovery(caller.team_id)
            if target.organization_id not in (None, organization_id):
                raise UserError("This card is about another Qovery organization than this workspace's.")
            status = await call(api, target.environment_id)
        except UserError as error:
            text = f"{did_not} {error.message}"
        except QoveryError as error:
            text = f"{did_not} {error.sentence(self._command)}"
        else:
            state = status.state.lower().replace("_", " ")
            text = f"{emoji} <@{caller.user_id}> asked Qovery to {what}: {state}."
        return ActionOutcome(text, target.channel_id, target.thread_ts)

    async def _clicked(self, caller: Caller, value: object) -> _Target:
        """What the clicked card shows, when the card is this workspace's and still shows it."""
        button = CardButton.load(value)
        card = await self._cards.get(button.card_id) if button else None
        hook = await self._hooks.get(card.hook_id) if card else None
        if button is None or card is None or hook is None or hook.team_id != caller.team_id:
            raise UserError(_UNKNOWN_CARD)
        if card.deployment.environment.id != button.environment_id:
            raise UserError("This card no longer shows the environment this button was drawn for.")
        return _Target(button.environment_id, card.deployment.organization.id, hook.channel_id, card.ts)


@dataclass(frozen=True)
class _Target:
    environment_id: str
    organization_id: str | None
    channel_id: str
    thread_ts: str


async def _redeploy(api: QoveryApi, environment_id: str) -> EnvironmentStatus:
    return await api.redeploy_environment(environment_id)


async def _cancel(api: QoveryApi, environment_id: str) -> EnvironmentStatus:
    return await api.cancel_deployment(environment_id)
