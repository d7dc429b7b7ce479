"""What `/qovery alerts ...` answers: the rules a channel now receives, what an unsubscribe left, a
rule's state in words; lines in as few sections as fit one message."""

from __future__ import annotations

from bot.alerts.filters import AlertFilters
from bot.alerts.messages import where_words
from bot.alerts.ports import AlertSubscription
from bot.alerts.receivers import Detached
from bot.alerts.rules import RuleView
from bot.blocks import MAX_BLOCKS, SECTION_LIMIT, Block, Message, context, escape, section
from bot.qovery import AlertRule, AlertRuleState

__all__ = ["LISTED", "lines_message", "names", "rule_line", "state_words", "subscribed", "unsubscribed"]

LISTED = 60  # rules listed at most: beyond, a line says how many more

_STATE_WORDS: dict[str, str] = {
    AlertRuleState.OK: ":large_green_circle: ok",
    AlertRuleState.TRIGGERED: ":rotating_light: firing",
    AlertRuleState.PENDING_NOTIFICATION: ":rotating_light: firing",
    AlertRuleState.NOTIFIED: ":rotating_light: firing",
    AlertRuleState.SUPPRESSED: ":zzz: silenced at Qovery",
    AlertRuleState.UNDEPLOYED: ":white_circle: not deployed",
    AlertRuleState.UNROUTED: ":warning: firing, no receiver",
}


def state_words(rule: AlertRule) -> str:
    if rule.state in list(AlertRuleState):
        return _STATE_WORDS.get(AlertRuleState(rule.state), escape(str(rule.state)))
    return escape(str(rule.state)[:30])


def subscribed(
    filters: AlertFilters,
    kept: list[RuleView],
    attached: list[RuleView],
    refused: str | None,
    gone: list[str],
) -> Message:
    lines = [f":white_check_mark: This channel now receives Qovery's alerts: {escape(filters.words())}."]
    if refused is not None:
        lines.append(
            "Qovery refused a receiver that does not post to Slack itself (Qovery says: "
            f"{escape(refused)}): the bot reads Qovery's alerts every minute instead, so they arrive "
            "here within a minute."
        )
    if kept:
        verb = "Its receiver is on" if refused is None else "Rules watched"
        lines.append(f"{verb} {len(kept)} alert rule{'s' if len(kept) != 1 else ''}:")
        lines += [f"• {rule_line(v)}" for v in (attached or kept)[:LISTED]]
    elif not gone:
        lines.append("No alert rule of the organization matches yet.")
    if gone:
        lines.append(f"Deleted at Qovery meanwhile, so skipped: {names(gone)}.")
    lines.append(
        "Rules added later are read every minute too. One message per firing, edited when it is resolved."
    )
    return lines_message(lines)


def unsubscribed(detached: Detached, again: AlertSubscription | None, command: str) -> Message:
    """What an unsubscribe did; `again`: a subscription of the channel made since."""
    lines = [":white_check_mark: This channel no longer receives alerts; every rule is as it was."]
    if detached.kept_by:
        lines = [
            ":white_check_mark: This channel no longer receives alerts. A rule must keep one receiver at "
            "Qovery, so the bot's stays on the rules that have no other (it posts nothing now): "
            + names(detached.kept_by[:LISTED])
        ]
    if detached.gone:
        lines.append(f"Deleted at Qovery meanwhile, so skipped: {names(detached.gone)}.")
    if again is not None:  # a subscribe came in just after: never "done" while one remains
        lines = [
            "This channel's subscription was removed, but another was made meanwhile and still "
            f"receives alerts ({escape(again.filters.words())}): "
            f"`{command} alerts unsubscribe` again to stop it."
        ]
    return lines_message(lines)


def rule_line(view: RuleView) -> str:
    severity = f" ({escape(view.severity)})" if view.severity else ""
    return f"*{escape(view.name)}*{severity} on {escape(where_words(view))}"


def names(rules: list[str]) -> str:
    """Rules by name, in bold."""
    return ", ".join(f"*{escape(name)}*" for name in rules[:LISTED])


def lines_message(lines: list[str]) -> Message:
    """Lines in as few sections as fit Slack's limits."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context("The rest is cut to fit one message.")]
    return {"response_type": "ephemeral", "text": lines[0][:SECTION_LIMIT], "blocks": blocks}
