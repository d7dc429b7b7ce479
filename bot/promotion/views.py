"""A promotion's messages: the plan in the channel (each service old → new, what it carries, or why it
is left as it is) with Promote and Cancel, and the plan's fate once a button decided it. Everything
Qovery named is escaped; the buttons carry only the stored plan's id."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.actions import Action
from bot.actions import plan_fits as changes_fit
from bot.blocks import MAX_BLOCKS, Message, button, context, cut, escape, read_row_id, section, sections
from bot.deliveries import PROMOTE_CARD_ACTION, service_words
from bot.promotion.plan import ALREADY_THE_SAME, PlannedService

__all__ = [
    "CANCEL_PROMOTION_ACTION",
    "PLAN_MINUTES",
    "PROMOTE_ACTION",
    "PROMOTE_CARD_ACTION",
    "decided_message",
    "plan_fits",
    "plan_message",
    "read_plan_button",
    "same_words",
]

PROMOTE_ACTION = "promotion_promote"
CANCEL_PROMOTION_ACTION = "promotion_cancel"
PLAN_MINUTES = 30  # a plan's buttons are good for 30 minutes
_PLAN_SECTIONS = MAX_BLOCKS - 4  # the title, the context, the buttons, and "… and N more"


def _value(plan: Action) -> str:
    return f"promotion:{plan.id}"


def read_plan_button(value: object) -> int | None:
    """The stored plan a Promote or Cancel button names, or None for anything else."""
    return read_row_id(value, "promotion:")


def _version(version: str | None) -> str:
    if version is None:
        return "not deployed yet"
    shown = version[:7] if re.fullmatch(r"[0-9a-f]{40}", version) else version
    return f"`{cut(escape(shown), 80)}`"


def _line(planned: PlannedService) -> str:
    change = planned.change
    service = service_words(change.name, change.service_type, bold=True)
    if change.left == ALREADY_THE_SAME:
        return f"• {service}: {_version(change.before)}, already the same"
    if change.left is not None and change.left.startswith("only in ") and not change.left.endswith("skipped"):
        return f"• {service}: {escape(change.left)}, left as it is"
    if change.left is not None:
        return f"• {service}: {escape(change.left)}"
    carried = f", {escape(planned.carried)}" if planned.carried else ""
    return f"• {service}: {_version(change.before)} → {_version(change.after)}{carried}"


def _names(plan: Action) -> tuple[str, str]:
    assert plan.promotion is not None
    return escape(cut(plan.promotion.source.environment, 80)), escape(cut(plan.target.environment, 80))


def same_words(plan: Action) -> str:
    """`production already runs staging's versions`."""
    source, target = _names(plan)
    return f"{target} already runs {source}'s versions"


def _lines(planned: Sequence[PlannedService]) -> list[dict[str, object]]:
    found = sections(_line(p) for p in planned)
    if len(found) > _PLAN_SECTIONS:  # said rather than dropped: how many more
        shown = sum(str(b["text"]["text"]).count("\n") + 1 for b in found[: _PLAN_SECTIONS - 1])
        found = [*found[: _PLAN_SECTIONS - 1], section(f"… and {len(planned) - shown} more services")]
    return found


def plan_fits(plan: Action, planned: Sequence[PlannedService]) -> bool:
    """Whether the plan shows whole, here and in its request for approval and its message in the
    channel: Promote is never offered under a plan cut short."""
    return len(sections(_line(p) for p in planned)) <= _PLAN_SECTIONS and changes_fit(plan)


def plan_message(plan: Action, planned: Sequence[PlannedService], where: str) -> Message:
    """The plan in the channel; with Promote and Cancel when it deploys something (`plan.id` set)."""
    source, target = _names(plan)
    if not any(p.promoted for p in planned):
        title = f":white_check_mark: {where}: {same_words(plan)}: nothing to promote."
        blocks = [section(title), *_lines(planned)]
        return {"text": cut(title, 3000), "blocks": blocks[:MAX_BLOCKS]}
    title = f":arrow_double_up: <@{plan.user_id}> proposes to promote {where}:"
    count = sum(p.promoted for p in planned)
    facts = (
        f"{count} service{'s' if count != 1 else ''} would be deployed on {target} at the versions {source} "
        f"runs · anyone here may press Promote (the approval policy and who may act on {target} apply to "
        f"them) · good for {PLAN_MINUTES} minutes"
    )
    blocks = [
        section(title),
        *_lines(planned),
        context(facts),
        {
            "type": "actions",
            "elements": [
                button("Promote", PROMOTE_ACTION, value=_value(plan), style="primary"),
                button("Cancel", CANCEL_PROMOTION_ACTION, value=_value(plan)),
            ],
        },
    ]
    return {"text": cut(title, 3000), "blocks": blocks[:MAX_BLOCKS]}


def decided_message(where: str, said: str) -> Message:
    """The plan's message once decided: its buttons gone, who did what with it."""
    text = f":arrow_double_up: Promotion of {where}: {said}"
    return {"text": cut(text, 3000), "blocks": [section(cut(text, 3000))]}
