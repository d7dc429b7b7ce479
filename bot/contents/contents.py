"""What a deployment carries, looked up when its card is completed and shown with it: the use case.

The enrichment (`bot.deliveries.enrichment`) asks this, for each card it completes from Qovery's
history, what its edit carries, with the history it read. The deployment is compared with the
environment's previous successful deployment in that history (a service that one did not deploy,
with the latest that did): the commits of each service whose
commit moved (one list a service, `list_commits`, a few at once), and the audit log between the two
(`list_organization_events`). What is found is kept per deployment and the versions its history
shows, and each answer of Qovery's per service and commit, so a second channel, an event replayed or a
later status costs Qovery nothing more, and a service the history lists only by the outcome is in it.

The card's line joins the enrichment's own edit: no Slack call of its own. The reply "What's in this
deployment" waits for the deployment's outcome (its versions are then all in the history), and goes
out once per card: the line is written first, conditionally, so that two replicas, a replay or a
restart never post two. A Qovery error on a service's commits says only its two versions; on the audit
log, the configuration section is left out (the doctor says why); no previous successful deployment in
the history, or a slow Qovery: nothing is said.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime

from bot.access import Access
from bot.blocks import Message
from bot.contents.carried import Carried, card_line, reply_messages
from bot.contents.configuration import configuration_changes
from bot.contents.ports import CarriedCards
from bot.contents.versions import (
    ServiceVersion,
    changes,
    ended_at,
    moved,
    previous_success,
    versions_before,
    versions_of,
)
from bot.deliveries import CardCarried, CardJob, paced
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import AuditLog, Commit, DeploymentHistory, QoveryApi, QoveryError

__all__ = ["DeploymentContents", "nanoseconds"]

log = logging.getLogger(__name__)

_Key = tuple[str, str, tuple[tuple[str, str], ...]]  # a workspace, a deployment, its services' versions


def nanoseconds(moment: datetime) -> int:
    """A time as the audit log's parameters take it."""
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


