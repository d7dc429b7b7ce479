"""The messages of an action from Slack (SPEC §12): the confirmation only the asker sees, naming the
environment and each service's version before and after; and the message in the channel that says
who did what. Everything Qovery named is escaped; the buttons carry only the action's id."""

from __future__ import annotations

import re
from datetime import datetime

from bot.actions.plans import Action, ActionKind, ServiceChange
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
)
from bot.deliveries import service_words

__all__ = [
    "CONFIRM_ACTION",
    "DISMISS_ACTION",
    "action_value",
    "asked_words",
    "audit_message",
    "changes_blocks",
    "confirmation",
    "confirmation_gone",
    "done_words",
    "plan_fits",
    "read_action_button",
    "where_words",
]

CONFIRM_ACTION = "action_confirm"
DISMISS_ACTION = "action_dismiss"
# The sections a plan may take: a request's other blocks are six at most (ask, facts, approvers,
# decision, buttons, and one to spare), so a plan that fits a confirmation fits its request too.
PLAN_SECTIONS = MAX_BLOCKS - 6

# Per kind: the emoji, the question, the verb of the channel's message.
_WORDS = {
    ActionKind.DEPLOY: (":rocket:", "Deploy", "deployed"),
    ActionKind.REDEPLOY: (":arrows_counterclockwise:", "Redeploy", "redeployed"),
    ActionKind.CANCEL: (":no_entry_sign:", "Cancel the deployment of", "cancelled the deployment of"),
    ActionKind.STOP: (":octagonal_sign:", "Stop", "stopped"),
    ActionKind.ROLLBACK: (":rewind:", "Roll back", "rolled back"),
    ActionKind.PROMOTE: (":arrow_double_up:", "Promote", "promoted"),
}


def asked_words(kind: ActionKind) -> str:
    """`roll back`: what someone asks to do, as a sentence says it."""
    return _WORDS[kind][1].lower()


def done_words(kind: ActionKind) -> str:
    """`rolled back`: what someone did."""
    return _WORDS[kind][2]


def action_value(action: Action) -> str:
    return f"action:{action.id}"


def read_action_button(value: object) -> int | None:
    """The action a confirmation's button names, or None for anything else."""
    return read_row_id(value, "action:")


def confirmation_gone(action: Action, now: datetime) -> str:
    """Why pressing a confirmation did nothing: it expired, or it was already pressed or called off."""
    if action.confirmation_expired(now):
        return "This confirmation has expired: nothing was done. Ask again to see what it would do now."
    return "This was already confirmed or called off: nothing more was done."


def where_words(action: Action) -> str:
    """`*billing / production*`; a promotion's `*billing staging → production*`."""
    target = action.target
    project, environment = escape(cut(target.project, 80)), escape(cut(target.environment, 80))
    if action.promotion is None:
        return f"*{project} / {environment}*"
    source = action.promotion.source
    from_environment = escape(cut(source.environment, 80))
    if source.project_id != target.project_id:
        return f"*{escape(cut(source.project, 80))} / {from_environment} → {project} / {environment}*"
    return f"*{project} {from_environment} → {environment}*"


def _version(version: str | None) -> str:
    if version is None:
        return "its latest version"
    shown = version[:7] if re.fullmatch(r"[0-9a-f]{40}", version) else version
    return f"`{cut(escape(shown), 80)}`"  # cut once escaped: a line's length is bounded whatever it holds


def _change(change: ServiceChange) -> str:
    service = service_words(change.name, change.service_type, bold=True)
    if change.left is not None:
        return f"• left as it is: {service}: {escape(change.left)}"
    if not change.pinnable:  # deployed with the environment, at what Qovery has set for it
        return f"• {service}: deployed as set in Qovery"
    before = _version(change.before) if change.before else "not deployed yet"
    return f"• {service}: {before} → {_version(change.after)}"


def changes_blocks(action: Action) -> list[Block]:
    """Every service's change, over as many sections as it takes. A plan longer than that is never
    proposed (`plan_fits`): an approver approves only a plan they saw whole."""
    found = sections(_change(change) for change in action.changes)
    if len(found) > PLAN_SECTIONS:  # not proposed so; said rather than dropped, should one be stored
        shown = sum(b["text"]["text"].count("\n") + 1 for b in found[: PLAN_SECTIONS - 1])
        found = [*found[: PLAN_SECTIONS - 1], section(f"… and {len(action.changes) - shown} more services")]
    return found


def plan_fits(action: Action) -> bool:
    """Whether each service's change can be shown, in the confirmation, the request and the channel."""
    return len(sections(_change(change) for change in action.changes)) <= PLAN_SECTIONS


def confirmation(action: Action, *, own_token: bool) -> Message:
    """Only the asker sees it: what exactly will happen, and the buttons that name the stored action."""
    emoji, question, _ = _WORDS[action.kind]
    target = action.target
    title = f"{emoji} {question} {where_words(action)}?"
    facts = f"{escape(target.mode.lower())} · environment `{escape(target.environment_id)}`"
    whose = "your own Qovery token" if own_token else "the workspace's Qovery token"
    blocks = [
        section(title),
        *changes_blocks(action),
        context(f"{facts} · Qovery will be asked with {whose}. This confirmation expires in 10 minutes."),
        {
            "type": "actions",
            "elements": [
                button(question.split()[0], CONFIRM_ACTION, value=action_value(action), style="primary"),
                button("Never mind", DISMISS_ACTION, value=action_value(action)),
            ],
        },
    ]
    return {"response_type": "ephemeral", "text": cut(title, 3000), "blocks": blocks[:MAX_BLOCKS]}


def audit_message(action: Action, qovery_said: str, *, own_token: bool) -> Message:
    """In the channel, for everyone: who did what from Slack, and with whose token."""
    emoji, _, verb = _WORDS[action.kind]
    whose = "with their own Qovery token" if own_token else "with the workspace's Qovery token"
    text = f"{emoji} <@{action.user_id}> {verb} {where_words(action)} from Slack, {whose}."
    said = escape(qovery_said.lower().replace("_", " "))
    blocks = [section(text), *changes_blocks(action), context(f"Qovery: {said} · action #{action.id}")]
    return {"text": cut(text, 3000), "blocks": blocks[:MAX_BLOCKS]}
