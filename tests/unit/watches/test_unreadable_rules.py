"""A watch's verdict while Qovery lists a rule the bot cannot read, pure: that rule may be one that watches
the deployment, so "no rule watches" is not said before the watch ends; a rule elsewhere changes nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.qovery import UnreadableRule
from bot.watches.ports import WatchState
from bot.watches.verdicts import judge
from tests.unit.watches.test_verdicts import DEPLOYED, ENV, OTHER_ENV, rule, watch


def test_no_rule_watching_is_not_said_while_an_unreadable_rule_may_watch_it() -> None:
    elsewhere = [rule("worker", service="worker")]
    for place in (None, ENV):
        unreadable = [UnreadableRule("rule:x", "High 5xx rate", "its `state` is not in a shape", place)]
        assert judge(watch(), elsewhere, DEPLOYED + timedelta(minutes=1), unreadable) is None
        said = judge(watch(), elsewhere, DEPLOYED + timedelta(minutes=15), unreadable)
        assert said is not None
        assert said.state is WatchState.UNWATCHED  # at the end, what the bot could read is said


def test_an_unreadable_rule_of_another_environment_changes_no_verdict() -> None:
    unreadable = [UnreadableRule("rule:x", "Elsewhere", "its `state` is not in a shape", OTHER_ENV)]
    said = judge(watch(), [rule("worker", service="worker")], DEPLOYED, unreadable)
    assert said is not None
    assert said.state is WatchState.UNWATCHED
