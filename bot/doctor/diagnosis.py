"""What the doctor finds (SPEC §13), from what Qovery and the bot each hold. Pure.

Qovery's webhooks are compared with the workspace's hooks: a webhook is the bot's when its target is a
hook of this workspace (at this `PUBLIC_URL` or an earlier one), or any hook path at this `PUBLIC_URL`
that the bot no longer knows. Webhooks of other tools, and of the bot's other workspaces sharing the
organization, are none of this workspace's business.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bot.blocks import escape, slack_date
from bot.deliveries import DeliveryRecord, DeliveryState
from bot.qovery import Webhook, WebhookDelivery
from bot.subscriptions import Hook

__all__ = ["CHANNEL_GONE", "EXAMINED", "Finding", "FindingKind", "diagnose", "hook_id_of"]

# Slack's answers that mean the bot can no longer post in a channel.
CHANNEL_GONE = frozenset(
    {"channel_not_found", "is_archived", "not_in_channel", "channel_is_archived", "restricted_action"}
)
_FAILED_DELIVERIES = 3  # of the last ones in Qovery's log, with the latest failed: the webhook is failing
_LOOKED_AT = 5


class FindingKind(StrEnum):
    TOKEN = "token"  # noqa: S105  # a kind of finding: the workspace's token no longer works, or lacks the role
    MOVED = "moved"  # the webhook targets another PUBLIC_URL (or path) than its hook's: re-point it
    SECRET = "secret"  # noqa: S105  # the webhook lost its secret (edited in the console): re-point it
    ORPHAN = "orphan"  # the webhook's hook is revoked or unknown: it notifies nobody; delete it
    GONE = "gone"  # the hook's webhook is gone at Qovery: revoke the hook, tell the channel
    DISABLED = "disabled"  # the webhook is off: enable it
    FAILING = "failing"  # Qovery's log shows its recent deliveries failing
    CHANNEL = "channel"  # Slack refuses the bot's messages in the channel
    ALERT_RULE = "alert_rule"  # an alert rule Qovery lists that the alerts' reads cannot read or keep
    AUDIT_LOG = "audit_log"  # the token may not read the audit log: cards leave configuration changes out


# What the doctor's own examination finds; the alerts' reads record their kind themselves, every minute.
EXAMINED = frozenset(FindingKind) - {FindingKind.ALERT_RULE}


# Per kind: the repair's button, or None when a person must act.
REPAIRS = {
    FindingKind.MOVED: "Re-point",
    FindingKind.SECRET: "Re-point",
    FindingKind.ORPHAN: "Delete webhook",
    FindingKind.GONE: "Revoke",
    FindingKind.DISABLED: "Enable",
}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    subject: str  # the webhook's id, the hook's, the channel's, or the organization's
    words: str  # mrkdwn, escaped
    channel_id: str | None = None  # the channel it concerns, if one
    hook_id: str | None = None

    @property
    def key(self) -> str:
        """The same finding on every run: what a repair button names, and what "new" is judged by."""
        return f"{self.kind.value}:{self.subject}"

    @property
    def repair(self) -> str | None:
        return REPAIRS.get(self.kind)


def hook_id_of(target_url: str) -> tuple[str, str] | None:
    """(base URL, hook id) of a target that has the form of the bot's hooks, else None."""
    match = re.fullmatch(r"(https?://.+?)/qovery/hooks/([A-Za-z0-9_-]{1,100})", target_url)
    return (match.group(1), match.group(2)) if match else None


def _host(url: str) -> str:
    return escape(urlsplit(url).netloc or url[:80])


def _short(webhook_id: str) -> str:
    return f"`{escape(webhook_id[:8])}`"


def diagnose(
    public_url: str,
    team_id: str,
    webhooks: Sequence[Webhook],
    hooks: Mapping[str, Hook],
    logs: Mapping[str, Sequence[WebhookDelivery]],
    channels: Mapping[str, DeliveryRecord | None],
) -> list[Finding]:
    """`hooks`: every hook a webhook names, by id (revoked ones too) and this workspace's live ones;
    `logs`: Qovery's delivery log of the bot's webhooks; `channels`: each channel's latest delivery."""
    found: list[Finding] = []
    for webhook in webhooks:
        target = hook_id_of(webhook.target_url)
        if target is None:
            continue  # another tool's webhook
        base, hook_id = target
        hook = hooks.get(hook_id)
        if hook is not None and hook.team_id != team_id:
            continue  # another workspace's, through this bot
        if hook is None and base != public_url:
            continue  # another bot's, or this one's under a name it no longer has and no record of
        if hook is None or hook.revoked_at is not None:
            words = f"Webhook {_short(webhook.id)} calls a hook this bot no longer has: it notifies nobody."
            found.append(Finding(FindingKind.ORPHAN, webhook.id, words))
            continue
        found += _of_webhook(webhook, hook, public_url, logs.get(webhook.id, ()))
    at_qovery = {w.id for w in webhooks}
    for hook in hooks.values():
        if hook.team_id != team_id or hook.revoked_at is not None:
            continue
        if hook.webhook_id and hook.webhook_id not in at_qovery:
            words = f"<#{hook.channel_id}>'s webhook {_short(hook.webhook_id)} was deleted at Qovery."
            found.append(Finding(FindingKind.GONE, hook.id, words, hook.channel_id, hook.id))
    for channel_id, latest in sorted(channels.items()):
        if (
            latest is not None
            and latest.state is DeliveryState.FAILED
            and (latest.reason or "") in CHANNEL_GONE
        ):
            words = (
                f"Slack refuses the bot's messages in <#{channel_id}> ({escape(latest.reason or '')}): "
                "invite the bot there, or unsubscribe the channel."
            )
            found.append(Finding(FindingKind.CHANNEL, channel_id, words, channel_id))
    return found


def _of_webhook(
    webhook: Webhook, hook: Hook, public_url: str, log: Sequence[WebhookDelivery]
) -> list[Finding]:
    """What is wrong with one of the bot's webhooks whose hook is live."""
    where = f"Webhook {_short(webhook.id)} of <#{hook.channel_id}>"

    def finding(kind: FindingKind, words: str) -> Finding:
        return Finding(kind, webhook.id, words, hook.channel_id, hook.id)

    found = []
    if webhook.target_url != hook.target_url(public_url):
        calls = f"calls {_host(webhook.target_url)}, not this bot at {_host(public_url)}"
        found.append(finding(FindingKind.MOVED, f"{where} {calls}."))
    elif not webhook.target_secret_set:
        lost = "lost its secret (edited in the Qovery console?): the bot refuses what it sends"
        found.append(finding(FindingKind.SECRET, f"{where} {lost}."))
    if not webhook.enabled:
        found.append(finding(FindingKind.DISABLED, f"{where} is disabled at Qovery."))
    failing = _failing(log)
    if failing:
        found.append(finding(FindingKind.FAILING, f"{where}: {failing}"))
    return found


def _failing(log: Sequence[WebhookDelivery]) -> str | None:
    latest = sorted(log, key=lambda d: d.created_at, reverse=True)[:_LOOKED_AT]
    failed = [d for d in latest if not 200 <= d.target_response_status_code < 300]
    if not latest or latest[0] not in failed or len(failed) < min(_FAILED_DELIVERIES, len(latest)):
        return None
    last = latest[0]
    return (
        f"{len(failed)} of its last {len(latest)} deliveries failed in Qovery's log, the latest "
        f"{slack_date(last.created_at)} with HTTP {last.target_response_status_code}."
    )
