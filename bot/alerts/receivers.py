"""A channel's receiver put on Qovery's alert rules and taken off them again, each rule re-read right
before it is written back.

Qovery edits a rule only whole (`editAlertRule`), and keeps no version to write against: a rule sent back
as it was read at the start of a command would undo whatever was changed at Qovery meanwhile (another
receiver added, a threshold moved, the other channel's receiver taken off by an uninstall going through
them one by one). So each rule is read again (`getAlertRule`) just before its edit, and the receiver
added to, or taken from, that fresh copy; a rule gone meanwhile is skipped and named. One rule that
fails does not stop the others: they are all tried, then the first failure is raised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.qovery import AlertRule, QoveryApi, QoveryError, QoveryNotFound

__all__ = ["Detached", "attach_receiver", "carrying", "detach_receiver"]


@dataclass
class Detached:
    """What taking a receiver off the rules did."""

    kept_by: list[str] = field(default_factory=list)  # rules with no other receiver: it stays on them
    gone: list[str] = field(default_factory=list)  # rules Qovery no longer keeps


def carrying(rules: Sequence[AlertRule], receiver_id: str) -> list[AlertRule]:
    """The managed rules of a list that carry the receiver."""
    return [r for r in rules if r.id is not None and receiver_id in r.alert_receiver_ids]


async def attach_receiver(api: QoveryApi, receiver_id: str, rule_id: str) -> bool:
    """The receiver added to the rule as Qovery keeps it now; False when the rule is gone."""
    try:
        rule = await api.get_alert_rule(rule_id)
        if receiver_id not in rule.alert_receiver_ids:
            await api.edit_alert_rule(rule, [*rule.alert_receiver_ids, receiver_id])
    except QoveryNotFound:  # deleted at Qovery since the list was read
        return False
    return True


async def detach_receiver(api: QoveryApi, receiver_id: str, listed: Sequence[AlertRule]) -> Detached:
    """The receiver taken off each of these rules (as listed: a fresh copy is read) that has another,
    and deleted when no rule keeps it. Raises the first failure once every rule was tried (the receiver
    then stays)."""
    detached = Detached()
    failure: QoveryError | None = None
    for seen in listed:
        if seen.id is None:
            continue
        try:
            rule = await api.get_alert_rule(seen.id)
            if receiver_id not in rule.alert_receiver_ids:
                continue
            others = [r for r in rule.alert_receiver_ids if r != receiver_id]
            if not others:
                detached.kept_by.append(rule.name)  # a rule must keep one receiver at Qovery
                continue
            await api.edit_alert_rule(rule, others)
        except QoveryNotFound:
            detached.gone.append(seen.name)
        except QoveryError as error:
            failure = failure or error
    if failure is not None:
        raise failure
    if not detached.kept_by:
        with contextlib.suppress(QoveryNotFound):  # gone already
            await api.delete_alert_receiver(receiver_id)
    return detached
