"""The messages of an action from Slack (SPEC §12): the confirmation only the asker sees, naming the
environment and each service's version before and after; and the message in the channel that says
who did what. Everything Qovery named is escaped; the buttons carry only the action's id."""

from __future__ import annotations

import re

from bot.actions.plans import Action, ActionKind, ServiceChange
from bot.blocks import MAX_BLOCKS, Block, Message, button, context, cut, escape, section, whole_lines
from bot.deliveries import service_words

__all__ = [
    "CONFIRM_ACTION",
    "DISMISS_ACTION",
    "action_value",
    "asked_words",
    "audit_message",
    "changes_blocks",
    "confirmation",
    "done_words",
    "read_action_button",
    "where_words",
]

CONFIRM_ACTION = "action_confirm"
DISMISS_ACTION = "action_dismiss"
_CHANGES_SHOWN = 30

# Per kind: the emoji, the question, the verb of the channel's message.
_WORDS = {
    ActionKind.DEPLOY: (":rocket:", "Deploy", "deployed"),
    ActionKind.REDEPLOY: (":arrows_counterclockwise:", "Redeploy", "redeployed"),
    ActionKind.CANCEL: (":no_entry_sign:", "Cancel the deployment of", "cancelled the deployment of"),
    ActionKind.STOP: (":octagonal_sign:", "Stop", "stopped"),
    ActionKind.ROLLBACK: (":rewind:", "Roll back", "rolled back"),
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
    match = re.fullmatch(r"action:(\d{1,18})", value) if isinstance(value, str) else None
    return int(match.group(1)) if match else None


def where_words(action: Action) -> str:
    target = action.target
    return f"*{escape(cut(target.project, 80))} / {escape(cut(target.environment, 80))}*"


def _version(version: str | None) -> str:
    if version is None:
        return "its latest version"
    shown = version[:7] if re.fullmatch(r"[0-9a-f]{40}", version) else cut(version, 80)
    return f"`{escape(shown)}`"


def _change(change: ServiceChange) -> str:
    service = service_words(change.name, change.service_type, bold=True)
    if change.left is not None:
        return f"• left as it is: {service}: {escape(change.left)}"
    if not change.pinnable:  # deployed with the environment, at what Qovery has set for it
        return f"• {service}: deployed as set in Qovery"
    before = _version(change.before) if change.before else "not deployed yet"
    return f"• {service}: {before} → {_version(change.after)}"


def changes_blocks(action: Action) -> list[Block]:
    lines = [_change(change) for change in action.changes[:_CHANGES_SHOWN]]
    return [section(whole_lines(lines, len(action.changes), "services"))] if lines else []


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
