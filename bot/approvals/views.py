"""The messages of approvals and of the audit trail (Block Kit, pure): the request in the channel with
Approve, Reject and Withdraw, as it is decided; `/qovery policy show`; `/qovery audit`'s lines."""

from __future__ import annotations

from datetime import timedelta

from bot.actions import Action, ActionState, asked_words, changes_blocks, done_words, where_words
from bot.approvals.policy import Policy
from bot.blocks import (
    MAX_BLOCKS,
    Block,
    Message,
    button,
    context,
    cut,
    escape,
    read_row_id,
    section,
    sections,
    slack_date,
)

__all__ = [
    "APPROVE_ACTION",
    "REJECT_ACTION",
    "REQUEST_SECONDS",
    "WITHDRAW_ACTION",
    "audit_line",
    "policy_message",
    "read_request_button",
    "request_message",
]

APPROVE_ACTION = "request_approve"
REJECT_ACTION = "request_reject"
WITHDRAW_ACTION = "request_withdraw"
REQUEST_SECONDS = 30 * 60


def request_value(action: Action) -> str:
    return f"request:{action.id}"


def read_request_button(value: object) -> int | None:
    """The request a button names, or None for anything else."""
    return read_row_id(value, "request:")


def request_message(
    action: Action, *, own_token: bool, decision: str | None = None, open_: bool = True, approvers: str = ""
) -> Message:
    """The request in the channel: who asks to do what where, each service's change, whose token would run
    it, when it expires; its buttons while it is open, what was decided once it is not."""
    whose = "their own Qovery token" if own_token else "the workspace's Qovery token"
    ask = f":raised_hand: <@{action.user_id}> asks to {asked_words(action.kind)} {where_words(action)}"
    expires = ""
    if action.created_at is not None and open_:
        expires = " · expires " + slack_date(action.created_at + timedelta(seconds=REQUEST_SECONDS))
    blocks: list[Block] = [
        section(ask),
        *changes_blocks(action),
        context(f"It would run with {whose}{expires} · request #{action.id}"),
    ]
    if action.exception:
        blocks.append(
            section(f":snowflake: An exception to a freeze, because: _{escape(cut(action.exception, 300))}_")
        )
    if approvers and open_:
        blocks.append(section(f"Approvers: {approvers}"))  # notified: the request is theirs to decide
    if decision:
        blocks.append(section(decision))
    if open_:
        value = request_value(action)
        blocks.append(
            {
                "type": "actions",
                "block_id": "request_actions",
                "elements": [
                    button("Approve", APPROVE_ACTION, value=value, style="primary"),
                    button("Reject", REJECT_ACTION, value=value, style="danger"),
                    button("Withdraw", WITHDRAW_ACTION, value=value),
                ],
            }
        )
    return {"text": cut(ask, 3000), "blocks": blocks[:MAX_BLOCKS]}


def policy_message(policy: Policy | None, command: str, freezes: list[str] | None = None) -> Message:
    if policy is None:
        text = (
            "No approval policy: whoever may act does so at once. An admin sets one with "
            f'`{command} policy approvals production --approvers "@sre-leads"`.'
        )
    else:
        text = f":lock: {policy.words()} An approver's own actions run at once; `cancel` never waits."
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text), *sections(freezes or [])]}


_STATE_WORDS = {
    ActionState.DONE: "",
    ActionState.REFUSED: ":x: refused",
    ActionState.REJECTED: ":no_entry: rejected",
    ActionState.WITHDRAWN: ":leftwards_arrow_with_hook: withdrawn",
    ActionState.EXPIRED: ":hourglass: expired",
    ActionState.PENDING: ":raised_hand: waiting for approval",
    ActionState.RUNNING: ":hourglass_flowing_sand: running",
    ActionState.UNKNOWN: ":grey_question: outcome unknown",
    ActionState.QUEUED: ":hourglass_flowing_sand: queued",
}


def audit_line(action: Action) -> str:
    """One action of the audit trail: when, who, what, where, versions, approver, whose token, Qovery."""
    when = slack_date(action.created_at) if action.created_at else ""
    state = _STATE_WORDS.get(action.state, escape(action.state.value))
    done = action.state is ActionState.DONE
    did = done_words(action.kind) if done else f"asked to {asked_words(action.kind)}"
    line = f"{when} <@{action.user_id}> {did} {where_words(action)}"
    changes = [
        f"{escape(cut(c.name, 40))} {escape(cut(c.before or '-', 12))}→{escape(cut(c.after or 'latest', 12))}"
        if c.left is None
        else f"{escape(cut(c.name, 40))} left as it is"
        for c in action.changes[:6]
    ]
    if len(action.changes) > len(changes):
        changes.append(f"and {len(action.changes) - len(changes)} more")
    facts = [state] if state else []
    if changes:
        facts.append(", ".join(changes))
    if action.decided_by:
        verb = "withdrawn by" if action.state is ActionState.WITHDRAWN else "decided by"
        if action.state in (ActionState.DONE, ActionState.REFUSED, ActionState.RUNNING, ActionState.UNKNOWN):
            verb = "approved by"
        facts.append(f"{verb} <@{action.decided_by}>")
    if action.state in (ActionState.DONE, ActionState.REFUSED):
        facts.append("their own token" if action.own_token else "the workspace's token")
    if action.outcome:
        facts.append(f"Qovery: {escape(cut(action.outcome.lower(), 200))}")
    return cut(line + (" · " + " · ".join(facts) if facts else ""), 2900)
