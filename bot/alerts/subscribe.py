"""`/qovery alerts subscribe|unsubscribe|list|test` (SPEC §14): a channel's alert receiver at Qovery,
attached to the rules its filters keep, and taken off them again.

Qovery's rules are edited only by sending each back whole, read again right before, with the bot's
receiver added or taken off (receivers.py): whatever else a rule has (other receivers, its condition,
an edit made meanwhile) stays as it is. A rule must keep one receiver at Qovery, so `unsubscribe` leaves
the bot's on a rule that has no other (and says so); the hook is revoked, so nothing is posted from it.
The channel is taken in the database before anything is made at Qovery, so that of two subscribes at
once one makes a receiver and the other is told the channel already receives alerts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from bot.access import Access, BotConfig, Caller
from bot.alerts.answers import LISTED, lines_message, rule_line, state_words, subscribed, unsubscribed
from bot.alerts.filters import AlertFilters
from bot.alerts.ports import AlertSubscription, AlertSubscriptions
from bot.alerts.receivers import Detached, attach_receiver, carrying, detach_receiver
from bot.alerts.rules import RuleView
from bot.alerts.watch import AlertWatch, job_name
from bot.blocks import Message, escape, plain
from bot.clock import utcnow
from bot.errors import UserError
from bot.ports import Jobs
from bot.qovery import (
    AlertRule,
    QoveryApi,
    QoveryError,
    QoveryForbidden,
    QoveryInvalidRequest,
    QoveryNotFound,
)
from bot.subscriptions import HookKind, Hooks, HookSettings, new_hook

__all__ = ["AlertCommands"]


class AlertCommands:
    def __init__(
        self,
        config: BotConfig,
        access: Access,
        hooks: Hooks,
        subscriptions: AlertSubscriptions,
        watch: AlertWatch,
        jobs: Jobs,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._config = config
        self._access = access
        self._hooks = hooks
        self._subscriptions = subscriptions
        self._watch = watch
        self._jobs = jobs
        self._clock = clock

    async def subscribe(self, caller: Caller, filters: AlertFilters) -> Message:
        await self._access.check_may_change(caller, "subscribe channels to alerts")
        existing = await self._subscriptions.of_channel(caller.team_id, caller.channel_id)
        if existing is not None:
            raise self._already(existing)
        api, organization_id = await self._access.qovery(caller.team_id)
        rules = await self._rules(api, organization_id)
        hook = new_hook(
            caller.team_id,
            caller.channel_id,
            caller.channel_name,
            HookSettings(),
            caller.user_id,
            HookKind.ALERTS,
        )
        await self._hooks.add(hook)  # before Qovery is told its URL, so that the URL answers at once
        subscription = AlertSubscription(
            hook.id, caller.team_id, caller.channel_id, filters, None, caller.user_id
        )
        # The channel taken in the database before anything is made at Qovery: of two subscribes at
        # once, the loser makes nothing there.
        if not await self._subscriptions.add(subscription, self._clock()):
            await self._hooks.revoke(hook.id)
            raise self._already(await self._subscriptions.of_channel(caller.team_id, caller.channel_id))
        channel = f"#{caller.channel_name}" if caller.channel_name else caller.channel_id
        refused: str | None = None
        try:
            receiver = await api.create_alert_receiver(
                organization_id,
                f"Slack {channel} ({caller.team_id})"[:100],
                f"qovery-slack: alerts for Slack {channel} of workspace {caller.team_id}",
                hook.target_url(self._config.public_url),
            )
        except QoveryInvalidRequest as error:
            receiver, refused = None, error.detail or "it was refused"  # a URL that is not Slack's
        except QoveryError as error:
            await self._drop(hook.id)
            raise self._words_for(error) from None
        kept: list[tuple[AlertRule, RuleView]] = []
        for rule in rules:
            view = await self._watch.view(caller.team_id, api, organization_id, rule)
            # Another organization's rule is never edited, whatever Qovery lists with the workspace's.
            if view is not None and rule.managed and filters.keeps(view.scope, rule.severity):
                kept.append((rule, view))
        attached: list[RuleView] = []
        gone: list[AlertRule] = []
        if receiver is not None:
            # Kept at once, so that an unsubscribe (or the app removed) from now on finds it.
            if not await self._subscriptions.attach(hook.id, receiver.id):
                return await self._called_off(api, receiver.id, [], hook.id)
            edited: list[AlertRule] = []
            for rule, view in kept:
                assert rule.id is not None  # a managed rule
                try:
                    if not await attach_receiver(api, receiver.id, rule.id):
                        gone.append(rule)
                        continue
                except QoveryError as error:
                    with contextlib.suppress(QoveryError):  # every rule as it was before, where it can be
                        await detach_receiver(api, receiver.id, edited)
                    await self._drop(hook.id)
                    raise self._words_for(error) from None
                edited.append(rule)
                attached.append(view)
            if await self._subscriptions.get(hook.id) is None:  # unsubscribed while the rules were edited
                return await self._called_off(api, receiver.id, edited, hook.id)
        await self._jobs.ring(job_name(caller.team_id), self._clock())  # a first read soon
        still = [view for rule, view in kept if all(rule is not other for other in gone)]
        return subscribed(filters, still, attached, refused, [rule.name for rule in gone])

    def _already(self, existing: AlertSubscription | None) -> UserError:
        what = f" ({escape(existing.filters.words())})" if existing is not None else ""
        return UserError(
            f"This channel already receives alerts{what}: "
            f"`{self._config.slash_command} alerts unsubscribe` first to change what it receives."
        )

    async def _drop(self, hook_id: str) -> None:
        """A subscribe that could not be made: its hook revoked, the channel free again."""
        await self._hooks.revoke(hook_id)
        await self._subscriptions.remove(hook_id)

    async def _called_off(
        self, api: QoveryApi, receiver_id: str, edited: list[AlertRule], hook_id: str
    ) -> Message:
        """The channel was unsubscribed (or the app removed) while it was being subscribed: what this
        subscribe made at Qovery is taken away again."""
        with contextlib.suppress(QoveryError):
            await detach_receiver(api, receiver_id, edited)
        await self._drop(hook_id)
        return plain(
            "This channel was unsubscribed from alerts while it was being subscribed: it receives none. "
            f"`{self._config.slash_command} alerts subscribe` again to receive them."
        )

    async def unsubscribe(self, caller: Caller) -> Message:
        subscription = await self._subscriptions.of_channel(caller.team_id, caller.channel_id)
        if subscription is None:
            return plain("This channel receives no alerts.")
        await self._access.check_may_change(caller, "unsubscribe channels from alerts")
        api, organization_id = await self._access.qovery(caller.team_id)
        detached = Detached()
        if subscription.receiver_id is not None:
            rules = await self._rules(api, organization_id)
            try:
                detached = await detach_receiver(
                    api, subscription.receiver_id, carrying(rules, subscription.receiver_id)
                )
            except QoveryError as error:
                raise self._words_for(error) from None
        await self._hooks.revoke(subscription.hook_id)
        await self._subscriptions.remove(subscription.hook_id)
        again = await self._subscriptions.of_channel(caller.team_id, caller.channel_id)
        return unsubscribed(detached, again, self._config.slash_command)

    async def forget_team(self, team_id: str) -> None:
        """The app is removed from the workspace: every channel's receiver taken off the rules (and
        deleted where no rule needs it), every alert hook revoked. Each channel on its own, each rule
        re-read before it is edited, so that one channel's edit does not bring another's receiver back."""
        subscriptions = await self._subscriptions.of_team(team_id)
        if not subscriptions:
            return
        api, organization_id = await self._access.qovery(team_id)
        rules = await self._rules(api, organization_id)
        for subscription in subscriptions:
            if subscription.receiver_id is not None:
                with contextlib.suppress(QoveryError):
                    await detach_receiver(
                        api, subscription.receiver_id, carrying(rules, subscription.receiver_id)
                    )
            await self._hooks.revoke(subscription.hook_id)
            await self._subscriptions.remove(subscription.hook_id)

    async def list_rules(self, caller: Caller) -> Message:
        api, organization_id = await self._access.qovery(caller.team_id)
        views = [
            (rule, view)
            for rule in await self._rules(api, organization_id)
            if (view := await self._watch.view(caller.team_id, api, organization_id, rule)) is not None
        ]  # another organization's rules never named
        subscriptions = await self._subscriptions.of_team(caller.team_id)
        if not views:
            return plain("The organization has no alert rules yet: create them in the Qovery console.")
        lines = [f"*The organization's {len(views)} alert rules*"]
        for rule, view in views[:LISTED]:
            channels = [
                f"<#{s.channel_id}>" for s in subscriptions if s.filters.keeps(view.scope, rule.severity)
            ]
            state = state_words(rule)
            told = ", ".join(channels) if channels else "no channel"
            lines.append(f"• {rule_line(view)}: {state} · {told}")
        if len(views) > LISTED:
            lines.append(f"… and {len(views) - LISTED} more.")
        return lines_message(lines)

    async def test(self, caller: Caller) -> Message:
        subscription = await self._subscriptions.of_channel(caller.team_id, caller.channel_id)
        if subscription is None:
            raise UserError(
                f"This channel receives no alerts: `{self._config.slash_command} alerts subscribe` first."
            )
        await self._access.check_may_change(caller, "test a channel's alerts")
        if subscription.receiver_id is None:
            return plain(
                "Qovery refused a receiver for this channel, so there is nothing at Qovery to test: the bot "
                "reads Qovery's alerts every minute and posts them here."
            )
        api, _ = await self._access.qovery(caller.team_id)
        await self._subscriptions.request_test(subscription.hook_id, caller.user_id, self._clock())
        try:
            await api.validate_alert_receiver(subscription.receiver_id, "Test from qovery-slack")
        except QoveryError as error:
            raise self._words_for(error) from None
        return plain(
            "Qovery is sending this channel's receiver a test: the channel will say when it arrives "
            "(what Qovery sends is never shown; alerts are read from Qovery's API)."
        )

    async def _rules(self, api: QoveryApi, organization_id: str) -> list[AlertRule]:
        try:
            return await api.list_alert_rules(organization_id)
        except QoveryError as error:
            raise self._words_for(error) from None

    def _words_for(self, error: QoveryError) -> UserError:
        said = f" Qovery says: {escape(error.detail)}" if error.detail else ""
        if isinstance(error, QoveryNotFound):
            return UserError(
                "Qovery's alerting is not enabled for this organization: enable it on a cluster in the "
                f"Qovery console (Cluster settings → Alerting), then try again.{said}"
            )
        if isinstance(error, QoveryForbidden):
            return UserError(
                "The Qovery token's role may not edit alert rules and receivers: connect a token with the "
                f"Admin or DevOps role (`{self._config.slash_command} connect`).{said}"
            )
        return UserError(error.sentence(self._config.slash_command))
