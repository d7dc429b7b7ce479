"""Actions left running by a bot that stopped while it asked Qovery (its replica died between "approved"
and Qovery's answer): said to be of unknown outcome, with a link to check Qovery, and recorded so in
the audit; never run again. Run on the approvals' schedule, by one replica at a time."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime, timedelta

from bot.actions import Action, Actions, ActionState, asked_words, where_words
from bot.approvals.views import REQUEST_SECONDS, request_message
from bot.blocks import SECTION_LIMIT, cut, section
from bot.ports import SlackFailure, SlackPoster

__all__ = ["LOST_OUTCOME", "RUNNING_SECONDS", "recover_lost"]

# Qovery answers in seconds; a run not recorded this long after it could have started (a request is
# approved within its 30 minutes) was left by a bot that stopped.
RUNNING_SECONDS = 10 * 60
LOST_OUTCOME = "no answer recorded: the bot stopped while it asked Qovery"


async def recover_lost(actions: Actions, poster: SlackPoster, now: datetime) -> int:
    """Each action still running that cannot be any more: unknown, said where it was asked; how many."""
    before = now - timedelta(seconds=REQUEST_SECONDS + RUNNING_SECONDS)
    told = 0
    for action in await actions.running_before(before):
        assert action.id is not None
        if not await actions.lost(action.id, LOST_OUTCOME, now):
            continue  # its answer came after all, or another replica said it
        told += 1
        with contextlib.suppress(SlackFailure):  # the audit trail has it either way
            await _tell(poster, replace(action, state=ActionState.UNKNOWN, outcome=LOST_OUTCOME))
    return told


async def _tell(poster: SlackPoster, action: Action) -> None:
    check = f"Check <{action.target.console_url()}|the environment in Qovery's console>."
    if action.request_ts:  # the request is edited: everyone who saw it approved reads what became of it
        words = (
            f":grey_question: Approved by <@{action.decided_by}>, but the bot stopped before Qovery's "
            f"answer was recorded: whether it ran is not known, and it will not be run again. {check}"
        )
        message = request_message(action, own_token=action.own_token, decision=words, open_=False)
        await poster.update(action.team_id, action.channel_id, action.request_ts, message)
        return
    words = (
        f":grey_question: <@{action.user_id}> asked from Slack to {asked_words(action.kind)} "
        f"{where_words(action)}, but the bot stopped before Qovery's answer was recorded: whether it ran "
        f"is not known, and it will not be run again. {check}"
    )
    message = {"text": cut(words, SECTION_LIMIT), "blocks": [section(words)]}
    await poster.post(action.team_id, action.channel_id, message, thread_ts=action.thread_ts)
