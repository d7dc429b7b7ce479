"""An alert's message (Block Kit, pure): firing, acknowledged, silenced, resolved; and the replies in its
thread. Every text from Qovery is escaped and cut to Slack's limits (`bot.blocks`); a button carries the
bot's own firing id, never content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.alerts.ports import Firing
from bot.alerts.rules import RuleView
from bot.blocks import (
    SECTION_LIMIT,
    Block,
    Message,
    button,
    context,
    cut,
    escape,
    read_row_id,
    safe_url,
    section,
    slack_date,
)
from bot.contents import reply_link

__all__ = [
    "ACKNOWLEDGE_ACTION",
    "ALERT_ROLLBACK_ACTION",
    "SILENCE_ACTION",
    "UNSILENCE_ACTION",
    "FiringButton",
    "duration_words",
    "fired_reply",
    "firing_message",
    "resolved_reply",
    "where_words",
]

ACKNOWLEDGE_ACTION = "alert_acknowledge"
SILENCE_ACTION = "alert_silence"
UNSILENCE_ACTION = "alert_unsilence"
ALERT_ROLLBACK_ACTION = "alert_rollback"
_OPEN_ACTION = "alert_open"
_RUNBOOK_ACTION = "alert_runbook"
CONSOLE = "https://console.qovery.com"
_RED, _ORANGE, _GREEN, _GREY = "#e01e5a", "#ecb22e", "#2eb67d", "#9e9ea6"
_GRAVE = "\u02cb"  # looks like a backtick, ends no code block


@dataclass(frozen=True)
class FiringButton:
    """What an alert's button carries back: the bot's own firing; the rest is read from the database."""

    firing_id: int

    def dump(self) -> str:
        return f"firing:{self.firing_id}"

    @staticmethod
    def load(value: object) -> FiringButton | None:
        firing_id = read_row_id(value, "firing:")
        return FiringButton(firing_id) if firing_id is not None else None


def duration_words(seconds: float) -> str:
    """`12 min`, `40 s`, `2 h 5 min`: how long, to the minute past the first one."""
    if seconds < 60:
        return f"{max(0, int(seconds))} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def where_words(rule: RuleView) -> str:
    """`billing / production / api`, or what is known of it (unescaped)."""
    scope = rule.scope
    names = [scope.project, scope.environment, scope.service or ""]
    return " / ".join(n for n in names if n) or ("the cluster" if scope.environment_id is None else "?")


def console_url(rule: RuleView, organization_id: str) -> str | None:
    env, project = rule.scope.environment_id, rule.project_id
    if not (env and project):
        return None
    base = f"{CONSOLE}/organization/{organization_id}/project/{project}/environment/{env}"
    return f"{base}/application/{rule.service_id}/general" if rule.service_id else f"{base}/overview"


def _severity(rule: RuleView) -> str:
    return f" ({escape(rule.severity)})" if rule.severity else ""


def firing_message(
    firing: Firing,
    organization_id: str,
    *,
    silenced_until: datetime | None = None,
    now: datetime | None = None,
) -> Message:
    """The firing's message as it stands: firing or resolved, with who acknowledged it, whether it is
    silenced here or at Qovery, and the deployment it followed."""
    rule = firing.rule
    where = escape(where_words(rule))
    name = escape(rule.name or "An alert rule")
    if firing.resolved_at is not None:
        lasted = duration_words((firing.resolved_at - firing.starts_at).total_seconds())
        headline = f":white_check_mark: *Resolved* after {lasted}: *{name}*{_severity(rule)} on *{where}*"
        colour, words = _GREEN, f"Resolved: {rule.name} on {where_words(rule)}, after {lasted}"
    else:
        headline = f":rotating_light: *{name}*{_severity(rule)} on *{where}*"
        colour = _RED if rule.severity in ("HIGH", "CRITICAL") else _ORANGE
        if firing.suppressed:
            colour = _GREY
        words = (
            f"Alert: {rule.name}{' (' + rule.severity + ')' if rule.severity else ''} on {where_words(rule)}"
        )
    if rule.summary:
        headline += f"\n{escape(rule.summary)}"
    blocks: list[Block] = [section(headline)]
    condition = f"*Condition*: {escape(rule.condition)}" if rule.condition else ""
    if rule.promql:
        # In a code block; a backtick of its own could end the block early.
        condition += f"\n```{escape(rule.promql).replace('`', _GRAVE)}```"
    if condition:
        blocks.append(section(condition.strip()))
    facts = [f"Since {slack_date(firing.starts_at)}"]
    if firing.blame is not None:
        facts.append(_blame_words(firing, firing.blame.card_ts))
    blocks.append(context(" · ".join(facts)))
    if firing.acknowledged_by and firing.acknowledged_at:
        blocks.append(
            context(
                f":eyes: Acknowledged by <@{firing.acknowledged_by}> at {slack_date(firing.acknowledged_at)}"
            )
        )
    if firing.open and firing.suppressed:
        blocks.append(context(":zzz: Silenced at Qovery: Qovery sends no notification of it for now."))
    if firing.open and silenced_until is not None:
        blocks.append(
            context(
                f":mute: Silenced here until {slack_date(silenced_until)}: "
                "no new message for this rule in this channel until then."
            )
        )
    if rule.ghost:
        blocks.append(context("This rule is no longer in Qovery's list (a ghost rule still in Prometheus)."))
    blocks.append(
        {
            "type": "actions",
            "block_id": "alert_actions",
            "elements": _buttons(firing, organization_id, silenced_until),
        }
    )
    fallback = cut(escape(words), SECTION_LIMIT)
    return {"text": fallback, "attachments": [{"color": colour, "blocks": blocks, "fallback": fallback}]}


def _blame_words(firing: Firing, card_ts: str | None) -> str:
    blame = firing.blame
    assert blame is not None
    after = duration_words(max(0.0, (firing.starts_at - blame.ended_at).total_seconds()))
    where = escape(" / ".join(n for n in (firing.rule.scope.project, firing.rule.scope.environment) if n))
    words = f"began {after} after the deployment of {where or 'this environment'}"
    if blame.triggered_by:
        words += f" by {escape(blame.triggered_by)}"
    if blame.versions:
        words += f" ({escape(', '.join(blame.versions))})"
    if card_ts:
        link = f"https://slack.com/archives/{firing.channel_id}/p{card_ts.replace('.', '')}"
        words += f" · <{link}|its card>"
        if blame.carried:  # what that deployment carried, linked to the reply in the card's thread
            carried = cut(blame.carried.replace("|", "/"), 300)  # a link's label ends at the first |
            thread = reply_link(firing.channel_id, card_ts, blame.carried_ts) if blame.carried_ts else link
            words += f" · it carried <{thread}|{carried}>"
    return words


def _buttons(firing: Firing, organization_id: str, silenced_until: datetime | None) -> list[Block]:
    found: list[Block] = []
    url = console_url(firing.rule, organization_id)
    if url:
        found.append(button("Open in Qovery", _OPEN_ACTION, url=url))
    runbook = safe_url(firing.rule.runbook_url)
    if runbook:
        found.append(button("Runbook", _RUNBOOK_ACTION, url=runbook))
    if firing.resolved_at is not None:
        return found or [button("Open Qovery", _OPEN_ACTION, url=CONSOLE)]
    value = FiringButton(firing.id).dump()
    if not firing.acknowledged_by:
        found.append(button("Acknowledge", ACKNOWLEDGE_ACTION, value=value, style="primary"))
    if silenced_until is None:
        found.append(button("Silence 1 h", SILENCE_ACTION, value=value))
    else:
        found.append(button("Unsilence", UNSILENCE_ACTION, value=value))
    if firing.blame is not None:
        # No dialog: the click answers with the rollback's confirmation, each service's version shown.
        found.append(button("Rollback", ALERT_ROLLBACK_ACTION, value=value, style="danger"))
    return found


def fired_reply(firing: Firing, notify: str) -> Message:
    """In the thread, where a mention notifies (an edit notifies nobody)."""
    where = escape(where_words(firing.rule))
    text = f"{notify} :rotating_light: *{escape(firing.rule.name)}* fired on *{where}*."
    return {"text": cut(text.strip(), SECTION_LIMIT), "blocks": [section(text.strip())]}


def resolved_reply(firing: Firing) -> Message:
    assert firing.resolved_at is not None
    lasted = duration_words((firing.resolved_at - firing.starts_at).total_seconds())
    text = f":white_check_mark: *{escape(firing.rule.name)}* is resolved, after {lasted}."
    return {"text": cut(text, SECTION_LIMIT), "blocks": [section(text)]}
