"""`/qovery changes subscribe|unsubscribe|list` (the change permission) and `/qovery changes
[project[/environment]] [--since 7d] [--user X]` (anyone): the channels that get the organization's
changes, and the changes the bot recorded (kept 90 days, past Qovery's own retention)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.access import Access, Caller
from bot.actions import read_where
from bot.blocks import MAX_BLOCKS, Block, Message, context, escape, header, plain, section, sections
from bot.changefeed.feed import FORBIDDEN, LIMITED, job_name
from bot.changefeed.kinds import ChangeFilters
from bot.changefeed.messages import change_line
from bot.changefeed.ports import ChangeStore, ChangeSubscription, Cursor
from bot.clock import utcnow
from bot.contents import nanoseconds
from bot.errors import UserError
from bot.ports import Jobs, SlackPoster
from bot.qovery import QoveryError, QoveryForbidden, QoveryUnauthorized
from bot.subscriptions import mentions

__all__ = ["KEEP_DAYS", "ChangeCommands"]

KEEP_DAYS = 90
SHOWN = 20
_PEOPLE_LOOKED_UP = 50  # e-mails asked of Slack for `--user @someone`


class ChangeCommands:
    def __init__(
        self, access: Access, store: ChangeStore, jobs: Jobs, poster: SlackPoster,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:  # fmt: skip
        self._access = access
        self._store = store
        self._jobs = jobs
        self._poster = poster
        self._clock = clock

    async def subscribe(self, caller: Caller, filters: ChangeFilters) -> Message:
        await self._access.check_may_change(caller, "subscribe channels to the change feed")
        limited = await self._may_read(caller.team_id)  # a token that may not read the log: refused here
        now = self._clock()
        subscription = ChangeSubscription(caller.team_id, caller.channel_id, filters, now, caller.user_id)
        if not await self._store.subscribe(subscription):
            raise UserError(
                "This channel already gets the change feed: `changes unsubscribe` first to change its "
                "filters."
            )
        if len(await self._store.subscriptions(caller.team_id)) == 1:
            await self._store.advance(caller.team_id, Cursor(now))  # the reading starts now: no backfill
        await self._jobs.ring(job_name(caller.team_id), now)
        said = f"\n{LIMITED}" if limited else ""
        return plain(
            f"This channel now gets the organization's changes from Qovery's audit log ({filters.words()}): "
            f"one message per burst of changes by one person to one environment, posted when it ends.{said}"
        )

    async def unsubscribe(self, caller: Caller) -> Message:
        await self._access.check_may_change(caller, "unsubscribe channels from the change feed")
        if not await self._store.unsubscribe(caller.team_id, caller.channel_id):
            return plain("This channel does not get the change feed.")
        return plain("This channel no longer gets the change feed.")

    async def forget_team(self, team_id: str) -> None:
        """The app is removed from the workspace: no channel of it gets the feed any more."""
        await self._store.forget_team(team_id)

    async def list_channels(self, caller: Caller) -> Message:
        found = await self._store.subscriptions(caller.team_id)
        if not found:
            return plain("No channel gets the change feed yet: `changes subscribe` in one.")
        lines = [f"<#{s.channel_id}>: {s.filters.words()}" for s in found]
        cursor = await self._store.cursor(caller.team_id)
        if cursor is not None and cursor.trouble:
            lines.append(cursor.trouble)
        return _lines("The change feed", "*Channels that get the organization's changes*", lines)

    async def recent(self, caller: Caller, where: str, since: timedelta, user: str | None) -> Message:
        wanted = read_where(where)
        after = self._clock() - since
        people = None if user is None else tuple(await self._people(caller, user, after))
        found = await self._store.recent(
            caller.team_id, after, people, limit=SHOWN, project=wanted.project, environment=wanted.environment
        )
        cursor = await self._store.cursor(caller.team_id)
        trouble = [cursor.trouble] if cursor is not None and cursor.trouble else []
        who = user if user and user.startswith("<@") else escape(user or "")  # `<@U…>`: read as the person
        title = "Changes" + (f" to {escape(where)}" if where else "") + (f" by {who}" if user else "")
        if not found:
            return plain("\n".join([f"{title}: none recorded.", *trouble]))
        return _lines("Changes", f"*{title}*, newest first", [change_line(c) for c in found] + trouble)

    async def _people(self, caller: Caller, user: str, since: datetime) -> set[str]:
        """The e-mails `--user` names: itself, or the Slack member's (as Slack has it, else matched
        among those who made changes)."""
        named = mentions(user) if user.startswith("<@") else []
        if not named:
            return {user.lower()}
        email = await caller.directory.email(named[0].id)
        if email:
            return {email.lower()}
        found: set[str] = set()
        for email in await self._store.people(caller.team_id, since, _PEOPLE_LOOKED_UP):
            if "@" in email and await self._poster.user_by_email(caller.team_id, email) == named[0].id:
                found.add(email)
        return found

    async def _may_read(self, team_id: str) -> bool:
        """Whether the organization's plan hides older events; a token that may not read: refused."""
        api, organization_id = await self._access.qovery(team_id)
        now = nanoseconds(self._clock())
        try:
            log = await api.list_organization_events(
                organization_id, from_ns=now - 60 * 10**9, to_ns=now, page_size=1
            )
        except (QoveryForbidden, QoveryUnauthorized):
            raise UserError(FORBIDDEN) from None
        except QoveryError:
            return False  # Qovery failing now tells nothing of the token's role: the reads will say
        return log.max_limit_reached


def _lines(title: str, first: str, lines: list[str]) -> Message:
    # Lines packed into as few sections as hold them: many channels never push the last (the trouble) out.
    blocks: list[Block] = [header(title), section(first), *sections(lines)]
    blocks.append(context("From Qovery's audit log; the bot keeps what it read 90 days."))
    return {"response_type": "ephemeral", "text": title, "blocks": blocks[:MAX_BLOCKS]}
