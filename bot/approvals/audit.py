"""`/qovery audit [project[/environment]] [--user @x]` (SPEC §16): the last actions taken from Slack, and
the requests rejected, withdrawn or expired, read from the actions the bot records; anyone may read it.
The App Home shows the last five."""

from __future__ import annotations

from bot.access import Caller
from bot.actions import Action, Actions, Where, read_where
from bot.approvals.views import audit_line
from bot.blocks import MAX_BLOCKS, Block, Message, context, escape, header, section

__all__ = ["Audit"]

SHOWN = 20


class Audit:
    def __init__(self, actions: Actions) -> None:
        self._actions = actions

    async def recent(self, caller: Caller, where: str = "", user_id: str | None = None) -> Message:
        wanted = read_where(where) if where else None
        found = await self._actions.audited(caller.team_id, user_id, limit=500)
        kept = [a for a in found if wanted is None or _at(a, wanted)][:SHOWN]
        title = (
            "Actions from Slack"
            + (f" on {escape(where)}" if where else "")
            + (f" by <@{user_id}>" if user_id else "")
        )
        if not kept:
            text = f"{title}: none yet."
            return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
        blocks: list[Block] = [header("Audit trail"), section(f"*{title}*, newest first")]
        blocks += [section(audit_line(action)) for action in kept]
        blocks.append(context("Recorded by the bot; kept 400 days."))
        return {"response_type": "ephemeral", "text": title, "blocks": blocks[:MAX_BLOCKS]}

    async def latest_lines(self, team_id: str, count: int = 5) -> list[str]:
        return [audit_line(a) for a in await self._actions.audited(team_id, None, limit=count)]


def _at(action: Action, wanted: Where) -> bool:
    if wanted.project and action.target.project.lower() != wanted.project.lower():
        return False
    return wanted.environment is None or action.target.environment.lower() == wanted.environment.lower()
