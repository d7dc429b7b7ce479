"""Posting stored deliveries: one card per deployment, Slack's limits respected, nothing lost.

`Courier.run_one()` takes the next due delivery (the queue gives one channel at a time, past its rate
limit), posts or updates its card, and records the outcome: posted, or retried later (Slack's
`Retry-After`, or a backoff with jitter after a 5xx or a lost connection, a bounded number of times),
or failed with the reason when retrying cannot help.
(A little over 300 lines: taking, posting, editing and the retry rules are one loop's, read together.)
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from bot.blocks import MESSAGE_TEXT_LIMIT, cut
from bot.clock import utcnow
from bot.deliveries.bodies import DeliveryKind, read_deployment
from bot.deliveries.cards import render_card, unknown_event_words
from bot.deliveries.enrichment import CardJob, Enrichment, paced
from bot.deliveries.events import Deployment, DeploymentStatus
from bot.deliveries.lookups import Lookups
from bot.deliveries.mentions import Mentions
from bot.deliveries.ports import (
    ActionThreads,
    Card,
    CardNote,
    Cards,
    Delivery,
    DeliveryQueue,
    DeliveryState,
    FreezeMarks,
    Outcomes,
    SucceededCards,
)
from bot.deliveries.routing import by_outcome, left_out, scopes
from bot.deliveries.sanitize import sanitize_slack_body
from bot.ports import SlackFailure, SlackPoster
from bot.subscriptions import DisplayMode, Only, QuietFailures

__all__ = ["Courier", "Pace"]

_RECORD_ATTEMPTS = 6  # about 12 s in all

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Pace:
    """How fast the courier goes: Slack allows about one message a second per channel."""

    per_channel_seconds: float = 1.0
    max_attempts: int = 8
    backoff_seconds: float = 2.0
    backoff_cap_seconds: float = 300.0
    lease_seconds: float = 60.0  # a claim not finished by then (a crashed replica) is taken again

    def backoff(self, attempt: int) -> float:
        """Equal jitter: at least half the exponential step, so that the attempts outlast an outage of a
        few minutes (2 s base: 127 s at the least before the 8th), and spread so that a recovering Slack
        is not hit by every retry at once."""
        step = min(self.backoff_cap_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        return float(step / 2 + random.uniform(0, step / 2))  # noqa: S311


@dataclass(frozen=True)
class Outcome:
    ts: str | None
    state: DeliveryState = DeliveryState.POSTED  # or SKIPPED: nothing to post, on purpose; or HELD
    reason: str | None = None
    until: datetime | None = None  # HELD: when the quiet hours end
    card: Card | None = None  # the card that shows it, saved as the post is recorded


class Courier:
    def __init__(
        self,
        queue: DeliveryQueue,
        cards: Cards,
        poster: SlackPoster,
        lookups: Lookups,
        pace: Pace = Pace(),
        clock: Callable[[], datetime] = utcnow,
        on_outcome: Callable[[str, Delivery, datetime], None] = lambda *_: None,
        enrichment: Enrichment | None = None,
        outcomes: Outcomes | None = None,
        mentions: Mentions | None = None,
        actions: ActionThreads | None = None,
        succeeded: SucceededCards | None = None,
        default_zone: str = "UTC",
        freezes: FreezeMarks | None = None,
    ) -> None:
        self._freezes = freezes  # marks a deployment that started during a freeze, not from Slack
        self._queue = queue
        self._cards = cards
        self._poster = poster
        self._lookups = lookups
        self._pace = pace
        self._clock = clock
        self._on_outcome = on_outcome  # metrics: "posted", "retried", "failed"
        self._enrichment = enrichment  # completes cards from Qovery's history, after they are posted
        self._outcomes = outcomes  # the last outcome of each scope, for --only changes
        self._mentions = mentions  # who a failure notifies
        self._actions = actions  # the actions from Slack, whose deployments' cards go in their thread
        self._succeeded = succeeded  # told of each success's card: its first minutes are watched
        self._zone = default_zone  # of quiet hours given without one

    async def next_due(self) -> datetime | None:
        """When a waiting delivery is next due (its channel free, its retry time come), if any waits."""
        return await self._queue.next_due()

    async def run_one(self) -> bool:
        """Post the next due delivery; False when none is due."""
        now = self._clock()
        delivery = await self._queue.claim(now, self._pace.lease_seconds)
        if delivery is None:
            return False
        try:
            outcome = await self.deliver(delivery)
        except SlackFailure as failure:
            await self._failed_attempt(delivery, failure)
        except Unrenderable as error:
            # Trying again renders the same: failed at once, with why, and the channel goes on.
            log.warning("delivery %s cannot be rendered: %s", delivery.id, error.reason)
            now = self._clock()
            await self._queue.failed(delivery.id, error.reason, now)
            self._on_outcome("failed", delivery, now)
        except Exception:
            # A bug of ours must not lose the delivery: it is retried like a Slack outage, and logged.
            log.exception("posting delivery %s failed", delivery.id)
            await self._failed_attempt(delivery, SlackFailure("the bot failed to post it; see its log"))
        else:
            free_at = self._clock() + timedelta(seconds=self._pace.per_channel_seconds if outcome.ts else 0)
            await self._record_posted(delivery, outcome, free_at)
            self._on_outcome("posted", delivery, self._clock())
        return True

    async def _record_posted(self, delivery: Delivery, outcome: Outcome, free_at: datetime) -> None:
        """Slack has the message: record it, and its card's, through a short database outage if need be,
        since a delivery left claimed is posted again once its lease runs out."""
        for attempt in range(1, _RECORD_ATTEMPTS + 1):
            try:
                if outcome.until is not None:
                    await self._queue.held(delivery.id, outcome.reason or "quiet hours", outcome.until)
                else:
                    await self._queue.posted(
                        delivery.id,
                        outcome.ts,
                        outcome.state,
                        outcome.reason,
                        free_at,
                        self._clock(),
                        outcome.card,
                    )
                return
            except Exception:
                if attempt == _RECORD_ATTEMPTS:
                    raise
                log.warning("could not record delivery %s as posted; trying again", delivery.id)
                await asyncio.sleep(0.2 * 2**attempt)

    async def _failed_attempt(self, delivery: Delivery, failure: SlackFailure) -> None:
        now = self._clock()
        pause = timedelta(seconds=self._pace.per_channel_seconds)
        if failure.permanent:
            await self._queue.failed(delivery.id, failure.reason, now + pause)
            self._on_outcome("failed", delivery, now)
        elif failure.retry_after is not None:
            # Rate limited: the whole channel waits, and the wait is not the delivery's fault.
            wait = now + timedelta(seconds=failure.retry_after)
            await self._queue.retry(delivery.id, failure.reason, wait, wait, count_attempt=False)
            self._on_outcome("retried", delivery, now)
        elif delivery.attempts + 1 >= self._pace.max_attempts:
            reason = f"gave up after {delivery.attempts + 1} attempts: {failure.reason}"
            await self._queue.failed(delivery.id, reason, now + pause)
            self._on_outcome("failed", delivery, now)
        else:
            later = now + timedelta(seconds=self._pace.backoff(delivery.attempts + 1))
            await self._queue.retry(delivery.id, failure.reason, later, now + pause, count_attempt=True)
            self._on_outcome("retried", delivery, now)

    async def deliver(self, delivery: Delivery) -> Outcome:
        hook = delivery.hook
        if delivery.kind is DeliveryKind.MESSAGE:  # the bot's own words, queued to keep the channel's pace
            return Outcome(await self._poster.post(hook.team_id, hook.channel_id, delivery.body))
        if not delivery.verified:
            # Without the hook's secret it may come from anyone holding the URL: plain content, no card.
            return Outcome(await self._post_as_it_came(delivery))
        deployment = _rendered(lambda: read_deployment(delivery.kind, delivery.body))
        if deployment is not None:
            return await self._show(delivery, deployment)
        if delivery.kind == DeliveryKind.STANDARD:
            message = {"text": _rendered(lambda: unknown_event_words(delivery.body))}
            return Outcome(await self._poster.post(hook.team_id, hook.channel_id, message))
        return Outcome(await self._post_as_it_came(delivery))

    async def _post_as_it_came(self, delivery: Delivery) -> str:
        hook = delivery.hook
        message = _rendered(lambda: sanitize_slack_body(delivery.body))
        try:
            return await self._poster.post(hook.team_id, hook.channel_id, message)
        except SlackFailure as failure:
            if not failure.permanent or (not message.get("blocks") and not message.get("attachments")):
                raise
            # Slack refused its blocks: the words alone still go out, rather than nothing.
            return await self._poster.post(hook.team_id, hook.channel_id, {"text": message["text"]})

    async def _show(self, delivery: Delivery, deployment: Deployment) -> Outcome:
        hook, now = delivery.hook, self._clock()
        key = deployment.key
        card = await self._cards.latest(hook.id, key) if key else None
        if card is not None and card.deployment.status.terminal and not deployment.status.terminal:
            if _late(deployment, card):
                return Outcome(None, DeliveryState.SKIPPED, "arrived after the deployment had ended")
            card = None  # the same environment deploys again: a new card
        if card is not None and not card.ts:
            card = replace(card, deployment=deployment)  # kept for an attempt that did not post: no message
        if card is not None:
            deployment = deployment.merged_with(card.deployment)
        deployment = await self._lookups.complete(hook.team_id, deployment)
        settings, at = hook.settings, deployment.at or delivery.received_at
        filtered = left_out(settings, deployment)
        if filtered is not None:
            return Outcome(None, DeliveryState.SKIPPED, filtered)

        started_at = card.started_at if card else None
        if deployment.status is DeploymentStatus.RUNNING:
            started_at = started_at or deployment.at or delivery.received_at
        finished_at = (deployment.at or delivery.received_at) if deployment.status.terminal else None
        card_id = card.id if card else None
        unposted = card is None or not card.ts
        if key and unposted:
            # The card is kept before it is posted: its buttons carry its id, never what they act on. It is
            # kept even when no message shows it (now, or ever): the digest's figures count it.
            unsent = Card(hook.id, key, "", deployment, started_at, finished_at, card_id)
            card_id = await self._cards.save(unsent, now)
        reason = await self._by_outcome(delivery, deployment)
        if reason is not None:
            return Outcome(None, DeliveryState.SKIPPED, reason)
        until = self._quiet_until(delivery, deployment, unposted)
        if until is not None:
            quiet = settings.quiet
            ends = f"{quiet.end:%H:%M} {quiet.zone or self._zone}"
            return Outcome(None, DeliveryState.HELD, f"quiet hours, summed up at {ends}", until)
        note, carried = (card.note, card.carried) if card else (None, None)
        thread = card.thread_ts if card else None
        frozen = False
        if card is None or not card.ts:
            thread = thread or await self._action_thread(delivery, deployment, card_id, now)
            if note is None and thread is None:  # an action from Slack passed the freeze, or was one
                note = await self._freeze_note(hook.team_id, deployment, started_at)
                frozen = note is not None
        message = _rendered(
            lambda: render_card(
                deployment,
                started_at=started_at,
                finished_at=finished_at,
                card_id=card_id,
                note=note,
                carried=carried,
                promote_to=settings.promote_to,
            )
        )
        mentioned = bool(settings.mention) and deployment.status in _NOTIFIED and self._mentions is not None
        if mentioned and hook.mode is not DisplayMode.UPDATE and self._mentions is not None:
            # A message that is posted notifies by itself (with `trigger`, once Qovery said who, 5 s at most).
            notice = await self._mentions.resolve(hook.team_id, settings.mention, deployment, at)
            message = message | {"text": cut(f"{notice.words()}\n{message['text']}", MESSAGE_TEXT_LIMIT)}

        if card is None or not card.ts or hook.mode is DisplayMode.POST:
            ts = shown = await self._poster.post(hook.team_id, hook.channel_id, message, thread_ts=thread)
        elif hook.mode is DisplayMode.THREAD:
            shown = await self._poster.post(
                hook.team_id, hook.channel_id, message, thread_ts=thread or card.ts
            )
            ts = card.ts
        else:
            await self._poster.update(hook.team_id, hook.channel_id, card.ts, message)
            ts = shown = card.ts
        if mentioned and hook.mode is DisplayMode.UPDATE and self._mentions is not None:
            # An edited card notifies nobody: the mentions go in a reply in its thread, after the card.
            notice = await self._mentions.resolve(hook.team_id, settings.mention, deployment, at)
            reply = {"text": cut(f"{notice.words()} {message['text']}", MESSAGE_TEXT_LIMIT)}
            await _quietly(
                paced(lambda: self._poster.post(hook.team_id, hook.channel_id, reply, thread_ts=thread or ts))
            )
        if frozen and settings.mention and self._mentions is not None and note is not None:
            # Whoever the hook notifies hears of a deployment the freeze did not stop, in its thread.
            notice = await self._mentions.resolve(hook.team_id, settings.mention, deployment, at)
            reply = {"text": cut(f"{notice.words()} {note.frozen}", MESSAGE_TEXT_LIMIT)}
            await _quietly(
                paced(lambda: self._poster.post(hook.team_id, hook.channel_id, reply, thread_ts=thread or ts))
            )
        await self._remember(delivery, deployment)
        if self._enrichment is not None:
            job = CardJob(
                hook.team_id,
                hook.channel_id,
                shown,
                thread or ts,
                card_id,
                deployment,
                started_at,
                finished_at,
                at,
                changes=settings.changes,
                promote_to=settings.promote_to,
            )
            self._enrichment.start(job)
        if not key:
            return Outcome(ts)
        card = Card(
            hook.id, key, ts, deployment, started_at, finished_at, card_id, thread, note, carried=carried
        )
        if deployment.status is DeploymentStatus.SUCCESSFUL and self._succeeded is not None:
            await self._succeeded.succeeded(card, hook, now)
        return Outcome(ts, card=card)

    async def _freeze_note(
        self, team_id: str, deployment: Deployment, started_at: datetime | None
    ) -> CardNote | None:
        """`:snowflake: during the freeze (reason)` for a deployment started while one holds: known from
        its start, even when its first card is its failure (`--only failures` shows no start)."""
        kind, env_id = deployment.environment_type, deployment.environment.id
        if self._freezes is None or not kind or started_at is None:
            return None
        since = started_at - timedelta(seconds=_ACTION_STARTS_WITHIN_SECONDS)
        if self._actions is not None and env_id and await self._actions.excepted(env_id, since):
            return None  # an approved exception started it, shown in another channel than its action
        line = await self._freezes.during(team_id, kind, started_at)
        return CardNote("", frozen=line) if line else None

    async def _action_thread(
        self, delivery: Delivery, deployment: Deployment, card_id: int | None, now: datetime
    ) -> str | None:
        """A new deployment that an action from Slack started shows its card in that action's thread."""
        env_id = deployment.environment.id
        if self._actions is None or not env_id or card_id is None:
            return None
        since = now - timedelta(seconds=_ACTION_STARTS_WITHIN_SECONDS)
        return await self._actions.thread_for(delivery.hook.channel_id, env_id, card_id, since)

    def _quiet_until(self, delivery: Delivery, deployment: Deployment, unposted: bool) -> datetime | None:
        """When the quiet hours this event came in end, if they hold it (SPEC §17): a new message in the
        channel, of a start or a success (of a failure too, with `--quiet-failures hold`). An event of a
        deployment whose card is already there still edits it or replies in its thread: nobody is told."""
        hook, settings = delivery.hook, delivery.hook.settings
        if not unposted and hook.mode is not DisplayMode.POST:
            return None
        if deployment.status in _NOTIFIED and settings.quiet_failures is QuietFailures.POST:
            return None
        return settings.quiet.until(delivery.received_at, self._zone)

    async def _by_outcome(self, delivery: Delivery, deployment: Deployment) -> str | None:
        """Why `--only` leaves this event out (SPEC §11); None to show it."""
        settings = delivery.hook.settings
        if settings.only is Only.ALL:
            return None
        before: dict[str, DeploymentStatus] = {}
        if settings.only is Only.CHANGES and self._outcomes is not None:
            before = await self._outcomes.last(delivery.hook.id, scopes(settings, deployment))
        reason = by_outcome(settings.only, deployment.status, before.values())
        if reason is not None:
            await self._remember(delivery, deployment)
        return reason

    async def _remember(self, delivery: Delivery, deployment: Deployment) -> None:
        """For --only changes, the outcome of an event the filters kept, shown or not."""
        settings = delivery.hook.settings
        if settings.only is Only.CHANGES and deployment.status.terminal and self._outcomes is not None:
            await self._outcomes.remember(delivery.hook.id, scopes(settings, deployment), deployment.status)


