"""The deployment queue: Qovery queues a deployment while its environment is busy, and its webhooks say
nothing until the request starts. An action from Slack that Qovery queued says so in its message in the
channel: behind which running deployment (who, what, since when) and how many requests wait ahead, with
**Cancel request**, which cancels that request exactly (the rules of `cancel`: who may act, and Slack's
confirmation). Each minute one replica looks at the queues of the actions still waiting and edits their
message when the request leaves the queue; a request cancelled from Slack is edited at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from bot.access import Access, Caller
from bot.actions.plans import Action, ActionState
from bot.actions.ports import Actions
from bot.actions.views import audit_message
from bot.blocks import (
    MAX_BLOCKS,
    Block,
    Message,
    button,
    confirm,
    cut,
    escape,
    read_row_id,
    section,
    slack_date,
)
from bot.clock import utcnow
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import (
    DeploymentHistory,
    EnvironmentStatus,
    QoveryApi,
    QoveryConflict,
    QoveryError,
    QoveryNotFound,
    QueuedRequest,
)

__all__ = [
    "CANCEL_REQUEST_ACTION",
    "QueuePlace",
    "QueuedRequests",
    "place_in_queue",
    "queue_lines",
    "queued_message",
]

log = logging.getLogger(__name__)

CANCEL_REQUEST_ACTION = "queue_cancel_request"
_UNKNOWN = "This button does not belong to a queued request of this workspace: nothing was done."


@dataclass(frozen=True)
class QueuePlace:
    """Where an action's request waits: its id, how many wait ahead of it, and what runs now."""

    request_id: str
    ahead: int
    running: str  # mrkdwn: `bob's deploy, started <date>`

    def words(self) -> str:
        ahead = f", {self.ahead} request{'s' if self.ahead != 1 else ''} ahead of it" if self.ahead else ""
        return f":hourglass_flowing_sand: Queued behind {self.running}{ahead}."


def _running_words(history: list[DeploymentHistory]) -> str:
    """`bob's deploy, started <date>`: the environment's latest deployment, as its history says."""
    if not history:
        return "the running deployment"
    latest = history[0]
    who = escape(cut(latest.auditing_data.triggered_by or "someone", 60))
    what = escape(cut(latest.trigger_action.lower().replace("_", " "), 30))
    return f"{who}'s {what}, started {slack_date(latest.auditing_data.created_at)}"


async def place_in_queue(api: QoveryApi, environment_id: str, status: EnvironmentStatus) -> QueuePlace | None:
    """Where the request Qovery just answered with waits; None when it is not in the queue (it started,
    or Qovery's queue cannot be read: then nothing is said rather than a guess)."""
    request_id = status.deployment_request_id
    if not request_id:
        return None
    try:
        waiting = [
            r.identifier.deployment_request_id for r in await api.list_deployment_requests(environment_id)
        ]
    except QoveryError:
        return None
    if request_id not in waiting:
        return None
    try:
        history = await api.list_deployment_history(environment_id)
    except QoveryError:
        history = []
    return QueuePlace(request_id, waiting.index(request_id), _running_words(history))


def queue_lines(requests: list[QueuedRequest], known: dict[str, Action]) -> list[str]:
    """`/qovery status`'s lines for an environment's queue: who, what, and since when where the bot
    knows it (its own actions: Qovery's queue has no time)."""
    lines = []
    for number, request in enumerate(requests[:10], 1):
        action = known.get(request.identifier.deployment_request_id)
        what = escape(cut((request.trigger_action or "deployment").lower().replace("_", " "), 30))
        auditing = request.auditing_data
        who = (
            f"<@{action.user_id}> from Slack"
            if action
            else escape(cut(auditing.triggered_by if auditing and auditing.triggered_by else "someone", 60))
        )
        since = f", since {slack_date(action.created_at)}" if action and action.created_at else ""
        lines.append(f"{number}. {what} by {who}{since}")
    if len(requests) > 10:
        lines.append(f"… and {len(requests) - 10} more")
    return lines


def queued_message(action: Action, line: str, *, open_: bool) -> Message:
    """The action's message in the channel while it waits (with Cancel request), or once it has left."""
    message = audit_message(action, action.outcome or "queued", own_token=action.own_token)
    blocks: list[Block] = [*message["blocks"], section(line)]
    if open_:
        words = "It is taken out of Qovery's queue and never runs."
        dialog = confirm("Cancel this request?", words, "Cancel it", no="Keep it", danger=True)
        cancel = button(
            "Cancel request",
            CANCEL_REQUEST_ACTION,
            value=f"queued:{action.id}",
            style="danger",
            confirm=dialog,
        )
        blocks.append({"type": "actions", "elements": [cancel]})
    return message | {"blocks": blocks[:MAX_BLOCKS]}


