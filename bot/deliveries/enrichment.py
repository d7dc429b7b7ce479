"""Cards completed from Qovery's deployment history, after they are posted (SPEC §10).

A card goes out at once with what the delivery says; then, in the background, the deployment's entry in
the environment's history is looked up (`bot.deployment_details`): when it can be tied to the delivery
for sure, the card is edited to say who triggered what, each service's version and, on a failure, why,
and the deployment's last log lines are posted in the card's thread. When Qovery is slow or down, or the
entry cannot be told for sure, nothing changes: the card stays true.

Unless the hook says `--changes off`, what the deployment carried (`bot.contents`, with the history
already read) joins that same edit as one line: no Slack call of its own but its one reply. When its
lookups are slow, the details do not wait for them: they go first, and an outcome's card gets the line
in a second edit.

Qovery calls per deployment: one history call per event (cached per deployment and status, so a
duplicate or a replay costs none), one log call per failure, one link call per preview environment
every ten minutes. At most a few lookups run at once, each within its budget, so a slow Qovery holds
up no card and no other channel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from bot.access import Access
from bot.deliveries.card_details import log_reply
from bot.deliveries.cards import render_card
from bot.deliveries.deployment_details import Details, details, log_lines, tie
from bot.deliveries.events import Deployment, DeploymentStatus
from bot.deliveries.ports import Card, CardCarried, Cards
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import DeploymentHistory, QoveryApi, QoveryError

__all__ = ["CardFollower", "CardJob", "Enrichment", "paced"]

log = logging.getLogger(__name__)

T = TypeVar("T")
_CARRIED_SECONDS = 10.0  # what the deployment carried is looked up this long at most
_CARRIED_GRACE_SECONDS = 1.5  # the details wait this long for it; past it they go first, the line after


@dataclass(frozen=True)
class CardJob:
    """A card just posted or edited, to complete."""

    team_id: str
    channel_id: str
    ts: str  # the message that shows this event
    thread_ts: str  # where a reply goes: the card's thread
    card_id: int | None
    deployment: Deployment
    started_at: datetime | None
    finished_at: datetime | None
    at: datetime  # when the event happened, to find its deployment in the history
    changes: bool = True  # the hook's --changes: what the deployment carried is looked up
    promote_to: str = ""  # the hook's --promote-to: a success card offers "Promote to" it


class CardFollower(Protocol):
    """Asked, for each card completed from the history, what else its edit carries."""

    async def carried(
        self, job: CardJob, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> CardCarried | None: ...


_Found = tuple[Details | None, DeploymentHistory | None, tuple[DeploymentHistory, ...]]


class Enrichment:
    def __init__(
        self,
        access: Access,
        poster: SlackPoster,
        *,
        budget_seconds: float = 25.0,
        running: int = 8,
        keep_seconds: float = 600.0,
        cards: Cards | None = None,
    ) -> None:
        self._access = access
        self._poster = poster
        self._cards = cards  # a card's note (its watch) is drawn again with its details
        self._budget = budget_seconds
        self._slots = asyncio.Semaphore(running)
        self._keep = keep_seconds
        self._known: dict[tuple[str, ...], tuple[float, _Found]] = {}
        self._follower: CardFollower | None = None
        self._replied: set[tuple[str, str]] = set()  # (channel, execution) whose log reply went out
        self._tasks: set[asyncio.Task[None]] = set()

    def followed_by(self, follower: CardFollower) -> None:
        self._follower = follower

    def start(self, job: CardJob) -> None:
        task = asyncio.create_task(self._complete(job), name="card details")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _complete(self, job: CardJob) -> None:
        try:
            async with self._slots, asyncio.timeout(self._budget):
                found, entry, history = await self._lookup(job.team_id, job.deployment, job.at)
        except (TimeoutError, QoveryError, UserError) as error:
            log.info("a card was left as it was: %s", type(error).__name__)
            return
        if found is None:
            return
        card = await self._cards.get(job.card_id) if self._cards and job.card_id is not None else None
        if card is not None and card.id is not None and found.triggered_by and self._cards is not None:
            await self._cards.set_triggered_by(card.id, found.triggered_by)  # the digest's "who deployed"
        carried = card.carried if card else None
        later: asyncio.Task[CardCarried | None] | None = None
        if self._follower is not None and job.changes and entry is not None:
            later = asyncio.create_task(self._carried(job, entry, history))
            try:
                await asyncio.wait({later}, timeout=_CARRIED_GRACE_SECONDS)
            except asyncio.CancelledError:
                later.cancel()  # the bot stops: the lookup with it
                raise
            if later.done():
                card, carried = await self._with_carried(job, card, later.result())
                later = None
        if not await self._edit(job, found, card, carried, with_logs=True) and later is not None:
            later.cancel()  # Slack refused the card's edit: no second one
            return
        if later is not None:
            # Slow lookups: the card got its details first; its line follows in a second edit, for an
            # outcome only (an earlier status's late edit could otherwise undo a later one).
            card, fresh = await self._with_carried(job, card, await later)
            if job.deployment.status.terminal and fresh is not None and fresh != carried:
                await self._edit(job, found, card, fresh, with_logs=False)

    async def _with_carried(
        self, job: CardJob, card: Card | None, carried: CardCarried | None
    ) -> tuple[Card | None, CardCarried | None]:
        if carried is None and self._cards is not None and job.card_id is not None:
            card = await self._cards.get(job.card_id)  # what the card kept, its line claimed meanwhile
            return card, card.carried if card else None
        return card, carried

    async def _edit(
        self, job: CardJob, found: Details, card: Card | None, carried: CardCarried | None, *, with_logs: bool
    ) -> bool:
        """The card edited with its details (and, the first time, its failure's log lines in its thread);
        False when Slack refused."""
        message = render_card(
            job.deployment,
            started_at=job.started_at,
            finished_at=job.finished_at,
            card_id=job.card_id,
            details=found,
            note=card.note if card else None,
            carried=carried,
            promote_to=job.promote_to,
        )
        try:
            await paced(lambda: self._poster.update(job.team_id, job.channel_id, job.ts, message))
            where = " / ".join(n for n in (job.deployment.project.name, job.deployment.environment.name) if n)
            reply = log_reply(where or "the deployment", found) if with_logs else None
            if reply is not None and (job.channel_id, found.execution_id) not in self._replied:
                if len(self._replied) > 10_000:
                    self._replied.clear()  # bounded: a failure's reply is wanted within minutes
                self._replied.add((job.channel_id, found.execution_id))
                await paced(
                    lambda: self._poster.post(job.team_id, job.channel_id, reply, thread_ts=job.thread_ts)
                )
        except SlackFailure as failure:
            log.warning("a card's details could not be shown: %s", failure.reason)
            return False
        return True

    async def _carried(
        self, job: CardJob, entry: DeploymentHistory, history: Sequence[DeploymentHistory]
    ) -> CardCarried | None:
        assert self._follower is not None
        try:
            async with asyncio.timeout(_CARRIED_SECONDS):
                return await self._follower.carried(job, entry, history)
        except (TimeoutError, QoveryError, UserError, SlackFailure) as error:
            log.info("a card's edit went without what its deployment carried: %s", type(error).__name__)
            return None

    async def details_for(self, team_id: str, deployment: Deployment, at: datetime) -> Details | None:
        """The deployment's details, from Qovery's history; None when it cannot be told for sure."""
        return (await self._lookup(team_id, deployment, at))[0]

    async def _lookup(self, team_id: str, deployment: Deployment, at: datetime) -> _Found:
        env_id = deployment.environment.id
        if env_id is None:
            return None, None, ()
        key = (team_id, env_id, deployment.key or "", deployment.status.value)
        cached = self._known.get(key)
        if cached is not None and time.monotonic() - cached[0] < self._keep:
            return cached[1]
        api, _ = await self._access.qovery(team_id)
        history = tuple(await api.list_deployment_history(env_id))
        entry = tie(list(history), deployment, at)
        found = details(entry) if entry is not None else None
        if found is not None and deployment.status is DeploymentStatus.FAILED:
            logs = await api.list_environment_logs(env_id, found.execution_id)
            found = replace(found, log_lines=log_lines(logs, found.execution_id))
        if found is not None and (deployment.environment_type or "").upper() == "PREVIEW":
            found = replace(found, links=await self._links(api, env_id, found))
        if len(self._known) > 10_000:
            self._known.clear()  # bounded; what is still wanted is looked up again
        self._known[key] = (time.monotonic(), (found, entry, history))
        return found, entry, history

    async def _links(self, api: QoveryApi, env_id: str, found: Details) -> tuple[tuple[str, str], ...]:
        names = {line.service_id: line.name for line in found.services if line.service_id}
        links = await api.list_environment_links(env_id)
        return tuple((names.get(link.service_id, "service"), link.url) for link in links)


async def paced(call: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """A Slack call beside the courier's own in the same channel: Slack may ask it to wait a moment.
    Its answer (a message's ts) is returned."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except SlackFailure as failure:
            if failure.permanent or attempt == attempts:
                raise
            await asyncio.sleep(failure.retry_after if failure.retry_after is not None else attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")