_NOTIFIED = (DeploymentStatus.FAILED, DeploymentStatus.CANCELLED)
# How long after an action from Slack the first event of a new deployment of its environment is taken
# for the deployment it started (Qovery queues it; a build can wait for a free builder).
_ACTION_STARTS_WITHIN_SECONDS = 30 * 60


async def _quietly(work: Awaitable[object]) -> None:
    """A reply beside the card: should Slack refuse it, the card stays posted and the delivery done."""
    try:
        await work
    except SlackFailure as failure:
        log.warning("a reply beside a card could not be posted: %s", failure.reason)


class Unrenderable(Exception):
    """A delivery the bot cannot turn into a message, however often it tries."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _rendered(step: Callable[[], T]) -> T:
    """A pure step of rendering; its failure makes the delivery unrenderable, not a Slack outage."""
    try:
        return step()
    except Exception as error:
        raise Unrenderable(f"the bot cannot render it ({type(error).__name__})") from error


def _late(deployment: Deployment, card: Card) -> bool:
    """A start that belongs to a deployment already ended, not to a new one."""
    if (deployment.key or "").startswith("deployment:"):
        return True  # the same deployment id: its start cannot come after its end
    if deployment.at is None or card.finished_at is None:
        return False
    return deployment.at <= card.finished_at
