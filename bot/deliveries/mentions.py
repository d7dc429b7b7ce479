"""Who a failure notifies (`--mention`, SPEC §11): users and user groups as they were given, and
`trigger`, the Slack member whose e-mail is that of whoever triggered the deployment at Qovery.

A mention that cannot be resolved is named in the message, never dropped in silence.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import escape
from bot.deliveries.deployment_details import Details
from bot.deliveries.events import Deployment
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import QoveryError
from bot.subscriptions import Mention

__all__ = ["Mentions", "Notice"]

_EMAIL = re.compile(r"[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|]+")


@dataclass(frozen=True)
class Notice:
    notify: str  # `<@U1> <!subteam^S1>`: what Slack notifies
    unresolved: tuple[str, ...]  # what could not be, in words

    def words(self) -> str:
        """The notice's text: the mentions, then what could not be notified, and why."""
        said = self.notify
        if self.unresolved:
            said += (
                ("\n" if said else "") + "Could not notify: " + "; ".join(escape(w) for w in self.unresolved)
            )
        return said


class Mentions:
    def __init__(
        self,
        poster: SlackPoster,
        details: Callable[[str, Deployment, datetime], Awaitable[Details | None]],
        *,
        budget_seconds: float = 5.0,
    ) -> None:
        self._poster = poster
        self._details = details  # the deployment's details from Qovery's history, as the cards have them
        self._budget = budget_seconds

    async def resolve(
        self, team_id: str, mentions: tuple[Mention, ...], deployment: Deployment, at: datetime
    ) -> Notice:
        async def triggered_by() -> str | None:
            async with asyncio.timeout(self._budget):
                details = await self._details(team_id, deployment, at)
            return details.triggered_by if details else None

        return await self.resolve_with(team_id, mentions, triggered_by)

    async def resolve_with(
        self, team_id: str, mentions: tuple[Mention, ...], triggered_by: Callable[[], Awaitable[str | None]]
    ) -> Notice:
        """The notice for these mentions; `triggered_by` tells, when asked, who triggered the deployment
        in question (`trigger`), as Qovery names them."""
        notify: list[str] = []
        unresolved: list[str] = []
        for mention in mentions:
            if mention.kind in ("user", "group"):
                notify.append(mention.notifies())
            elif mention.kind == "unresolved":
                unresolved.append(f"{mention.label} (not a member or group Slack knows here)")
            else:
                found, why = await self._trigger(team_id, triggered_by)
                if found and found not in notify:
                    notify.append(found)
                elif why:
                    unresolved.append(f"trigger ({why})")
        return Notice(" ".join(dict.fromkeys(notify)), tuple(unresolved))

    async def _trigger(
        self, team_id: str, triggered_by: Callable[[], Awaitable[str | None]]
    ) -> tuple[str | None, str]:
        """`<@U...>` of whoever triggered the deployment; else why not."""
        try:
            who = await triggered_by()
        except (TimeoutError, QoveryError, UserError):
            return None, "Qovery did not say who triggered it"
        if not who:
            return None, "Qovery did not say who triggered it"
        if not _EMAIL.fullmatch(who):
            return None, f"{who} is not an e-mail address"
        try:
            user_id = await self._poster.user_by_email(team_id, who)
        except SlackFailure:
            user_id = None
        if user_id is None:
            return None, f"no member of this workspace has the e-mail {who}"
        return f"<@{user_id}>", ""
