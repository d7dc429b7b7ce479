"""The doctor (SPEC §13): finds what keeps a workspace's subscriptions from notifying, and repairs what it
can. `/qovery doctor`, the App Home, `qovery-slack doctor [--repair]` and the hourly check all use it.

A repair acts on what the doctor finds when the button is pressed, never on what the button says: its
value only names a finding, which must still be there. Every repair can run twice, or on two replicas
at once, to the same end: a re-point sends the same webhook again, a delete of a webhook already gone
is done, and only the replica that revokes a hook tells its channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from bot.access import Access, BotConfig, Caller
from bot.blocks import MAX_BLOCKS, Block, Message, button, context, escape, plain, section
from bot.clock import utcnow
from bot.contents import nanoseconds
from bot.deliveries import DeliveryQueue, DeliveryRecord, DeliveryState
from bot.doctor.diagnosis import Finding, FindingKind, diagnose, hook_id_of
from bot.doctor.ports import Findings
from bot.errors import UserError
from bot.ports import SlackFailure, SlackPoster
from bot.qovery import (
    QoveryApi,
    QoveryError,
    QoveryForbidden,
    QoveryNotFound,
    QoveryUnauthorized,
    Webhook,
    WebhookDelivery,
)
from bot.subscriptions import Hook, Hooks, spec_of

__all__ = ["REPAIR_ACTION", "Doctor", "repair_value"]

log = logging.getLogger(__name__)

REPAIR_ACTION = "doctor_repair"
_LOG_LOOKUPS_AT_ONCE = 4
_SHOWN = 20


def repair_value(finding: Finding) -> str:
    return f"finding:{finding.key}"[:2000]


class Doctor:
    def __init__(
        self,
        config: BotConfig,
        access: Access,
        hooks: Hooks,
        queue: DeliveryQueue,
        findings: Findings,
        poster: SlackPoster,
    ) -> None:
        self._config = config
        self._access = access
        self._hooks = hooks
        self._queue = queue
        self._findings = findings
        self._poster = poster

    # -- finding -------------------------------------------------------------------------------------

    async def examine(self, team_id: str) -> list[Finding]:
        """What is wrong now, as Qovery, the database and the delivery log tell it."""
        live = await self._hooks.of_team(team_id)
        try:
            api, organization = await self._access.qovery(team_id)
            webhooks = await api.list_webhooks(organization)
        except UserError as error:
            return [Finding(FindingKind.TOKEN, team_id, escape(error.message))]
        except (QoveryUnauthorized, QoveryForbidden) as error:
            return [Finding(FindingKind.TOKEN, team_id, error.sentence(self._config.slash_command))]
        hooks = {hook.id: hook for hook in live}
        for webhook in webhooks:  # the hooks Qovery's webhooks name, revoked ones too
            target = hook_id_of(webhook.target_url)
            if target and target[1] not in hooks and (hook := await self._hooks.get(target[1])):
                hooks[hook.id] = hook
        ours = [w for w in webhooks if (t := hook_id_of(w.target_url)) and t[1] in hooks]
        logs = await self._logs(api, organization, ours)
        channels = {channel: await self._latest(team_id, channel) for channel in {h.channel_id for h in live}}
        found = diagnose(self._config.public_url, team_id, webhooks, hooks, logs, channels)
        found = [
            f
            for f in found
            if f.kind is not FindingKind.GONE or await self._gone(api, organization, hooks[f.subject])
        ]
        if any(hook.settings.changes for hook in live):
            found += await self._audit_log(api, organization)
        # What the alerts' reads could not read or keep, as their last read left it.
        recorded = [f for f, _ in await self._findings.open(team_id) if f.kind is FindingKind.ALERT_RULE]
        return found + recorded

    async def _audit_log(self, api: QoveryApi, organization: str) -> list[Finding]:
        """What a deployment carries reads the audit log: a token that may not is said here, once."""
        now = nanoseconds(utcnow())
        try:
            await api.list_organization_events(organization, from_ns=now - 60 * 10**9, to_ns=now, page_size=1)
        except (QoveryForbidden, QoveryUnauthorized):
            words = (
                ":lock: The workspace's Qovery token may not read the organization's audit log: cards "
                "leave out the configuration changes each deployment carries. A role that may read it "
                "brings them back."
            )
            return [Finding(FindingKind.AUDIT_LOG, organization, words)]
        except QoveryError:
            pass  # Qovery failing now tells nothing of the token's role
        return []

    async def _gone(self, api: QoveryApi, organization: str, hook: Hook) -> bool:
        """Whether Qovery says the hook's webhook is gone when asked for it alone: a list leaves out what
        the bot cannot read, so a webhook missing from it is no verdict until Qovery answers 404."""
        try:
            await api.get_webhook(organization, hook.webhook_id or "")
        except QoveryNotFound:
            return True
        except QoveryError:
            return False  # no answer is no verdict: the next look asks again
        return False

    async def _logs(
        self, api: QoveryApi, organization: str, webhooks: list[Webhook]
    ) -> dict[str, list[WebhookDelivery]]:
        gate = asyncio.Semaphore(_LOG_LOOKUPS_AT_ONCE)

        async def one(webhook: Webhook) -> list[WebhookDelivery]:
            async with gate:
                try:
                    return await api.list_webhook_deliveries(organization, webhook.id)
                except QoveryError:
                    return []  # a log that cannot be read tells nothing

        found = await asyncio.gather(*(one(w) for w in webhooks))
        return {w.id: log for w, log in zip(webhooks, found, strict=True)}

    async def _latest(self, team_id: str, channel_id: str) -> DeliveryRecord | None:
        records = await self._queue.recent(team_id, channel_id, 5)
        done = [r for r in records if r.state is not DeliveryState.SKIPPED]
        return done[0] if done else None

    async def check(self, team_id: str, now: datetime | None = None) -> list[Finding]:
        """The hourly check: examine, remember, and tell each channel of what is new there, once."""
        found = await self.examine(team_id)
        new = await self._findings.record(team_id, found, now or utcnow())
        for finding in new:
            log.info("doctor: new finding in workspace %s: %s", team_id, finding.kind.value)
            if finding.channel_id and finding.kind is not FindingKind.CHANNEL:
                text = (
                    f":stethoscope: Deployment notifications here may have stopped. {finding.words} "
                    f"An admin can repair it from the Qovery app's Home tab or with "
                    f"`{self._config.slash_command} doctor`."
                )
                try:
                    await self._poster.post(team_id, finding.channel_id, {"text": text})
                except SlackFailure as failure:
                    log.warning("doctor: could not tell a channel of a finding: %s", failure.reason)
        return new

    # -- from Slack ------------------------------------------------------------------------------------

    async def report(self, caller: Caller) -> Message:
        """`/qovery doctor`: what is wrong, each with its repair button."""
        found = await self.examine(caller.team_id)
        await self._findings.record(caller.team_id, found, utcnow())
        if not found:
            return plain(
                ":white_check_mark: The doctor found nothing wrong with this workspace's subscriptions."
            )
        problems = f"{len(found)} problem{'s' if len(found) > 1 else ''}"
        blocks: list[Block] = [section(f":stethoscope: *The doctor found {problems}*")]
        blocks += finding_blocks(found[:_SHOWN])
        if len(found) > _SHOWN:
            blocks.append(context(f"… and {len(found) - _SHOWN} more: repair these first."))
        return {
            "response_type": "ephemeral",
            "text": f"The doctor found {problems}",
            "blocks": blocks[:MAX_BLOCKS],
        }

    async def look(self, caller: Caller, _: object) -> Message:
        """The App Home's "Run the doctor": its findings then show in the tab."""
        found = await self.examine(caller.team_id)
        await self._findings.record(caller.team_id, found, utcnow())
        if not found:
            return plain(":white_check_mark: The doctor looked: nothing wrong.")
        return plain(f":stethoscope: The doctor looked: {len(found)} problem{'s' if len(found) > 1 else ''}.")

    async def repair(self, caller: Caller, value: object) -> Message:
        """A repair button: the finding it names, if the doctor still finds it, repaired."""
        await self._access.check_may_change(caller, "repair subscriptions")
        key = (
            value.removeprefix("finding:")
            if isinstance(value, str) and value.startswith("finding:")
            else None
        )
        found = {f.key: f for f in await self.examine(caller.team_id)} if key else {}
        finding = found.get(key or "")
        if finding is None:
            return plain("The doctor no longer finds this: nothing to repair.")
        if finding.repair is None:
            return plain(f"This needs a person: {finding.words}")
        words = await self._repair(caller.team_id, finding)
        await self._findings.record(
            caller.team_id, [f for f in found.values() if f.key != finding.key], utcnow()
        )
        return plain(words)

    async def repair_all(self, team_id: str) -> list[str]:
        """`qovery-slack doctor --repair`: every finding that has a repair; what was done, a line each.
        (The command line then examines again, and records what is left.)"""
        return [
            await self._repair(team_id, finding)
            for finding in await self.examine(team_id)
            if finding.repair is not None
        ]

    async def _repair(self, team_id: str, finding: Finding) -> str:
        api, organization = await self._access.qovery(team_id)
        hook = await self._hooks.get(finding.hook_id) if finding.hook_id else None
        try:
            match finding.kind:
                case FindingKind.MOVED | FindingKind.SECRET | FindingKind.DISABLED:
                    assert hook is not None
                    return await self._repoint(api, organization, finding.subject, hook, finding.kind)
                case FindingKind.ORPHAN:
                    with contextlib.suppress(QoveryNotFound):  # already gone: the end sought
                        await api.delete_webhook(organization, finding.subject)
                    return (
                        f":wastebasket: Webhook `{escape(finding.subject[:8])}` deleted: it notified nobody."
                    )
                case FindingKind.GONE:
                    assert hook is not None
                    return await self._revoke(team_id, hook)
        except QoveryError as error:
            return f"Could not repair: {error.sentence(self._config.slash_command)}"
        return "Nothing to repair."

    async def _repoint(
        self, api: QoveryApi, organization: str, webhook_id: str, hook: Hook, kind: FindingKind
    ) -> str:
        """The webhook sent whole again (Qovery's PUT replaces): this bot's URL, the hook's own secret."""
        webhook = await api.get_webhook(organization, webhook_id)
        spec = spec_of(webhook, hook.secret)
        update = {"target_url": hook.target_url(self._config.public_url)}
        if kind is FindingKind.DISABLED:
            update["enabled"] = True  # type: ignore[assignment]
        await api.edit_webhook(organization, webhook_id, spec.model_copy(update=update))
        done = "enabled" if kind is FindingKind.DISABLED else "re-pointed at this bot, its secret kept"
        return f":wrench: Webhook `{escape(webhook_id[:8])}` of <#{hook.channel_id}> {done}."

    async def _revoke(self, team_id: str, hook: Hook) -> str:
        if await self._hooks.revoke(hook.id):  # on two replicas at once, one tells the channel
            command = self._config.slash_command
            text = (
                ":electric_plug: The Qovery webhook that notified this channel was deleted at Qovery: "
                f"it gets no more deployment messages. `{command} subscribe` makes a new one."
            )
            try:
                await self._poster.post(team_id, hook.channel_id, {"text": text})
            except SlackFailure as failure:
                log.warning("doctor: could not tell the channel its hook was revoked: %s", failure.reason)
        return f":electric_plug: <#{hook.channel_id}>'s hook revoked: its webhook was gone at Qovery."


def finding_blocks(found: list[Finding]) -> list[Block]:
    """A finding a block, with its repair button beside it when it has one."""
    blocks: list[Block] = []
    for finding in found:
        block = section(f"• {finding.words}")
        if finding.repair is not None:
            block["accessory"] = button(finding.repair, REPAIR_ACTION, value=repair_value(finding))
        blocks.append(block)
    return blocks
