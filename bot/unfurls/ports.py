"""What unfurling needs from Slack: `chat.unfurl`, where the links were shared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.blocks import Message

__all__ = ["LinkPreviews", "SharedIn"]


@dataclass(frozen=True)
class SharedIn:
    """Where links were shared: a message in a channel, or (from the message composer, before it is sent)
    the `unfurl_id` and `source` Slack gave."""

    channel: str
    ts: str
    unfurl_id: str | None = None
    source: str | None = None


class LinkPreviews(Protocol):
    async def unfurl(self, team_id: str, shared: SharedIn, unfurls: dict[str, Message]) -> None:
        """One `chat.unfurl` with a preview per link (by its URL). Raises `SlackFailure`."""
        ...
