"""The buttons of an alert's message: Acknowledge, Silence 1 h, Unsilence (anyone in the channel), and
Rollback (§12's permissions and confirmation).

A click's value names a firing the bot keeps, and nothing else: the firing is read from the database and
must be of the clicker's workspace and of the channel the click came from. The message is then drawn
again from the database, so that what everyone reads is what the bot keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.access import Caller
from bot.actions import EnvironmentActions
from bot.alerts.messages import FiringButton
from bot.alerts.ports import Firing, Firings, Silences
from bot.alerts.watch import AlertWatch
from bot.blocks import Message, plain
from bot.clock import utcnow
from bot.errors import UserError

__all__ = ["SILENCE", "AlertClicks"]

SILENCE = timedelta(hours=1)
_UNKNOWN = "This button does not belong to an alert of this channel: nothing was done."


class AlertClicks:
    def __init__(
        self,
        firings: Firings,
        silences: Silences,
        watch: AlertWatch,
        actions: EnvironmentActions,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._firings = firings
        self._silences = silences
        self._watch = watch
        self._actions = actions
        self._clock = clock

    async def acknowledge(self, caller: Caller, value: object) -> Message | None:
        firing = await self._firing(caller, value)
        if not firing.open:
            return plain("This alert is resolved already.")
        if not await self._firings.acknowledge(firing.id, caller.user_id, self._clock()):
            again = await self._firings.get(firing.id)
            who = again.acknowledged_by if again else None
            return plain(f"<@{who}> acknowledged it already." if who else "It was acknowledged already.")
        await self._watch.show(firing.id)
        return None  # the message says it, for everyone

    async def silence(self, caller: Caller, value: object) -> Message | None:
        firing = await self._firing(caller, value)
        await self._silences.silence(firing.hook_id, firing.rule.key, self._clock() + SILENCE, caller.user_id)
        await self._watch.show(firing.id)
        return None

    async def unsilence(self, caller: Caller, value: object) -> Message | None:
        firing = await self._firing(caller, value)
        await self._silences.unsilence(firing.hook_id, firing.rule.key)
        await self._watch.show(firing.id)
        return None

    async def rollback(self, caller: Caller, value: object) -> Message:
        """Back from the deployment the alert followed: the confirmation of §12, to the one who clicked."""
        firing = await self._firing(caller, value)
        blame = firing.blame
        if blame is None:
            raise UserError("This alert followed no deployment the bot could name: nothing was done.")
        return await self._actions.rollback_from(
            caller,
            blame.environment_id,
            blame.execution_id,
            firing.rule.scope.project or None,
            firing.channel_id,
            firing.message_ts or None,
        )

    async def _firing(self, caller: Caller, value: object) -> Firing:
        button = FiringButton.load(value)
        firing = await self._firings.get(button.firing_id) if button else None
        if firing is None or (firing.team_id, firing.channel_id) != (caller.team_id, caller.channel_id):
            raise UserError(_UNKNOWN)
        return firing
