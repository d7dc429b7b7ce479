"""Release freezes (the commands `policy freeze add|now|list|remove|off`, admins only to change them),
and what holds at a moment: the approval gate asks `in_force` before it looks at approvals, so that an
action from Slack (command, card button or step) on a frozen environment runs nothing, whoever asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access import Access, Caller
from bot.blocks import Message, cut, escape, plain
from bot.clock import utcnow
from bot.errors import UserError
from bot.freezes.ports import FreezeRecords
from bot.freezes.rules import REASON_LIMIT, Freeze, InForce
from bot.freezes.views import freeze_lines, list_message
from bot.freezes.windows import Span, Window
from bot.qovery import EnvironmentType

__all__ = ["FreezeRequest", "Freezes"]

_MOST = 50  # freezes a workspace keeps: the list stays one message


@dataclass(frozen=True)
class FreezeRequest:
    """What was typed: a weekly `window`, or `lasting` from now; on those types, for `reason`."""

    reason: str
    environment_types: tuple[EnvironmentType, ...]
    window: Window | None = None
    lasting: timedelta | None = None


class Freezes:
    def __init__(
        self,
        access: Access,
        records: FreezeRecords,
        slash_command: str,
        default_zone: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._access = access
        self._records = records
        self._command = slash_command
        self.default_zone = default_zone
        self._clock = clock

    async def add(self, caller: Caller, request: FreezeRequest) -> Message:
        await self._access.check_is_admin(caller, "change the freezes")
        now = self._clock()
        kept = []
        for found in await self._records.of_team(caller.team_id):
            if found.over(now) and found.id is not None:  # a span that has ended holds nothing, ever
                await self._records.remove(caller.team_id, found.id)
            else:
                kept.append(found)
        if len(kept) >= _MOST:
            raise UserError(f"This workspace has {_MOST} freezes: remove one before adding another.")
        span = Span(now, now + request.lasting) if request.lasting is not None else None
        freeze = Freeze(request.reason, request.environment_types, request.window, span, caller.user_id)
        await self._records.add(caller.team_id, freeze, now)
        return await self.listed(caller)

    async def listed(self, caller: Caller) -> Message:
        freezes = await self._records.of_team(caller.team_id)
        return list_message(freezes, self._clock(), self.default_zone, self._command)

    async def remove(self, caller: Caller, number: int) -> Message:
        await self._access.check_is_admin(caller, "change the freezes")
        # The number is the freeze's own (its row): another admin's change since the list moves none.
        freeze = next((f for f in await self._records.of_team(caller.team_id) if f.id == number), None)
        if freeze is None or not await self._records.remove(caller.team_id, number):
            raise UserError(
                f"There is no freeze number {number}: `{self._command} policy freeze list` numbers them."
            )
        return plain(f"Removed: {freeze.words()}")

    async def off(self, caller: Caller) -> Message:
        await self._access.check_is_admin(caller, "change the freezes")
        removed = await self._records.clear(caller.team_id)
        return plain(f"No freezes now ({removed} removed): actions from Slack run whenever they may.")

    async def in_force(
        self, team_id: str, environment_type: str, now: datetime, *, begun_after: datetime | None = None
    ) -> InForce | None:
        """The freeze holding on that environment type at `now` (the one ending last), or None; with
        `begun_after`, only those begun since (an exception asked before them was not asked of them)."""
        found = [
            InForce(freeze, span)
            for freeze in await self._records.of_team(team_id)
            if freeze.covers(environment_type)
            and (span := freeze.current(now, self.default_zone))
            and (begun_after is None or span.start > begun_after)
        ]
        return max(found, key=lambda f: f.span.end) if found else None

    async def during(self, team_id: str, environment_type: str, at: datetime) -> str | None:
        """A card's line for a deployment started at `at` while a freeze held (the console, git, the
        API: an action from Slack would have been stopped or let through by an exception)."""
        holding = await self.in_force(team_id, environment_type, at)
        if holding is None:
            return None
        return f":snowflake: During the freeze (_{escape(cut(holding.freeze.reason, REASON_LIMIT))}_)"

    async def lines(self, team_id: str) -> list[str]:
        """The freezes in force and the next to start (`policy show`, the Home tab)."""
        return freeze_lines(await self._records.of_team(team_id), self._clock(), self.default_zone)
