"""What a watch says at each read of Qovery's alert rules (pure): which rules watch the deployment, and
whether one fired after it.

Only the rules whose target is one of the deployed services, or the whole environment, are counted: an
alert on a service that was not deployed is not blamed on this deployment; nor is one that was already
firing before it ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.alerts import duration_words, is_firing
from bot.blocks import cut, escape
from bot.contents import reply_link
from bot.deliveries import Card
from bot.qovery import AlertRule, UnreadableRule
from bot.watches.ports import Watch, WatchState

__all__ = ["Verdict", "covering", "judge", "told"]


@dataclass(frozen=True)
class Verdict:
    state: WatchState
    rules: int
    line: str  # the card's line (mrkdwn, escaped)
    fired: AlertRule | None = None


def covering(watch: Watch, rules: list[AlertRule]) -> list[AlertRule]:
    """The rules that watch what was deployed: on a deployed service, or on the whole environment."""
    deployed = {name.lower() for name in watch.services}
    found: list[AlertRule] = []
    for rule in rules:
        target = rule.target
        if target is None:
            continue
        service = target.service
        on_environment = target.target_type == "ENVIRONMENT" and target.target_id == watch.environment_id
        # A delivery that named no service: every rule of the environment's services counts.
        on_deployed = (
            service is not None
            and service.environment_id == watch.environment_id
            and (not deployed or service.name.lower() in deployed)
        )
        if on_environment or on_deployed:
            found.append(rule)
    return found


def judge(
    watch: Watch, rules: list[AlertRule], now: datetime, unreadable: Sequence[UnreadableRule] = ()
) -> Verdict | None:
    """What the watch now says; None when it says what it said. A rule Qovery lists that the bot cannot
    read may be one that watches the deployment: while one is listed, no rule watching is not said
    before the watch ends."""
    covered = covering(watch, rules)
    firing = [r for r in covered if is_firing(r)]
    # Only a start Qovery gives says a rule fired after the deployment: without one it may have been
    # firing since before it, and is never blamed on it (nor is its rollback offered).
    fired = sorted(
        (r for r in firing if r.starts_at is not None and watch.started_at <= r.starts_at <= watch.until),
        key=lambda r: r.starts_at or now,
    )
    unknown = [r for r in firing if r.starts_at is None]
    if fired:
        rule = fired[0]
        after = duration_words(((rule.starts_at or now) - watch.started_at).total_seconds())
        severity = f" ({escape(str(rule.severity))})" if rule.severity else ""
        line = f":warning: *{escape(rule.name[:200])}*{severity} fired {after} after this deployment"
        return Verdict(WatchState.FIRED, len(covered), line, rule)
    doubt = any(u.environment_id in (None, watch.environment_id) for u in unreadable)
    if not covered and doubt and now < watch.until:
        return None
    if not covered:
        return Verdict(WatchState.UNWATCHED, 0, "No alert rule watches these services")
    if now >= watch.until and unknown:
        line = (
            f":grey_question: *{escape(unknown[0].name[:200])}* is firing since a time Qovery does not give: "
            "whether it fired after this deployment is not known"
        )
        return Verdict(WatchState.QUIET, len(covered), line)
    if now >= watch.until:
        line = f":white_check_mark: No alert in the {watch.minutes} min after this deployment"
        return Verdict(WatchState.QUIET, len(covered), line)
    if watch.rules != len(covered):
        count = f"{len(covered)} alert rule{'s' if len(covered) != 1 else ''}"
        return Verdict(WatchState.OPEN, len(covered), f":eyes: Watching {count} for {watch.minutes} min")
    return None


def told(verdict: Verdict, card: Card, channel_id: str) -> str:
    """The watch's line; when an alert fired, with what the deployment carried (as its card keeps it),
    linked to the reply in the card's thread that says it whole."""
    carried = card.carried
    if verdict.state is not WatchState.FIRED or carried is None:
        return verdict.line
    words = cut(carried.line.replace("|", "/"), 300)  # a link's label ends at the first |
    if not carried.reply_ts:
        return f"{verdict.line} · it carried: {words}"
    link = reply_link(channel_id, card.thread_ts or card.ts, carried.reply_ts)
    return f"{verdict.line} · it carried <{link}|{words}>"
