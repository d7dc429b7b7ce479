"""What a deployment carries, looked up after its card is completed and shown on it: the use case.

The enrichment (`bot.deliveries.enrichment`) tells this of each card it completed from Qovery's
history, with the history it read. In the background, bounded (a few at once, each within its time
budget), the deployment is compared with the environment's previous successful deployment in that
history: the commits of each service whose commit moved (one list a service, `list_commits`), and the
audit log between the two (`list_organization_events`). What is found is kept per deployment, so a
second channel, an event replayed or a later status costs Qovery nothing more.

Then, once per card (a conditional write of its line: two replicas, a replay or a restart never post
two), the reply "What's in this deployment" goes in the card's thread and the card is edited to carry
the one line. A Qovery error on a service's commits says only its two versions; on the audit log, the
configuration section is left out (the doctor says why); no previous successful deployment in the
history, or a slow Qovery: nothing is said, and the card stays as it was.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from bot.access import Access
from bot.blocks import Message
from bot.contents.carried import Carried, card_line, reply_messages
from bot.contents.configuration import configuration_changes
from bot.contents.ports import CarriedCards
from bot.contents.versions import changes, ended_at, moved, previous_success, versions_of
from bot.deliveries import CardCarried, CardJob, Deployment, Details, paced, render_card
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import Commit, DeploymentHistory, QoveryApi, QoveryError

__all__ = ["DeploymentContents", "nanoseconds"]

log = logging.getLogger(__name__)

_DETAILS_SECONDS = 10.0


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
        details: Callable[[str, Deployment, datetime], Awaitable[Details | None]],
        *,
        budget_seconds: float = 25.0,
        running: int = 4,
        reads: int = 4,
        keep_seconds: float = 3600.0,
    ) -> None:
        self._access = access
        self._poster = poster
        self._cards = cards
        self._details = details  # the card's details, as its enrichment found them (cached there)
        self._budget = budget_seconds
        self._slots = asyncio.Semaphore(running)
        self._reads = asyncio.Semaphore(reads)  # Qovery reads at once, every deployment together
        self._keep = keep_seconds
        self._known: dict[tuple[str, str], tuple[float, Carried | None]] = {}
        self._pending: dict[tuple[str, str], asyncio.Task[Carried | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, job: CardJob, entry: DeploymentHistory, history: Sequence[DeploymentHistory]) -> None:
        if job.card_id is None:
            return
        task = asyncio.create_task(self._show(job, entry, history), name="deployment contents")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in [*self._tasks, *self._pending.values()]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._pending.values(), return_exceptions=True)

    async def carried(
        self, team_id: str, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> Carried | None:
        """What `entry` carried since the previous successful deployment in `history`; None when the
        history reaches none. Looked up once per deployment, however many ask at once."""
        key = (team_id, entry.identifier.execution_id)
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
        deployed, before = versions_of(entry), versions_of(previous)
        keys = moved(deployed, before)
        lists = await asyncio.gather(
            *(self._commits(api, deployed[k].service_type, deployed[k].service_id) for k in keys)
        )
        configuration = None
        since, until = ended_at(previous), entry.auditing_data.created_at
        cut = False
        if environment_id is not None and since < until:
            try:
                async with self._reads:
                    found = await api.list_organization_events(
                        organization_id,
                        environment_id=environment_id,
                        from_ns=nanoseconds(since),
                        to_ns=nanoseconds(until),
                    )
                configuration, cut = (
                    configuration_changes(found.events, environment_id, since, until),
                    found.cut,
                )
            except QoveryError as error:
                log.info("contents: the audit log was not read: %s", type(error).__name__)
        elif environment_id is not None:
            configuration = ()
        return Carried(changes(deployed, before, dict(zip(keys, lists, strict=True))), configuration, cut)

    async def _commits(
        self, api: QoveryApi, service_type: str, service_id: str | None
    ) -> list[Commit] | None:
        if service_id is None:
            return None
        try:
            async with self._reads:
                return await api.list_commits(service_type, service_id)
        except QoveryError as error:
            log.info("contents: a service's commits were not read: %s", type(error).__name__)
            return None

    async def _show(
        self, job: CardJob, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> None:
        try:
            async with self._slots, asyncio.timeout(self._budget):
                carried = await self.carried(job.team_id, entry, history)
        except (TimeoutError, QoveryError, UserError) as error:
            log.info("contents: a card was left as it was: %s", type(error).__name__)
            return
        card = await self._cards.get(job.card_id) if carried is not None and job.card_id is not None else None
        if carried is None or card is None or card.id is None or not card.ts:
            return
        kept = CardCarried(card_line(carried))
        if not await self._cards.claim_carried(card.id, kept):
            return  # this card has its line, and its reply, already
        try:
            if carried.anything:
                posted = [await self._reply(job, message) for message in reply_messages(carried)]
                kept = CardCarried(kept.line, posted[0])
                await self._cards.set_carried(card.id, kept)
            await self._edit(job, card.id, kept)
        except SlackFailure as failure:
            log.warning("contents: what a deployment carried could not be shown: %s", failure.reason)

    async def _reply(self, job: CardJob, message: Message) -> str:
        return await paced(
            lambda: self._poster.post(job.team_id, job.channel_id, message, thread_ts=job.thread_ts)
        )

    async def _edit(self, job: CardJob, card_id: int, carried: CardCarried) -> None:
        """The message the enrichment edited, drawn again with the line: as the card now stands when it
        is the card itself (it may have moved on since), else as that event showed it."""
        card = await self._cards.get(card_id)
        if card is None:
            return
        if card.ts == job.ts:
            deployment, started, finished = card.deployment, card.started_at, card.finished_at
        else:
            deployment, started, finished = job.deployment, job.started_at, job.finished_at
        try:
            async with asyncio.timeout(_DETAILS_SECONDS):
                found = await self._details(job.team_id, deployment, finished or job.at)
        except (TimeoutError, QoveryError, UserError):
            found = None
        if found is None:
            return  # drawn without its details, the card would say less than it does: left as it is
        message = render_card(deployment, started_at=started, finished_at=finished, card_id=card_id,
                              details=found, note=card.note, carried=carried)  # fmt: skip
        await paced(lambda: self._poster.update(job.team_id, job.channel_id, job.ts, message))
