"""The change feed's read (every 60 s, one replica at a time: adapters/changefeed_schedule.py): an
organization's audit log from its cursor to now, once however many channels subscribe; each change
kept once (told apart by its key, under a unique constraint), then each burst that has ended posted to
the channels whose filters keep it.

A burst: changes by the same person to the same environment (or to the organization, for access), each
within 2 minutes of the last, for 10 minutes at most. It is kept in the database until it ends, so a
restart in the middle of one loses nothing. A burst has ended once the cursor is 2 minutes past its last
change (everything up to the cursor has been read), or 10 minutes past its first.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import groupby

from bot.access import Access
from bot.changefeed.kinds import kind_of
from bot.changefeed.messages import burst_message, is_marked, mention_reply
from bot.changefeed.ports import Change, ChangeStore, ChangeSubscription, Cursor
from bot.contents import nanoseconds
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import AuditEvent, QoveryApi, QoveryError, QoveryForbidden, QoveryNotFound, QoveryUnauthorized

__all__ = ["FORBIDDEN", "JOB_PREFIX", "LIMITED", "READ_EVERY", "ChangeFeed", "bursts", "job_name"]

log = logging.getLogger(__name__)

JOB_PREFIX = "changes:"
READ_EVERY = timedelta(seconds=60)
GAP = timedelta(minutes=2)
LONGEST = timedelta(minutes=10)
# Each read starts this much before its cursor: an event Qovery writes late, or a clock of Qovery's behind
# the bot's, is still read (those read twice are kept once, by their key).
LATE = timedelta(minutes=2)
_PLACES_READ = 50  # environments looked up in one read (their type, their project); more: read again
_PLACE_TRIES = 3  # reads that wait for Qovery to describe an environment; then its type is unknown
_BURSTS_POSTED = 50  # per read: a backlog is posted over the next reads
_POSTING = timedelta(minutes=10)  # a burst's posting is one replica's this long (then: it died, another's)
FORBIDDEN = (
    ":lock: The workspace's Qovery token may not read the organization's audit log, so no change is "
    "read. A role that may read it (an organization admin's) brings the feed back."
)
LIMITED = (
    ":hourglass: The organization's Qovery plan keeps only its latest events "
    "(`organization_max_limit_reached`): older changes are out of Qovery's reach, and of the bot's."
)


class _AskedEnough(Exception):
    """A read met more environments than it looks up: it is made again, these known."""


def job_name(team_id: str) -> str:
    return f"{JOB_PREFIX}{team_id}"


def bursts(changes: list[Change], complete: datetime) -> list[tuple[list[Change], bool]]:
    """The changes (oldest first) as bursts, each with whether it has ended, given that everything up
    to `complete` has been read."""
    found: list[tuple[list[Change], bool]] = []
    for _, same in groupby(sorted(changes, key=lambda c: (c.burst, c.at)), key=lambda c: c.burst):
        runs: list[list[Change]] = []
        for change in same:
            run = runs[-1] if runs else None
            if run is None or change.at - run[-1].at > GAP or change.at - run[0].at > LONGEST:
                runs.append([change])
            else:
                run.append(change)
        for n, run in enumerate(runs):
            ended = n < len(runs) - 1 or complete - run[-1].at > GAP or complete - run[0].at >= LONGEST
            found.append((run, ended))
    return sorted(found, key=lambda b: b[0][0].at)


class ChangeFeed:
    def __init__(self, access: Access, store: ChangeStore, poster: SlackPoster) -> None:
        self._access = access
        self._store = store
        self._poster = poster
        # (team, environment id) -> (its type, its project id): an environment's place does not move.
        self._places: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self._looked_up = 0  # environments asked of Qovery in this read
        # Each workspace's projects as this replica's reads listed them: a project deleted since is
        # still the organization's, so its deletion and its last changes are posted.
        self._projects: dict[str, set[str]] = {}
        self._failed: dict[tuple[str, str], int] = {}  # reads an environment's lookup failed, in a row

    async def read(self, team_id: str, now: datetime) -> bool:
        """Read the organization's new changes and post the bursts that ended; False when no channel of
        the workspace gets the feed (nothing to read until one subscribes)."""
        subscriptions = await self._store.subscriptions(team_id)
        if not subscriptions:
            return False
        cursor = await self._store.cursor(team_id) or Cursor(min(s.created_at for s in subscriptions))
        try:
            api, organization_id = await self._access.qovery(team_id)
            cursor = await self._read(team_id, api, organization_id, cursor, now)
        except (QoveryForbidden, QoveryUnauthorized):
            cursor = replace(cursor, trouble=FORBIDDEN)  # said in `changes`; the read goes on next time
        except UserError as error:  # no Qovery token any more: said in `changes`, read again once one is
            cursor = replace(cursor, trouble=f":warning: {error.message}")
        except _AskedEnough:
            log.info("changes: the read of workspace %s met many environments; it goes on next time", team_id)
        except QoveryError as error:
            log.info(
                "changes: Qovery did not answer the read of workspace %s: %s", team_id, type(error).__name__
            )
        await self._store.advance(team_id, cursor)
        # Read again after Qovery's answer: a channel unsubscribed meanwhile gets nothing more.
        await self._post_ended(team_id, await self._store.subscriptions(team_id), cursor.since, now)
        return True

    async def _read(
        self, team_id: str, api: QoveryApi, organization_id: str, cursor: Cursor, now: datetime
    ) -> Cursor:
        to = cursor.gap_to or now
        self._looked_up = 0
        # Qovery's times are nanoseconds, the cursor's microseconds: a gap ends with its whole microsecond.
        to_ns = nanoseconds(to) + (999 if cursor.gap_to else 0)
        found = await api.list_organization_events(
            organization_id, from_ns=nanoseconds(cursor.since - LATE), to_ns=to_ns
        )
        listed = {p.id for p in await api.list_projects(organization_id)}
        known = self._projects.setdefault(team_id, set())
        if len(known) > 10_000:
            known.clear()
        known |= listed
        projects = known
        changes = [
            c for e in found.events if (c := await self._change(team_id, api, projects, e)) is not None
        ]
        await self._store.record(team_id, changes)
        trouble = LIMITED if found.max_limit_reached else None
        oldest = min((e.at for e in found.events), default=None)
        if found.cut and oldest is not None:
            if cursor.gap_to is not None and oldest >= cursor.gap_to:
                # Nothing older than the gap's last microsecond came: the next read goes on below it.
                oldest = cursor.gap_to - timedelta(microseconds=1)
            # More than one read takes, newest first: the older part is read next, up to (and with) the
            # oldest event read; `since` moves only once the whole window is read.
            return Cursor(cursor.since, gap_to=oldest, then=cursor.then or now, trouble=trouble)
        return Cursor(cursor.then or to, trouble=trouble)

    async def _change(
        self, team_id: str, api: QoveryApi, projects: set[str], event: AuditEvent
    ) -> Change | None:
        kind = kind_of(event)
        if kind is None or (event.project_id is not None and event.project_id not in projects):
            return None  # not a change the feed posts, or another organization's project: never shown
        environment_type = None
        if event.environment_id is not None:
            environment_type, project_id = await self._place(team_id, api, event.environment_id)
            if (project_id or event.project_id) not in projects:
                return None  # an environment of no project known to be the organization's: never shown
        return Change(
            key=event.fingerprint(),
            at=event.at,
            kind=kind,
            event_type=event.event_type,
            target_type=event.target_type,
            target_name=event.target_name,
            sub_target_type=event.sub_target_type,
            name=event.shown().name if event.sub_target_type in ("VARIABLE", "SECRET") else None,
            origin=event.origin,
            triggered_by=event.triggered_by,
            project_name=event.project_name,
            environment_id=event.environment_id,
            environment_name=event.environment_name,
            environment_type=environment_type,
        )

    async def _place(
        self, team_id: str, api: QoveryApi, environment_id: str
    ) -> tuple[str | None, str | None]:
        key = (team_id, environment_id)
        known = self._places.get(key)
        if known is not None:
            return known
        if self._looked_up >= _PLACES_READ:
            # A flood of environments: the read stops here and is made again next minute, these known.
            raise _AskedEnough
        self._looked_up += 1
        if len(self._places) >= 10_000:
            self._places.clear()
            self._failed.clear()
        try:
            environment = await api.get_environment(environment_id)
        except (QoveryNotFound, QoveryForbidden):
            self._places[key] = (None, None)  # deleted since, or not seen: its type is not known
            return None, None
        except QoveryError:
            # The read stops (nothing is kept) and is made again: a change whose environment's type is
            # not known reaches no `--envs` channel and loses its production mark. A few reads at most:
            # an environment Qovery never describes holds up no feed.
            self._failed[key] = self._failed.get(key, 0) + 1
            if self._failed[key] < _PLACE_TRIES:
                raise
            return None, None  # asked again next read, holding up nothing
        place = (str(environment.mode), environment.project.id)
        self._failed.pop(key, None)
        self._places[key] = place
        return place

    async def _post_ended(
        self, team_id: str, subscriptions: list[ChangeSubscription], complete: datetime, now: datetime
    ) -> None:
        ended = [run for run, done in bursts(await self._store.unposted(team_id), complete) if done]
        for run in ended[:_BURSTS_POSTED]:
            ids = [c.id for c in run if c.id is not None]
            if not await self._store.claim(ids, now, now + _POSTING):
                continue  # another replica posts it (one that took over a read outliving its hold)
            done: list[str] = []  # channels that have it, or that Slack refuses for good
            waiting = False  # a channel whose Slack asked to wait: the burst is posted there next read
            for subscription in subscriptions:
                channel_id = subscription.channel_id
                kept = [
                    c for c in run
                    if c.at >= subscription.created_at  # no backfill: from the subscription on
                    and channel_id not in c.posted_to  # reached at an earlier read: never twice
                    and subscription.filters.keeps(
                        c.kind, c.project_name, c.environment_name, c.environment_type
                    )
                ]  # fmt: skip
                if not kept:
                    continue
                if await self._post(subscription, kept):
                    done.append(channel_id)
                else:
                    waiting = True
            if waiting:
                await self._store.mark_posted_to(ids, done)
            else:
                await self._store.mark_posted(ids, now)

    async def _post(self, subscription: ChangeSubscription, kept: list[Change]) -> bool:
        """Post a burst to a channel; False when Slack asks to wait (it is posted at a later read), True
        once it is there or Slack refuses the channel for good."""
        team_id, channel_id = subscription.team_id, subscription.channel_id
        try:
            ts = await self._poster.post(team_id, channel_id, burst_message(kept))
        except SlackFailure as failure:  # one channel's trouble holds up no other
            log.info(
                "changes: Slack refused a burst in a channel of workspace %s: %s", team_id, failure.reason
            )
            return failure.permanent  # a channel Slack refuses for good is not asked again
        reply = mention_reply(subscription.filters.mention) if any(is_marked(c) for c in kept) else None
        if reply is not None:
            try:
                await self._poster.post(team_id, channel_id, reply, thread_ts=ts)
            except SlackFailure as failure:  # the burst is there: never posted twice for its mention
                log.info(
                    "changes: a mention could not be posted in workspace %s: %s", team_id, failure.reason
                )
        return True
