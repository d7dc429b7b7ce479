"""`/qovery alerts subscribe|unsubscribe|list|test` (SPEC §14): a channel's alert receiver at Qovery,
attached to the rules its filters keep, and taken off them again.

Qovery's rules are edited only by sending each back whole, as it was read, with the bot's receiver
added or taken off: whatever else a rule has (other receivers, its condition) stays as it was. A rule
must keep one receiver at Qovery, so `unsubscribe` leaves the bot's on a rule that has no other (and
says so); the hook is revoked, so nothing is posted from it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.access import Access, BotConfig, Caller
from bot.alerts.filters import AlertFilters
from bot.alerts.messages import where_words
from bot.alerts.ports import AlertSubscription, AlertSubscriptions
from bot.alerts.rules import RuleView
from bot.alerts.watch import AlertWatch, job_name
from bot.blocks import MAX_BLOCKS, SECTION_LIMIT, Block, Message, context, escape, plain, section
from bot.clock import utcnow
from bot.errors import UserError
from bot.ports import Jobs
from bot.qovery import (
    AlertRule,
    AlertRuleState,
    QoveryApi,
    QoveryError,
    QoveryForbidden,
    QoveryInvalidRequest,
    QoveryNotFound,
)
from bot.subscriptions import HookKind, Hooks, HookSettings, new_hook

__all__ = ["AlertCommands"]

_STATE_WORDS: dict[str, str] = {
    AlertRuleState.OK: ":large_green_circle: ok",
    AlertRuleState.TRIGGERED: ":rotating_light: firing",
    AlertRuleState.PENDING_NOTIFICATION: ":rotating_light: firing",
    AlertRuleState.NOTIFIED: ":rotating_light: firing",
    AlertRuleState.SUPPRESSED: ":zzz: silenced at Qovery",
    AlertRuleState.UNDEPLOYED: ":white_circle: not deployed",
    AlertRuleState.UNROUTED: ":warning: firing, no receiver",
}
_LISTED = 60  # rules listed at most: beyond, a line says how many more


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
            raise UserError(
                f"This channel already receives alerts ({escape(existing.filters.words())}): "
                f"`{self._config.slash_command} alerts unsubscribe` first to change what it receives."
            )
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
            await self._hooks.revoke(hook.id)
            raise self._words_for(error) from None
        kept: list[tuple[AlertRule, RuleView]] = []
        for rule in rules:
            view = await self._watch.view(caller.team_id, api, organization_id, rule)
            if rule.managed and filters.keeps(view.scope, rule.severity):
                kept.append((rule, view))
        attached: list[RuleView] = []
        edited: list[AlertRule] = []  # as Qovery answered each edit: what an undo sends back
        if receiver is not None:
            for rule, view in kept:
                if receiver.id in rule.alert_receiver_ids:
                    continue
                try:
                    edited.append(await api.edit_alert_rule(rule, [*rule.alert_receiver_ids, receiver.id]))
                except QoveryError as error:
                    await self._undo(api, receiver.id, edited)  # every rule as it was before
                    await self._hooks.revoke(hook.id)
                    raise self._words_for(error) from None
                attached.append(view)
        subscription = AlertSubscription(
            hook.id,
            caller.team_id,
            caller.channel_id,
            filters,
            receiver.id if receiver else None,
            caller.user_id,
        )
        await self._subscriptions.add(subscription, self._clock())
        await self._jobs.ring(job_name(caller.team_id), self._clock())  # a first read soon
        return self._subscribed(filters, [v for _, v in kept], attached, refused)

    def _subscribed(
        self, filters: AlertFilters, kept: list[RuleView], attached: list[RuleView], refused: str | None
    ) -> Message:
        lines = [f":white_check_mark: This channel now receives Qovery's alerts: {escape(filters.words())}."]
        if refused is not None:
            lines.append(
                "Qovery refused a receiver that does not post to Slack itself (Qovery says: "
                f"{escape(refused)}): the bot reads Qovery's alerts every minute instead, so they arrive "
                "here within a minute."
            )
        if kept:
            verb = "Its receiver is on" if refused is None else "Rules watched"
            lines.append(f"{verb} {len(kept)} alert rule{'s' if len(kept) != 1 else ''}:")
            lines += [f"• {_rule_line(v)}" for v in (attached or kept)[:_LISTED]]
        else:
            lines.append("No alert rule of the organization matches yet.")
        lines.append(
            "Rules added later are read every minute too. One message per firing, edited when it is resolved."
        )
        return _message(lines)

    async def unsubscribe(self, caller: Caller) -> Message:
        subscription = await self._subscriptions.of_channel(caller.team_id, caller.channel_id)
        if subscription is None:
            return plain("This channel receives no alerts.")
        await self._access.check_may_change(caller, "unsubscribe channels from alerts")
        api, organization_id = await self._access.qovery(caller.team_id)
        kept_by: list[str] = []
        if subscription.receiver_id is not None:
            rules = await self._rules(api, organization_id)
            try:
                kept_by = await self._undo(api, subscription.receiver_id, rules)
            except QoveryError as error:
                raise self._words_for(error) from None
        await self._hooks.revoke(subscription.hook_id)
        await self._subscriptions.remove(subscription.hook_id)
        lines = [":white_check_mark: This channel no longer receives alerts; every rule is as it was."]
        if kept_by:
            lines = [
                ":white_check_mark: This channel no longer receives alerts. A rule must keep one receiver at "
                "Qovery, so the bot's stays on the rules that have no other (it posts nothing now): "
                + ", ".join(f"*{escape(name)}*" for name in kept_by[:_LISTED])
            ]
        return _message(lines)

    async def forget_team(self, team_id: str) -> None:
        """The app is removed from the workspace: every channel's receiver taken off the rules (and
        deleted where no rule needs it), every alert hook revoked."""
        subscriptions = await self._subscriptions.of_team(team_id)
        if not subscriptions:
            return
        api, organization_id = await self._access.qovery(team_id)
        rules = await self._rules(api, organization_id)
        for subscription in subscriptions:
            if subscription.receiver_id is not None:
                with contextlib.suppress(QoveryError):
                    await self._undo(api, subscription.receiver_id, rules)
            await self._hooks.revoke(subscription.hook_id)
            await self._subscriptions.remove(subscription.hook_id)

    async def _undo(self, api: QoveryApi, receiver_id: str, rules: Sequence[AlertRule]) -> list[str]:
        """The receiver taken off every rule that has another, and deleted when no rule keeps it; the
        names of the rules that keep it."""
        kept_by: list[str] = []
        for rule in rules:
            if receiver_id not in rule.alert_receiver_ids:
                continue
            others = [r for r in rule.alert_receiver_ids if r != receiver_id]
            if others:
                await api.edit_alert_rule(rule, others)
            else:
                kept_by.append(rule.name)
        if not kept_by:
            with contextlib.suppress(QoveryNotFound):  # gone already
                await api.delete_alert_receiver(receiver_id)
        return kept_by

    async def list_rules(self, caller: Caller) -> Message:
        api, organization_id = await self._access.qovery(caller.team_id)
        rules = await self._rules(api, organization_id)
        subscriptions = await self._subscriptions.of_team(caller.team_id)
        if not rules:
            return plain("The organization has no alert rules yet: create them in the Qovery console.")
        lines = [f"*The organization's {len(rules)} alert rules*"]
        for rule in rules[:_LISTED]:
            view = await self._watch.view(caller.team_id, api, organization_id, rule)
            channels = [
                f"<#{s.channel_id}>" for s in subscriptions if s.filters.keeps(view.scope, rule.severity)
            ]
            state = (
                _STATE_WORDS.get(AlertRuleState(rule.state), escape(str(rule.state)))
                if rule.state in list(AlertRuleState)
                else escape(str(rule.state)[:30])
            )
            told = ", ".join(channels) if channels else "no channel"
            lines.append(f"• {_rule_line(view)}: {state} · {told}")
        if len(rules) > _LISTED:
            lines.append(f"… and {len(rules) - _LISTED} more.")
        return _message(lines)

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


def _rule_line(view: RuleView) -> str:
    severity = f" ({escape(view.severity)})" if view.severity else ""
    return f"*{escape(view.name)}*{severity} on {escape(where_words(view))}"


def _message(lines: list[str]) -> Message:
    """Lines in as few sections as fit Slack's limits."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        blocks.append(section(current))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context("The rest is cut to fit one message.")]
    return {"response_type": "ephemeral", "text": lines[0][:SECTION_LIMIT], "blocks": blocks}
