"""The freezes' messages (Block Kit, pure): `policy freeze list`, the lines of `policy show` and the
Home tab, the answer to an action a freeze stops (with **Ask for an exception**), and the form that
asks for the exception's reason. Every button names the bot's own record, nothing else."""

from __future__ import annotations

import json
from datetime import datetime

from bot.actions import Action, where_words
from bot.blocks import (
    Block,
    Message,
    button,
    context,
    cut,
    input_block,
    modal,
    read_row_id,
    section,
    sections,
    slack_date,
)
from bot.freezes.rules import REASON_LIMIT, Freeze, InForce

__all__ = [
    "EXCEPTION_ACTION",
    "EXCEPTION_FORM",
    "exception_form",
    "freeze_lines",
    "frozen_answer",
    "list_message",
    "read_exception_button",
    "read_exception_form",
]

EXCEPTION_ACTION = "freeze_exception"
EXCEPTION_FORM = "freeze_exception_form"


def read_exception_button(value: object) -> int | None:
    """The action an exception's button names, or None for anything else."""
    return read_row_id(value, "exception:")


def list_message(freezes: list[Freeze], now: datetime, default_zone: str, command: str) -> Message:
    """`policy freeze list`: each freeze numbered, whether it holds now, and when it next does."""
    if not freezes:
        text = (
            "No freezes: actions from Slack run whenever they may. An admin adds one with "
            f'`{command} policy freeze add "fri 16:00-mon 08:00 Europe/Paris" --reason "weekend"`.'
        )
        return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
    lines = [f"{freeze.id}. {_line(freeze, now, default_zone)}" for freeze in freezes]
    title = f":snowflake: {len(freezes)} freezes (`{command} policy freeze remove <n>` removes one):"
    return {"response_type": "ephemeral", "text": title, "blocks": [section(title), *sections(lines)]}


def _line(freeze: Freeze, now: datetime, default_zone: str) -> str:
    current, upcoming = freeze.current(now, default_zone), freeze.next(now, default_zone)
    if current is not None:
        state = f"*in force* until {slack_date(current.end)}"
    elif upcoming is not None:
        state = f"next from {slack_date(upcoming.start)}"
    else:
        state = "over"
    by = f" · set by <@{freeze.set_by}>" if freeze.set_by else ""
    return f"{freeze.words()} · {state}{by}"


def freeze_lines(freezes: list[Freeze], now: datetime, default_zone: str) -> list[str]:
    """For `policy show` and the Home tab: the freezes in force, and the next one to start."""
    lines = []
    for freeze in freezes:
        if (current := freeze.current(now, default_zone)) is not None:
            lines.append(f":snowflake: In force until {slack_date(current.end)}: {freeze.words()}")
    upcoming = [(s, f) for f in freezes if (s := f.next(now, default_zone)) is not None]
    if upcoming:
        span, freeze = min(upcoming, key=lambda found: found[0].start)
        lines.append(f":calendar: Next freeze from {slack_date(span.start)}: {freeze.words()}")
    return lines or ["No freeze is in force or to come."]


def frozen_answer(action: Action, in_force: InForce) -> Message:
    """To whoever asked, during a freeze: nothing ran; the freeze, its reason, its end; the button."""
    text = f"{in_force.words()}. Nothing was done on {where_words(action)}."
    blocks: list[Block] = [
        section(text),
        context("An approver other than you may let it through: ask, giving your reason."),
        {
            "type": "actions",
            "elements": [button("Ask for an exception", EXCEPTION_ACTION, value=f"exception:{action.id}")],
        },
    ]
    return {"response_type": "ephemeral", "text": cut(text, 3000), "blocks": blocks}


def exception_form(action: Action) -> Block:
    """The form that asks for an exception's reason; it carries only the action's id."""
    element = {"type": "plain_text_input", "multiline": True, "max_length": REASON_LIMIT}
    return modal(
        "Ask for an exception",
        [
            section(f"To the freeze, for this action on {where_words(action)}."),
            input_block("reason", "Why it cannot wait", element),
        ],
        submit="Ask",
        callback_id=EXCEPTION_FORM,
        private_metadata=json.dumps({"action": f"exception:{action.id}"}),
    )


def read_exception_form(reason: object) -> str | None:
    """The reason typed, or None when there is none to read."""
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_LIMIT:
        return None
    return reason.strip()
