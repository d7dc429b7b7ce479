"""The first minutes after a deployment (SPEC §15): the card of a success watches the alert rules of the
services it deployed, for the hook's `--watch` minutes, and says what it saw.

A watch starts when the courier posts a success's card; it is read at each of the alerts' reads of
Qovery (`bot.alerts.AlertWatch`: one getAlertRules a minute per workspace while any watch is open,
however many cards are watched, one replica at a time). The card gets a line, kept with it so that any
later drawing shows it: "Watching 3 alert rules for 15 min", then "No alert in the 15 min after this
deployment"; "No alert rule watches these services", once; or, when one fires during the watch, what
fired how long after, with a Rollback button, and the hook's mentions told in the card's thread.

Each watch is read on its own: one that fails holds up no other. Only what Qovery answered is a verdict:
a 404 or an error on the rules tells the watches nothing (the alerts' reads say "no rule" only after
404s read after read), and a rule Qovery lists that the bot cannot read may be one that watches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.alerts import job_name
from bot.deliveries import Card, CardNote, Cards, Deployment, Details, Mentions, paced, render_card
from bot.errors import UserError
from bot.ports import Jobs, SlackFailure, SlackPoster
from bot.qovery import AlertRuleList, QoveryError
from bot.subscriptions import Hook, Hooks
from bot.watches.ports import Watch, Watches, WatchState
from bot.watches.verdicts import Verdict, judge, told

__all__ = ["DeploymentWatches"]

log = logging.getLogger(__name__)

_DETAILS_SECONDS = 10.0  # the card is drawn again with its details; without them if Qovery is slow


class DeploymentWatches:
    def __init__(
        self,
        watches: Watches,
        cards: Cards,
        hooks: Hooks,
        poster: SlackPoster,
        mentions: Mentions,
        jobs: Jobs,
        details: Callable[[str, Deployment, datetime], Awaitable[Details | None]],
    ) -> None:
        self._watches = watches
        self._cards = cards
        self._hooks = hooks
        self._poster = poster
        self._mentions = mentions
        self._jobs = jobs
        self._details = details  # the card's details, as its enrichment found them

    async def succeeded(self, card: Card, hook: Hook, now: datetime) -> None:
        """A success's card was posted: its first minutes are watched (unless `--watch 0`)."""
        environment_id = card.deployment.environment.id
        minutes = hook.settings.watch
        if minutes <= 0 or card.id is None or environment_id is None:
            return
        # A success Qovery dates after it was posted (a clock ahead) is watched from now: else the watch
        # would start in the future, see nothing fire, and never end.
        started = min(card.finished_at or now, now)
        watch = Watch(card.id, hook.id, hook.team_id, environment_id, card.deployment.services, started,
                      started + timedelta(minutes=minutes))  # fmt: skip
        if await self._watches.add(watch):
            await self._jobs.ring(job_name(hook.team_id), now)  # the first read soon: what watches it

    async def wants_rules(self, team_id: str) -> bool:
        return await self._watches.any_open(team_id)

    async def read_rules(self, team_id: str, listed: AlertRuleList, now: datetime) -> None:
        for watch in await self._watches.open_of_team(team_id):
            try:
                await self._read(watch, listed, now)
            except Exception as error:  # one watch's trouble holds up no other
                log.warning("watches: the watch of card %s could not be read: %s", watch.card_id,
                            type(error).__name__)  # fmt: skip

    async def _read(self, watch: Watch, listed: AlertRuleList, now: datetime) -> None:
        verdict = judge(watch, listed.rules, now, listed.unreadable)
        if verdict is None or not await self._watches.update(watch, verdict.state, verdict.rules):
            return
        try:
            await self._show(watch, verdict, now)
        except (SlackFailure, QoveryError, UserError) as error:
            log.info("watches: a card could not be told what its watch saw: %s", type(error).__name__)

    async def _show(self, watch: Watch, verdict: Verdict, now: datetime) -> None:
        card = await self._cards.get(watch.card_id)
        hook = await self._hooks.get(watch.hook_id)
        if card is None or hook is None or not card.ts:
            return
        line = told(verdict, card, hook.channel_id)  # with what the deployment carried, when it fired
        frozen = card.note.frozen if card.note else None  # a freeze's mark stays beside the verdict
        note = CardNote(line, rollback=verdict.state is WatchState.FIRED, frozen=frozen)
        await self._cards.set_note(watch.card_id, note)
        at = card.finished_at or now
        try:
            async with asyncio.timeout(_DETAILS_SECONDS):
                found = await self._details(hook.team_id, card.deployment, at)
        except (TimeoutError, QoveryError, UserError):
            found = None
        message = render_card(card.deployment, started_at=card.started_at, finished_at=card.finished_at,
                              card_id=card.id, details=found, note=note, carried=card.carried,
                              promote_to=hook.settings.promote_to)  # fmt: skip
        await paced(lambda: self._poster.update(hook.team_id, hook.channel_id, card.ts, message))
        if verdict.state is WatchState.FIRED and hook.settings.mention:
            # An edit notifies nobody: the hook's mentions are told in the card's thread.
            notice = await self._mentions.resolve(hook.team_id, hook.settings.mention, card.deployment, at)
            if notice.words():
                reply = {"text": f"{notice.words()} {line}"}
                thread = card.thread_ts or card.ts
                await paced(lambda: self._poster.post(hook.team_id, hook.channel_id, reply, thread_ts=thread))