class DeploymentContents:
    """`bot.deliveries.CardFollower`: each completed card shows what its deployment carried."""

    def __init__(
        self,
        access: Access,
        poster: SlackPoster,
        cards: CarriedCards,
        *,
        reads: int = 4,
        keep_seconds: float = 3600.0,
    ) -> None:
        self._access = access
        self._poster = poster
        self._cards = cards
        self._reads = reads  # Qovery reads at once for a workspace, all its deployments together
        self._reading: dict[str, asyncio.Semaphore] = {}  # per workspace: a slow one holds up no other
        self._keep = keep_seconds
        self._known: dict[_Key, tuple[float, Carried | None]] = {}
        self._pending: dict[_Key, asyncio.Task[Carried | None]] = {}
        # What Qovery answered, kept for a later look at the same deployment: a service's commits by the
        # commit deployed, the audit log's window by the deployment.
        self._lists: dict[tuple[str, str, str], tuple[float, list[Commit]]] = {}
        self._windows: dict[tuple[str, str], tuple[float, AuditLog]] = {}
        self._replying: set[asyncio.Task[CardCarried]] = set()

    async def close(self) -> None:
        tasks = [*self._pending.values(), *self._replying]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def carried(
        self, job: CardJob, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> CardCarried | None:
        """The card's line; at the deployment's end, the reply in its thread too, once per card. None
        when nothing sure can be said."""
        found = await self.lookup(job.team_id, entry, history)
        if found is None or job.card_id is None:
            return None
        line = CardCarried(card_line(found))
        if not job.deployment.status.terminal:
            return line  # shown with the card's details; the reply waits for the outcome
        if not await self._cards.claim_carried(job.card_id, line):
            card = await self._cards.get(job.card_id)  # another replica, a replay or a restart replied
            return card.carried if card else None
        if not found.anything:
            return line  # nothing changed: no reply to say so
        # Claimed, the reply is this card's alone: it goes out even when the caller stops waiting for it.
        replying = asyncio.create_task(self._replied(job, job.card_id, found, line))
        self._replying.add(replying)
        replying.add_done_callback(self._replying.discard)
        return await asyncio.shield(replying)

    async def _replied(self, job: CardJob, card_id: int, found: Carried, line: CardCarried) -> CardCarried:
        try:
            posted = [await self._reply(job, message) for message in reply_messages(found)]
        except SlackFailure as failure:
            log.warning("contents: the reply in a card's thread could not be posted: %s", failure.reason)
            return line
        kept = CardCarried(line.line, posted[0])
        await self._cards.set_carried(card_id, kept)
        return kept

    async def lookup(
        self, team_id: str, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> Carried | None:
        """What `entry` carried since the previous successful deployment in `history`; None when the
        history reaches none. Looked up once per deployment and versions, however many ask at once: a
        service the history lists only later (by the outcome) is looked up then, and only it."""
        versions = tuple(sorted((k, v.version or "") for k, v in versions_of(entry).items()))
        key = (team_id, entry.identifier.execution_id, versions)
        cached = self._known.get(key)
        if cached is not None and time.monotonic() - cached[0] < self._keep:
            return cached[1]
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.create_task(self._look(team_id, entry, history))
            pending.add_done_callback(lambda _: self._pending.pop(key, None))
        found = await asyncio.shield(pending)
        if len(self._known) > 10_000:
            self._known.clear()  # bounded; what is still wanted is looked up again
        self._known[key] = (time.monotonic(), found)
        return found

    async def _look(
        self, team_id: str, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> Carried | None:
        previous = previous_success(entry, history)
        environment_id = entry.identifier.environment_id
        if previous is None:
            return None
        api, organization_id = await self._access.qovery(team_id)
        deployed, before = versions_of(entry), versions_before(entry, history)
        keys = moved(deployed, before)
        lists = await asyncio.gather(*(self._commits(team_id, api, deployed[k]) for k in keys))
        configuration = None
        since, until = ended_at(previous), entry.auditing_data.created_at
        cut = False
        # Asked for while the previous one still ran, this one has no window after it: the configuration
        # part is left out rather than a "no change" that may be false.
        if environment_id is not None and since < until:
            try:
                found = await self._window(team_id, entry.identifier.execution_id, (since, until), api,
                                           organization_id, environment_id)  # fmt: skip
                configuration, cut = (
                    configuration_changes(found.events, environment_id, since, until),
                    found.cut,
                )
            except QoveryError as error:
                log.info("contents: the audit log was not read: %s", type(error).__name__)
        return Carried(changes(deployed, before, dict(zip(keys, lists, strict=True))), configuration, cut)

    def _slots(self, team_id: str) -> asyncio.Semaphore:
        if len(self._reading) > 10_000:
            self._reading = {t: s for t, s in self._reading.items() if s.locked()}  # bounded: idle ones go
        return self._reading.setdefault(team_id, asyncio.Semaphore(self._reads))

    async def _window(
        self,
        team_id: str,
        execution_id: str,
        window: tuple[datetime, datetime],
        api: QoveryApi,
        organization_id: str,
        environment_id: str,
    ) -> AuditLog:
        key = (team_id, execution_id)
        kept = self._windows.get(key)
        if kept is not None and time.monotonic() - kept[0] < self._keep:
            return kept[1]
        async with self._slots(team_id):
            found = await api.list_organization_events(
                organization_id,
                environment_id=environment_id,
                from_ns=nanoseconds(window[0]),
                to_ns=nanoseconds(window[1]),
            )
        if len(self._windows) > 10_000:
            self._windows.clear()  # bounded; what is still wanted is read again
        self._windows[key] = (time.monotonic(), found)
        return found

    async def _commits(self, team_id: str, api: QoveryApi, service: ServiceVersion) -> list[Commit] | None:
        if service.service_id is None:
            return None
        key = (team_id, service.service_id, service.sha or "")
        kept = self._lists.get(key)
        if kept is not None and time.monotonic() - kept[0] < self._keep:
            return kept[1]
        try:
            async with self._slots(team_id):
                found = await api.list_commits(service.service_type, service.service_id)
        except QoveryError as error:
            log.info("contents: a service's commits were not read: %s", type(error).__name__)
            return None
        if len(self._lists) > 10_000:
            self._lists.clear()  # bounded; what is still wanted is read again
        self._lists[key] = (time.monotonic(), found)
        return found

    async def _reply(self, job: CardJob, message: Message) -> str:
        thread = job.thread_ts
        return await paced(lambda: self._poster.post(job.team_id, job.channel_id, message, thread_ts=thread))
