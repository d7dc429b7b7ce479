"""The alerts' reads of Qovery: what is firing, as getAlertRules says, brought into each subscribed channel.

A read happens every minute per workspace (one replica at a time: the `jobs` table), and sooner when a
doorbell rings (a delivery to an alert hook; at most one read every 5 s however many ring). The
doorbell's body is never read: what is posted comes from Qovery's answer alone, so a forged or lost
doorbell changes nothing Qovery does not say. Each read:

1. settles the firings already posted: resolved when the rule is OK again, gone, or firing anew (the
   message edited to resolved, and a reply in its thread, since an edit notifies nobody); marked
   silenced at Qovery while SUPPRESSED; a message Slack did not take is posted again;
2. opens the new firings: one message per rule firing, in each channel whose filters keep it and where
   it is not silenced; the firing is added to the database first, once (two replicas cannot both add
   it), then posted, with the deployment it followed and the channel's mentions in its thread.
Each rule, firing and channel is handled on its own: one that cannot be read or kept is recorded for
`/qovery doctor` (`troubles.py`) and holds up no other; a rule of another organization is never shown
(`places.py`). A 404 or an error on the rules changes no firing.
(About 350 lines: the doorbell and a read's two passes, which share the firing's message, read together.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.access import Access
from bot.alerts.blame import Blame, blamed
from bot.alerts.messages import fired_reply, firing_message, resolved_reply
from bot.alerts.places import RulePlaces
from bot.alerts.ports import AlertSubscription, AlertSubscriptions, Firing, Firings, RulesReader, Silences
from bot.alerts.rules import RuleView, is_firing, is_quiet, is_suppressed
from bot.alerts.troubles import Troubles, TroublesRecord
from bot.blocks import Message, section
from bot.clock import utcnow
from bot.deliveries import Card, Cards, Mentions
from bot.doctor import Findings
from bot.ports import Jobs, SlackFailure, SlackPoster
from bot.qovery import AlertRule, AlertRuleList, QoveryApi, QoveryError, QoveryNotFound, UnreadableRule
from bot.subscriptions import Hook

__all__ = ["DOORBELL_GAP_SECONDS", "JOB_PREFIX", "NOT_FOUND_VERDICT", "READ_EVERY", "AlertWatch", "job_name"]

log = logging.getLogger(__name__)

JOB_PREFIX = "alerts:"
READ_EVERY = timedelta(seconds=60)
DOORBELL_GAP_SECONDS = 5.0
TEST_WINDOW = timedelta(minutes=2)  # a doorbell this soon after `alerts test` is Qovery's test
# Reads in a row answered 404 before the watches take it that no rule exists: one 404 may be a blip of
# Qovery's alerting (a cluster's alert manager restarting), three over three minutes are what Qovery says.
NOT_FOUND_VERDICT = 3
_NOT_FOUND_PREFIX = "alerts-404:"  # a job's row, never run: when the 404s in a row began
CLOCK_SKEW = timedelta(minutes=1)  # Qovery's clock and the bot's may differ by a few seconds
_GIVEN_UP = ""  # a message Slack will never take (the channel is gone): not posted again


def job_name(team_id: str) -> str:
    return f"{JOB_PREFIX}{team_id}"


def _as_of(rule: AlertRule, now: datetime) -> AlertRule:
    """A start Qovery gives ahead of now (a clock ahead, a crafted time) says nothing of when the rule
    began: it is read as no start, for the firings and the watches alike."""
    if rule.starts_at is not None and rule.starts_at > now + CLOCK_SKEW:
        return rule.model_copy(update={"starts_at": None})
    return rule


class AlertWatch:
    def __init__(
        self,
        access: Access,
        subscriptions: AlertSubscriptions,
        firings: Firings,
        silences: Silences,
        cards: Cards,
        poster: SlackPoster,
        mentions: Mentions,
        jobs: Jobs,
        findings: Findings,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_ring: Callable[[], None] = lambda: None,
        also: Sequence[RulesReader] = (),
    ) -> None:
        self._access = access
        self._subscriptions = subscriptions
        self._firings = firings
        self._silences = silences
        self._cards = cards
        self._poster = poster
        self._mentions = mentions
        self._jobs = jobs
        self._clock = clock
        self.on_ring = on_ring  # wakes this replica's reader
        self._also = also  # other readers of the same rules (the first minutes' watches)
        self._places = RulePlaces()
        self._troubles = TroublesRecord(findings)

    # -- the doorbell --------------------------------------------------------------------------------

    async def ring(self, hook: Hook) -> None:
        """A delivery to an alert hook: a read soon, never its content. The first after `alerts test`
        is Qovery's test, and the channel is told it arrived."""
        now = self._clock()
        asker = await self._subscriptions.take_test(hook.id, now - TEST_WINDOW)
        await self._jobs.ring(job_name(hook.team_id), now)
        if asker is not None:
            words = (
                f":white_check_mark: Qovery's test alert reached this channel's alert hook (asked by "
                f"<@{asker}>): alerts will show here. What Qovery sent is not shown: the bot reads "
                "alerts from Qovery's API, never from what arrives."
            )
            try:
                await self._poster.post(
                    hook.team_id, hook.channel_id, {"text": words, "blocks": [section(words)]}
                )
            except SlackFailure as failure:
                log.info("alerts: the test could not be told in its channel: %s", failure.reason)
        self.on_ring()

    # -- a read --------------------------------------------------------------------------------------

    async def read(self, team_id: str, now: datetime) -> bool:
        """Read the organization's rules once and bring the workspace's channels in line with them;
        False when the workspace has nothing left to watch. Each rule, firing and reader on its own: one
        that cannot be read or kept is the doctor's finding, and holds up no other."""
        subscriptions = await self._subscriptions.of_team(team_id)
        firings = await self._firings.open_of_team(team_id)
        readers = [reader for reader in self._also if await reader.wants_rules(team_id)]
        missed = _NOT_FOUND_PREFIX + team_id  # since when Qovery answers 404, read after read
        if not subscriptions and not firings and not readers:
            await self._jobs.drop([missed])
            return False
        api, organization_id = await self._access.qovery(team_id)
        first_miss = (await self._jobs.planned(missed)).get(missed)
        try:
            listed = await api.read_alert_rules(organization_id)
        except QoveryNotFound:
            # No alerting at Qovery, or a blip of it: the firings are left as they were, and the watches
            # are told there is no rule only when Qovery says so read after read (one 404 is no verdict).
            # Since when is kept in the database: any replica may read next, and an answer between ends it.
            if first_miss is None:
                await self._jobs.plan(missed, now)
            elif now - first_miss >= (NOT_FOUND_VERDICT - 1) * READ_EVERY:
                await self._tell(readers, team_id, AlertRuleList(), now)
            return True
        if first_miss is not None:
            await self._jobs.drop([missed])
        listed = replace(listed, rules=[_as_of(rule, now) for rule in listed.rules])
        await self._tell(readers, team_id, listed, now)
        troubles = Troubles()
        for unreadable in listed.unreadable:
            if await self._theirs(team_id, api, organization_id, unreadable):
                continue  # another organization's environment: never named, even unreadable
            troubles.unreadable(unreadable)
        # Listed, not gone: the firings of a rule the bot cannot read stay as they were.
        kept = {u.key for u in listed.unreadable if u.key}
        # One so unreadable that the bot cannot tell which rule it is may be any unlisted one of its place.
        unkeyed = {u.environment_id for u in listed.unreadable if not u.key}
        by_key = {rule.key: rule for rule in listed.rules}
        still_open: set[tuple[str, str]] = set()
        for firing in firings:
            mine = (firing.hook_id, firing.rule.key)
            maybe = firing.rule.key not in by_key and bool(unkeyed & {None, firing.rule.scope.environment_id})
            if firing.open and (firing.rule.key in kept or maybe):
                still_open.add(mine)
                continue
            try:
                if await self._settle(firing, by_key.get(firing.rule.key), organization_id, now):
                    still_open.add(mine)
            except Exception as error:  # this firing's trouble holds up no other
                troubles.failed(firing.rule.key, firing.rule.name, error)
                still_open.add(mine)  # not opened again beside it
        blames: dict[str, Blame | None] = {}
        for rule in listed.rules:
            if not is_firing(rule):
                continue
            try:
                view = await self._places.ours(team_id, api, organization_id, rule)
            except Exception as error:  # this rule's trouble holds up no other
                troubles.failed(rule.key, rule.name, error)
                continue
            if view is None:
                continue  # another organization's: never shown
            for subscription in subscriptions:
                try:
                    await self._open_in(
                        subscription, rule, view, blames, still_open, api, organization_id, now
                    )
                except Exception as error:  # nor in another channel
                    troubles.failed(rule.key, rule.name, error)
        await self._troubles.record(team_id, troubles, now)
        return True

    async def _theirs(
        self, team_id: str, api: QoveryApi, organization_id: str, unreadable: UnreadableRule
    ) -> bool:
        """Whether Qovery places the unreadable rule's environment in another organization."""
        where = unreadable.environment_id
        try:
            return (
                bool(where)
                and await self._places.environment_ours(team_id, api, organization_id, where or "") is False
            )
        except Exception:  # not known: named, as a rule of the listing
            return False

    async def _tell(
        self, readers: list[RulesReader], team_id: str, listed: AlertRuleList, now: datetime
    ) -> None:
        for reader in readers:
            try:
                await reader.read_rules(team_id, listed, now)
            except Exception as error:  # the watches' trouble holds up no alert
                log.warning("alerts: a reader of the rules failed: %s", type(error).__name__)

    async def _open_in(
        self,
        subscription: AlertSubscription,
        rule: AlertRule,
        view: RuleView,
        blames: dict[str, Blame | None],
        still_open: set[tuple[str, str]],
        api: QoveryApi,
        organization_id: str,
        now: datetime,
    ) -> None:
        """A firing rule in one subscribed channel: opened unless it is already, filtered or silenced."""
        if (subscription.hook_id, view.key) in still_open:
            return
        if not subscription.filters.keeps(view.scope, rule.severity):
            return
        if await self._silences.until(subscription.hook_id, view.key, now) is not None:
            return
        starts_at = rule.starts_at or now
        if view.key not in blames:
            blames[view.key] = await self._blame(api, view, starts_at)
        await self._open(subscription, view, starts_at, blames[view.key], organization_id, now)

    async def _settle(
        self, firing: Firing, rule: AlertRule | None, organization_id: str, now: datetime
    ) -> bool:
        """Bring a firing in line with its rule; True while it is still firing."""
        if firing.open:
            # A firing first seen without `starts_at` is this rule's whatever start Qovery gives later.
            anew = (
                rule is not None
                and not firing.rule.start_unknown
                and rule.starts_at not in (None, firing.starts_at)
            )
            over = rule is None or is_quiet(rule) or anew
            if not over:
                assert rule is not None
                if firing.rule.start_unknown and rule.starts_at is not None:
                    firing = await self._firings.started(firing.id, rule.starts_at)
                    await self._show(firing, organization_id)
                if is_suppressed(rule) != firing.suppressed:
                    await self._firings.suppressed(firing.id, is_suppressed(rule))
                    firing = replace(firing, suppressed=is_suppressed(rule))
                    await self._show(firing, organization_id)
                if firing.message_ts is None:
                    await self._post(firing, organization_id)
                return True
            if not await self._firings.resolve(firing.id, now):
                return False
            firing = replace(firing, resolved_at=now)
            await self._show(firing, organization_id)
        if firing.message_ts and firing.resolved_at is not None:
            try:
                await self._poster.post(
                    firing.team_id, firing.channel_id, resolved_reply(firing), thread_ts=firing.message_ts
                )
            except SlackFailure as failure:
                if not failure.permanent:
                    return False  # told at the next read
        await self._firings.told_resolved(firing.id)
        return False

    async def _open(
        self,
        subscription: AlertSubscription,
        view: RuleView,
        starts_at: datetime,
        blame: Blame | None,
        organization_id: str,
        now: datetime,
    ) -> None:
        if blame is not None:
            blame = blame.shown_by(await self._card_of(subscription, blame, starts_at))
        new = Firing(0, subscription.hook_id, subscription.team_id, subscription.channel_id, view, starts_at,
                     blame=blame)  # fmt: skip
        firing = await self._firings.add(new, now)
        if firing is None:
            return  # another read (or replica) has it
        posted = await self._post(firing, organization_id)
        mentions = subscription.filters.mention
        if posted is None or not mentions:
            return

        async def triggered_by() -> str | None:
            return blame.triggered_by if blame else None

        notice = await self._mentions.resolve_with(firing.team_id, mentions, triggered_by)
        if notice.words():
            try:
                await self._poster.post(
                    firing.team_id, firing.channel_id, fired_reply(firing, notice.words()), thread_ts=posted
                )
            except SlackFailure as failure:
                log.info("alerts: a mention could not be posted: %s", failure.reason)

    async def _message(self, firing: Firing, organization_id: str) -> Message:
        """The firing's message as it now stands, silenced here or not."""
        until = await self._silences.until(firing.hook_id, firing.rule.key, self._clock())
        return firing_message(firing, organization_id, silenced_until=until)

    async def _post(self, firing: Firing, organization_id: str) -> str | None:
        message = await self._message(firing, organization_id)
        try:
            ts = await self._poster.post(firing.team_id, firing.channel_id, message)
        except SlackFailure as failure:
            log.info("alerts: a firing could not be posted (%s)", failure.reason)
            if failure.permanent:
                await self._firings.posted(firing.id, _GIVEN_UP)
            return None  # posted at the next read
        await self._firings.posted(firing.id, ts)
        return ts

    async def _show(self, firing: Firing, organization_id: str) -> None:
        """Edit the firing's message to what it now is."""
        if not firing.message_ts:
            return
        message = await self._message(firing, organization_id)
        try:
            await self._poster.update(firing.team_id, firing.channel_id, firing.message_ts, message)
        except SlackFailure as failure:
            log.info("alerts: a firing's message could not be edited (%s)", failure.reason)

    async def show(self, firing_id: int) -> Firing | None:
        """Edit a firing's message after a click changed it (acknowledged, silenced)."""
        firing = await self._firings.get(firing_id)
        if firing is None:
            return None
        _, organization_id = await self._access.qovery(firing.team_id)
        await self._show(firing, organization_id)
        return firing

    # -- what a rule is about -----------------------------------------------------------------------

    async def view(
        self, team_id: str, api: QoveryApi, organization_id: str, rule: AlertRule
    ) -> RuleView | None:
        """The rule as its message shows it; None when it is of another organization (`RulePlaces.ours`)."""
        return await self._places.ours(team_id, api, organization_id, rule)

    async def _blame(self, api: QoveryApi, view: RuleView, starts_at: datetime) -> Blame | None:
        environment_id = view.scope.environment_id
        if environment_id is None:
            return None
        try:
            async with asyncio.timeout(5):
                history = await api.list_deployment_history(environment_id)
        except (QoveryError, TimeoutError):
            return None  # nothing named rather than something false
        return blamed(history, environment_id, starts_at)

    async def _card_of(
        self, subscription: AlertSubscription, blame: Blame, starts_at: datetime
    ) -> Card | None:
        """The channel's card of the blamed deployment, when it has one: by the deployment's id, else the
        card of that environment that finished nearest to when the deployment ended."""
        since = blame.ended_at - timedelta(minutes=10)
        cards = await self._cards.finished_in_channel(
            subscription.team_id, subscription.channel_id, since, starts_at + timedelta(minutes=10)
        )
        mine = [c for c in cards if c.deployment.environment.id == blame.environment_id and c.ts]
        same = [c for c in mine if c.deployment.deployment_id == blame.execution_id]
        if not mine:
            return None
        return same[0] if same else min(mine, key=lambda c: abs((c.finished_at or since) - blame.ended_at))
