"""Quiet hours' ends (SPEC §17): what a hook held is summed up in one message, once.

The summary is queued like a delivery, so that it keeps the channel's pace and Slack's retries; the held
deliveries are marked summed up in the same transaction, which only one replica can win. Who triggered
each deployment and what it deployed come from Qovery's history when it answers within the budget; the
summary goes out without them when it does not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.clock import utcnow
from bot.deliveries import Deployment, Details
from bot.digests.ports import HeldDeliveries, Summary
from bot.digests.summary import HeldDeployment, held_deployments, summary_message
from bot.subscriptions import Hooks

__all__ = ["DetailsFor", "QuietSummaries"]

log = logging.getLogger(__name__)

DetailsFor = Callable[[str, Deployment, datetime], Awaitable[Details | None]]
_LOOKED_UP = 30  # deployments whose details are asked of Qovery, per summary


class QuietSummaries:
    def __init__(
        self,
        held: HeldDeliveries,
        hooks: Hooks,
        details_for: DetailsFor,
        default_zone: str = "UTC",
        budget_seconds: float = 10.0,
    ) -> None:
        self._held = held
        self._hooks = hooks
        self._details_for = details_for
        self._zone = default_zone
        self._budget = budget_seconds

    async def sum_up_due(self, now: datetime) -> int:
        """Sum up every hook whose quiet hours have ended; how many summaries were queued."""
        queued = 0
        for hook_id in await self._held.due(now):
            try:
                queued += await self._sum_up(hook_id, now)
            except Exception:  # one hook's trouble does not keep the others' summaries back
                log.exception("quiet hours: the summary of hook %s failed; trying again in a minute", hook_id)
        return queued

    async def _sum_up(self, hook_id: str, now: datetime) -> int:
        held = await self._held.of_hook(hook_id, now)
        hook = await self._hooks.get(hook_id)
        deployments = held_deployments(held)
        summary = None
        if hook is not None and hook.revoked_at is None and deployments:
            details = await self._details(hook.team_id, deployments)
            quiet = hook.settings.quiet
            words = quiet.text() if quiet.zone else f"{quiet.text()} {self._zone}"
            words = "quiet hours" if quiet.off else words  # turned off since: no hours to name
            message = summary_message(words, deployments, details)
            count = f"{len(deployments)} deployment" + ("s" if len(deployments) != 1 else "")
            summary = Summary(hook, message, f"quiet hours summary · {count}")
        # A hook gone since has its held deliveries summed up all the same: told to nobody, never again.
        # Stored at the time it is, like a delivery from Qovery: `now` only says what is due.
        done = await self._held.sum_up(hook_id, [one.id for one in held], summary, utcnow())
        return int(done and summary is not None)

    async def _details(self, team_id: str, held: list[HeldDeployment]) -> dict[str, Details | None]:
        """Each deployment's details, looked up together within the budget; None where Qovery said nothing."""
        found: dict[str, Details | None] = {}

        async def look_up(one: HeldDeployment) -> None:
            try:
                found[one.key] = await self._details_for(team_id, one.deployment, one.at)
            except Exception as error:  # Qovery down or the token refused: the summary goes without
                log.info("quiet hours: a deployment's details were not found: %s", type(error).__name__)

        try:
            async with asyncio.timeout(self._budget):
                await asyncio.gather(*(look_up(one) for one in held[-_LOOKED_UP:]))
        except TimeoutError:
            log.info("quiet hours: Qovery was slow; the summary goes with what it said in time")
        return found
