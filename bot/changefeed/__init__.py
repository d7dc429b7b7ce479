"""The change feed: what changes in the organization, from Qovery's audit log, posted where the team
looks (README "The change feed").

    kinds.py      what a change is (`--kinds`), and the options of `changes subscribe`
    feed.py       the read every 60 s: the cursor, the changes kept once, the bursts posted when they end
    messages.py   the words of a burst, its mention, and of `/qovery changes`
    commands.py   `/qovery changes subscribe|unsubscribe|list` and `/qovery changes`
    ports.py      what the bot keeps: changes, subscriptions, the cursor
"""

from bot.changefeed.commands import KEEP_DAYS, ChangeCommands
from bot.changefeed.feed import JOB_PREFIX, READ_EVERY, ChangeFeed, bursts, job_name
from bot.changefeed.kinds import CHANGE_OPTIONS, ChangeFilters, ChangeKind, change_option_named, kind_of
from bot.changefeed.messages import burst_message, change_line
from bot.changefeed.ports import Change, ChangeStore, ChangeSubscription, Cursor

__all__ = [
    "CHANGE_OPTIONS",
    "JOB_PREFIX",
    "KEEP_DAYS",
    "READ_EVERY",
    "Change",
    "ChangeCommands",
    "ChangeFeed",
    "ChangeFilters",
    "ChangeKind",
    "ChangeStore",
    "ChangeSubscription",
    "Cursor",
    "burst_message",
    "bursts",
    "change_line",
    "change_option_named",
    "job_name",
    "kind_of",
]