class QueuedRequests:
    def __init__(
        self,
        access: Access,
        actions: Actions,
        poster: SlackPoster,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._access = access
        self._actions = actions
        self._poster = poster
        self._clock = clock

    async def cancel(self, caller: Caller, value: object) -> Message | None:
        """**Cancel request**: that request out of the queue, once, by someone who may cancel here."""
        action_id = read_row_id(value, "queued:")
        action = await self._actions.get(action_id) if action_id is not None else None
        if action is None or action.team_id != caller.team_id or not action.queue_request:
            raise UserError(_UNKNOWN)
        if action.state is not ActionState.QUEUED:
            raise UserError("This request is no longer waiting in the queue: nothing more was done.")
        acting = await self._access.acting(caller)
        if acting.organization_id != action.target.organization_id:
            raise UserError("This workspace now manages another Qovery organization.")
        await self._access.check_may_act(
            caller, production=action.target.production, own_token=acting.own_token
        )
        assert action.id is not None
        try:
            await acting.api.cancel_deployment_request(action.queue_request)
        except QoveryError as error:
            if isinstance(error, QoveryNotFound | QoveryConflict) and await self._left(action):
                # It started (or went) before the minute's check saw it: its message now says so.
                raise UserError(
                    "This request is no longer waiting in Qovery's queue (it started, or was cancelled): "
                    "nothing more was cancelled. `cancel` stops a running deployment."
                ) from None
            raise UserError(f"Qovery did not cancel it: {error.sentence('/qovery')}") from None
        if await self._actions.left_queue(
            action.id, ActionState.DONE, "cancelled", caller.user_id, self._clock()
        ):
            line = f":no_entry_sign: Cancelled by <@{caller.user_id}> before it started."
            await self._edit(replace(action, outcome="cancelled"), line)
        return None

    async def follow(self, now: datetime) -> int:
        """Each action still queued whose request left its queue: its message edited; how many."""
        moved = 0
        for action in await self._actions.in_queue():
            try:
                moved += await self._follow_one(action, now)
            except (QoveryError, UserError, SlackFailure) as error:  # one queue unread holds up no other
                log.warning("queue: action %s could not be followed (%s)", action.id, type(error).__name__)
        return moved

    async def _left(self, action: Action) -> bool:
        """Whether the action's request is out of Qovery's queue now (its message edited if so)."""
        try:
            await self._follow_one(action, self._clock())
        except (QoveryError, UserError, SlackFailure):
            return False
        assert action.id is not None
        now = await self._actions.get(action.id)
        return now is not None and now.state is not ActionState.QUEUED

    async def _follow_one(self, action: Action, now: datetime) -> int:
        assert action.id is not None
        api, _ = await self._access.qovery(action.team_id)
        try:
            waiting = await api.list_deployment_requests(action.target.environment_id)
        except QoveryNotFound:  # the environment was deleted, and its queue with it: asked no more
            waiting, history = [], []
        else:
            if any(r.identifier.deployment_request_id == action.queue_request for r in waiting):
                return 0
            history = await api.list_deployment_history(action.target.environment_id)
        created = action.created_at or now
        started = any(h.auditing_data.created_at >= created for h in history)
        outcome = "started" if started else "left the queue"
        if not await self._actions.left_queue(action.id, ActionState.DONE, outcome, None, now):
            return 0
        line = (
            f":arrow_forward: Started {slack_date(now)}: it left the queue."
            if started
            else f":grey_question: It left the queue {slack_date(now)} without a deployment the bot can see "
            "(cancelled in Qovery?)."
        )
        await self._edit(replace(action, outcome=outcome), line)
        return 1

    async def _edit(self, action: Action, line: str) -> None:
        if not action.message_ts:
            return
        try:
            await self._poster.update(
                action.team_id,
                action.channel_id,
                action.message_ts,
                queued_message(action, line, open_=False),
            )
        except SlackFailure as failure:  # the state stands; the audit trail has it
            log.warning("queue: the message of action %s could not be edited (%s)", action.id, failure.reason)
