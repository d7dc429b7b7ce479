"""Approvals for production actions (SPEC §16): the policy, the request in the channel, and its fate.

When someone who is not an approver confirms an action the policy holds back, nothing runs: the action
waits (PENDING) and a request is posted in the channel with Approve, Reject and Withdraw. Each button
names the request the bot stored, and nothing else. One conditional UPDATE decides each request once,
whatever the clicks or the replicas: on Approve the stored plan runs once, with the requester's own
token when they are logged in (§12's permissions still apply to them); Reject, Withdraw and expiry
after 30 minutes say so, and nothing runs.

A release freeze (bot.freezes) is looked at first, for every action whatever the policy: during one,
nothing runs and the answer offers **Ask for an exception**, a request like the others that carries its
requester's reason, approved by an approver other than them (a workspace admin without a policy).
(Just over 300 lines: a request made, asked past a freeze and decided is one life, read together.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot.access import Access, Caller
from bot.actions import (
    Action,
    Actions,
    ActionState,
    EnvironmentActions,
    confirmation_gone,
    confirmed_since,
)
from bot.approvals.policy import Policy
from bot.approvals.ports import Policies
from bot.approvals.recovery import recover_lost
from bot.approvals.views import REQUEST_SECONDS, policy_message, read_request_button, request_message
from bot.blocks import Message, escape, plain
from bot.clock import utcnow
from bot.errors import UserError
from bot.freezes import (
    Freezes,
    InForce,
    exception_form,
    frozen_answer,
    frozen_kind,
    read_exception_button,
    read_exception_form,
)
from bot.ports import SlackFailure, SlackPoster

__all__ = ["Approvals"]

_EXPIRED = ":hourglass: Expired: nobody decided within 30 minutes; nothing was done."
_UNKNOWN = "This button does not belong to a request of this workspace: nothing was done."
_DECIDED = {
    ActionState.REJECTED: "was rejected",
    ActionState.WITHDRAWN: "was withdrawn",
    ActionState.EXPIRED: "expired",
}


class Approvals:
    def __init__(
        self,
        access: Access,
        policies: Policies,
        actions: Actions,
        poster: SlackPoster,
        slash_command: str,
        clock: Callable[[], datetime] = utcnow,
        freezes: Freezes | None = None,
    ) -> None:
        self._freezes = freezes  # looked at before the policy: a freeze stops whoever asks
        self._access = access
        self._policies = policies
        self._actions = actions
        self._poster = poster
        self._command = slash_command
        self._clock = clock
        self._acting: EnvironmentActions | None = None  # set by the composition root: runs what is approved

    def runs_with(self, acting: EnvironmentActions) -> None:
        self._acting = acting

    # -- the policy ------------------------------------------------------------------------------------

    async def show(self, caller: Caller) -> Message:
        freezes = await self._freezes.lines(caller.team_id) if self._freezes else []
        return policy_message(await self._policies.get(caller.team_id), self._command, freezes)

    async def set_policy(self, caller: Caller, policy: Policy | None) -> Message:
        await self._access.check_is_admin(caller, "change the approval policy")
        if policy is None:
            await self._policies.clear(caller.team_id)
            return plain("No approval policy now: whoever may act does so at once.")
        await self._policies.put(caller.team_id, policy, caller.user_id, self._clock())
        return policy_message(policy, self._command)

    # -- the gate of EnvironmentActions ----------------------------------------------------------------

    async def held(self, caller: Caller, action: Action, *, own_token: bool) -> Message | None:
        """Hold a confirmed action for approval when the policy says so and the caller approves nothing;
        the answer to the caller then, else None (it runs now). A freeze first: it stops whoever asks."""
        if (frozen := await self._frozen(action)) is not None:
            return frozen_answer(action, frozen)
        policy = await self._policies.get(caller.team_id)
        if policy is None or not policy.gates(action.kind, action.target.mode):
            return None
        if await self._approves(caller, policy):
            return None  # an approver's own action runs at once
        assert action.id is not None
        now = self._clock()
        # A confirmation good for its 10 minutes becomes a request; past them it becomes nothing.
        if not await self._actions.hold(action.id, confirmed_since(now), now):
            return plain(confirmation_gone(action, now))
        pending = replace(action, state=ActionState.PENDING, created_at=now)
        if (refused := await self._post_request(pending, own_token, _notified(policy))) is not None:
            return refused
        return plain(
            f"The policy holds this back: your request is in the channel, where "
            f"{_approvers(policy)} may approve it within 30 minutes. Nothing was done yet."
        )

    async def _post_request(self, pending: Action, own_token: bool, notified: str) -> Message | None:
        """The request in the channel; the answer to the requester when it could not be posted."""
        assert pending.id is not None
        message = request_message(pending, own_token=own_token, approvers=notified)
        try:
            ts = await self._poster.post(
                pending.team_id, pending.channel_id, message, thread_ts=pending.thread_ts
            )
        except SlackFailure as failure:
            await self._actions.decide(pending.id, ActionState.PENDING, ActionState.REFUSED, None, None)
            return plain(
                f"The request could not be posted in the channel ({escape(failure.reason)}): nothing was "
                "done. Invite the bot there with `/invite`."
            )
        await self._actions.requested(pending.id, ts)
        return None

    # -- freezes ---------------------------------------------------------------------------------------

    async def _frozen(self, action: Action, exception_asked: datetime | None = None) -> InForce | None:
        """The freeze that stops it now; for an exception, asked at `exception_asked`, only a freeze
        begun since: the exception passes the freezes its approver saw, never a later one."""
        if self._freezes is None or not frozen_kind(action.kind):
            return None  # `cancel` is never frozen
        since = (exception_asked or self._clock()) if action.exception is not None else None
        return await self._freezes.in_force(
            action.team_id, action.target.mode, self._clock(), begun_after=since
        )

    async def exception_form(self, caller: Caller, value: object) -> Message | None:
        """**Ask for an exception**: the form for its reason (a modal), for the one who asked only."""
        return exception_form(await self._own_frozen(caller, value))

    async def ask_exception(self, caller: Caller, value: object, reason: object) -> Message:
        """The request for an exception to the freeze, with its reason, posted in the channel."""
        action = await self._own_frozen(caller, value)
        assert action.id is not None
        said = read_exception_form(reason)
        if said is None:
            raise UserError("An exception needs a reason. Nothing was asked.")
        if await self._frozen(action) is None:
            raise UserError("No freeze holds on it now: confirm it again to run it. Nothing was asked.")
        now = self._clock()
        if not await self._actions.hold(action.id, confirmed_since(now), now, exception=said):
            return plain(confirmation_gone(action, now))
        policy = await self._policies.get(caller.team_id)
        acting = await self._access.acting(caller)
        pending = replace(action, state=ActionState.PENDING, created_at=now, exception=said)
        notified = _notified(policy) if policy else ""
        if (refused := await self._post_request(pending, acting.own_token, notified)) is not None:
            return refused
        who = _approvers(policy) if policy else "a workspace admin"
        return plain(
            f"Your request for an exception is in the channel, where {who} other than you may approve it "
            "within 30 minutes. Nothing was done yet."
        )

    async def _own_frozen(self, caller: Caller, value: object) -> Action:
        action_id = read_exception_button(value)
        action = await self._actions.get(action_id) if action_id is not None else None
        if action is None or (action.team_id, action.user_id) != (caller.team_id, caller.user_id):
            raise UserError("This button does not belong to an action of yours: nothing was done.")
        if action.state is not ActionState.PROPOSED or action.confirmation_expired(self._clock()):
            raise UserError(confirmation_gone(action, self._clock()))
        return action

    async def _may_decide(self, caller: Caller, action: Action, policy: Policy | None) -> bool:
        """An approver; for an exception without a policy, a workspace admin."""
        if policy is not None:
            return await self._approves(caller, policy)
        if action.exception is None:
            return False
        try:
            await self._access.check_is_admin(caller, "approve an exception")
        except UserError:
            return False
        return True

    # -- the request's buttons -------------------------------------------------------------------------

    async def approve(self, caller: Caller, value: object) -> Message | None:
        action, policy = await self._request(caller, value)
        if action.user_id == caller.user_id:
            raise UserError("You asked for it: another approver decides. Nothing was done.")
        if not await self._may_decide(caller, action, policy):
            who = _approvers(policy) if policy else "nobody (there is no policy any more)"
            who = "a workspace admin" if policy is None and action.exception else who
            raise UserError(f"Only {who} may approve this. Nothing was done.")
        if (frozen := await self._frozen(action, exception_asked=action.created_at)) is not None:
            raise UserError(f"{frozen.words()}. Nothing was done: its requester may ask for an exception.")
        assert action.id is not None
        assert self._acting is not None
        if not await self._decide(action, ActionState.RUNNING, caller):
            return None
        requester = Caller(action.team_id, action.user_id, action.channel_id, directory=caller.directory)
        await self._acting.run_approved(requester, replace(action, thread_ts=action.request_ts))
        done = await self._actions.get(action.id)
        said = (done.outcome or "").lower().replace("_", " ") if done else ""
        # Queued by Qovery on a busy environment is taken, not refused: its message in the thread says more.
        verb = _RAN.get(done.state, "could not run") if done is not None else "could not run"
        decision = f":white_check_mark: Approved by <@{caller.user_id}>: it {verb}. Qovery: {escape(said)}"
        await self._show(done or action, decision)
        return None

    async def reject(self, caller: Caller, value: object) -> Message | None:
        action, policy = await self._request(caller, value)
        if action.user_id == caller.user_id:
            return await self.withdraw(caller, value)  # the requester's own "no" is a withdrawal
        if not await self._may_decide(caller, action, policy):
            raise UserError(
                "Only an approver may reject this (or its requester withdraw it). Nothing was done."
            )
        if await self._decide(action, ActionState.REJECTED, caller):
            await self._show(action, f":no_entry: Rejected by <@{caller.user_id}>: nothing was done.")
        return None

    async def withdraw(self, caller: Caller, value: object) -> Message | None:
        action, _ = await self._request(caller, value)
        if action.user_id != caller.user_id:
            raise UserError(f"Only <@{action.user_id}>, who asked, may withdraw it. Nothing was done.")
        if await self._decide(action, ActionState.WITHDRAWN, caller):
            await self._show(
                action, f":leftwards_arrow_with_hook: Withdrawn by <@{caller.user_id}>: nothing was done."
            )
        return None

    async def expire(self, now: datetime) -> int:
        """Requests nobody decided within 30 minutes: expired, and said so; how many."""
        since = now - timedelta(seconds=REQUEST_SECONDS)
        expired = 0
        for action in await self._actions.pending_before(since):
            assert action.id is not None
            if await self._actions.decide(action.id, ActionState.PENDING, ActionState.EXPIRED, None, None):
                expired += 1
                await self._show(
                    action, ":hourglass: Expired: nobody decided within 30 minutes; nothing was done."
                )
        return expired

    async def recover(self, now: datetime) -> int:
        """Actions a stopped bot left running: said to be of unknown outcome, never run again; how many."""
        return await recover_lost(self._actions, self._poster, now)

    async def _request(self, caller: Caller, value: object) -> tuple[Action, Policy | None]:
        action_id = read_request_button(value)
        action = await self._actions.get(action_id) if action_id is not None else None
        if action is None or action.team_id != caller.team_id or action.request_ts is None:
            raise UserError(_UNKNOWN)
        if action.state is not ActionState.PENDING:
            raise UserError(
                f"This request {_DECIDED.get(action.state, 'was decided already')}: nothing more was done."
            )
        created = action.created_at or self._clock()
        if created < self._clock() - timedelta(seconds=REQUEST_SECONDS):
            raise UserError("This request expired: nothing was done. Ask again to see what it would do now.")
        return action, await self._policies.get(caller.team_id)

    async def _decide(self, action: Action, state: ActionState, caller: Caller) -> bool:
        """Once: of two clicks or two replicas, the database lets one move the request on."""
        assert action.id is not None
        since = self._clock() - timedelta(seconds=REQUEST_SECONDS)
        return await self._actions.decide(action.id, ActionState.PENDING, state, caller.user_id, since)

    async def _show(self, action: Action, decision: str) -> None:
        """The request edited to say what became of it, for everyone in the channel."""
        if not action.request_ts:
            return
        message = request_message(action, own_token=action.own_token, decision=decision, open_=False)
        with contextlib.suppress(SlackFailure):  # the decision stands; the audit trail has it
            await self._poster.update(action.team_id, action.channel_id, action.request_ts, message)

    async def _approves(self, caller: Caller, policy: Policy) -> bool:
        for approver in policy.approvers:
            if approver.kind == "user" and approver.id == caller.user_id:
                return True
            if approver.kind == "group" and await caller.directory.in_group(caller.user_id, approver.id):
                return True
        return False


_RAN = {ActionState.DONE: "ran", ActionState.QUEUED: "was queued by Qovery (the environment is busy)"}


def _notified(policy: Policy) -> str:
    """`<@U1> <!subteam^S1>`: what Slack notifies of the approvers."""
    return " ".join(m.notifies() for m in policy.approvers if m.kind in ("user", "group"))


def _approvers(policy: Policy) -> str:
    return ", ".join(m.text() for m in policy.approvers if m.kind in ("user", "group")) or "nobody"
