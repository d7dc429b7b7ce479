"""Qovery's alerts in Slack (SPEC §14): one live message per firing, edited when it is resolved, tied to
the deployment it followed. Start with `watch.py` (the reads of Qovery that post and settle firings),
then `subscribe.py` (`/qovery alerts ...`).

    filters.py    the options of `alerts subscribe`, as a table, and which rules a channel keeps
    rules.py      Qovery's rules read (pure): firing or not, which firing, what its message shows
    blame.py      the deployment an alert followed (pure)
    messages.py   the firing's message and the replies in its thread (Block Kit, pure)
    watch.py      the reads: every minute, and soon after a doorbell; one replica at a time
    places.py     where a rule is, as Qovery places it, and whether it is the organization's at all
    troubles.py   the rules a read could not read or keep, each a finding of `/qovery doctor`
    subscribe.py  subscribe, unsubscribe, list, test
    receivers.py  a channel's receiver put on and taken off the rules, each re-read before its edit
    answers.py    what those commands answer
    clicks.py     Acknowledge, Silence 1 h, Unsilence, Rollback
    ports.py      the subscriptions, firings and silences kept
"""

from bot.alerts.clicks import AlertClicks
from bot.alerts.filters import ALERT_OPTIONS, ALERT_TABLE, AlertFilters, alert_option_named
from bot.alerts.messages import (
    ACKNOWLEDGE_ACTION,
    ALERT_ROLLBACK_ACTION,
    SILENCE_ACTION,
    UNSILENCE_ACTION,
    duration_words,
)
from bot.alerts.ports import RulesReader
from bot.alerts.rules import is_firing
from bot.alerts.subscribe import AlertCommands
from bot.alerts.watch import (
    DOORBELL_GAP_SECONDS,
    JOB_PREFIX,
    NOT_FOUND_VERDICT,
    READ_EVERY,
    AlertWatch,
    job_name,
)

__all__ = [
    "ACKNOWLEDGE_ACTION",
    "ALERT_OPTIONS",
    "ALERT_ROLLBACK_ACTION",
    "ALERT_TABLE",
    "DOORBELL_GAP_SECONDS",
    "JOB_PREFIX",
    "NOT_FOUND_VERDICT",
    "READ_EVERY",
    "SILENCE_ACTION",
    "UNSILENCE_ACTION",
    "AlertClicks",
    "AlertCommands",
    "AlertFilters",
    "AlertWatch",
    "RulesReader",
    "alert_option_named",
    "duration_words",
    "is_firing",
    "job_name",
]
