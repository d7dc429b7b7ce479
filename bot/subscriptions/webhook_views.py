"""What the webhook subcommands answer: the list, a webhook's card, its delivery log, confirmations.

Pure: Qovery's webhooks and the bot's hooks in, Block Kit messages out. Text from Qovery is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from bot.blocks import (
    MAX_BLOCKS,
    Block,
    Message,
    button,
    confirm,
    context,
    escape,
    plain,
    section,
    slack_date,
)
from bot.qovery import Webhook, WebhookDelivery
from bot.subscriptions.hooks import Hook

__all__ = [
    "DELETE_ACTION",
    "KEEP_ACTION",
    "UNSUBSCRIBE_ACTION",
    "delete_confirmation",
    "detail_message",
    "list_message",
    "short_id",
    "unsubscribe_message",
    "webhook_message",
]

DELETE_ACTION = "webhook_delete"  # the button of a delete confirmation
UNSUBSCRIBE_ACTION = "webhook_unsubscribe"  # a delete button in the unsubscribe list
KEEP_ACTION = "webhook_keep"
_EVENT_WORDS = {
    "DEPLOYMENT_STARTED": "started",
    "DEPLOYMENT_SUCCESSFUL": "successful",
    "DEPLOYMENT_FAILURE": "failure",
    "DEPLOYMENT_CANCELLED": "cancelled",
}


def short_id(webhook_id: str) -> str:
    return webhook_id[:8]


def _words(values: Sequence[str], *, all_when_empty: str) -> str:
    return ", ".join(escape(_EVENT_WORDS.get(v, v.lower())) for v in values) or all_when_empty


def _target(webhook: Webhook, hook: Hook | None, public_url: str) -> str:
    if hook is not None:
        return f"notifies <#{hook.channel_id}> ({hook.settings.words()})"
    if webhook.target_url.startswith(f"{public_url}/qovery/hooks/"):
        return "targets this bot, but no channel of this workspace"
    # A foreign target URL may itself be a secret (a Slack incoming webhook): its host only.
    return f"targets `{escape(urlsplit(webhook.target_url).hostname or 'an unknown host')}`"


def describe(webhook: Webhook, hook: Hook | None, public_url: str) -> str:
    state = ":large_green_circle: enabled" if webhook.enabled else ":white_circle: disabled"
    lines = [
        f"*`{short_id(webhook.id)}`*  {escape(str(webhook.kind))} · {state} · "
        + _target(webhook, hook, public_url),
        f"Events: {_words(webhook.events, all_when_empty='none')}",
        f"Projects: {', '.join(escape(p) for p in webhook.project_names_filter) or 'all'}"
        f" · Environments: {_words(webhook.environment_types_filter, all_when_empty='all')}",
    ]
    if webhook.description:
        lines.append(f"_{escape(webhook.description)}_")
    return "\n".join(lines)


def list_message(webhooks: Sequence[Webhook], hooks: Mapping[str, Hook], public_url: str) -> Message:
    if not webhooks:
        return plain("The organization has no webhooks yet.")
    shown_at_most = MAX_BLOCKS - 2  # a title and a "more" line
    blocks: list[Block] = [section(f"*{len(webhooks)} webhook{'s' if len(webhooks) != 1 else ''}*")]
    for webhook in webhooks[:shown_at_most]:
        blocks.append(section(describe(webhook, hooks.get(webhook.id), public_url)))
    if len(webhooks) > shown_at_most:
        blocks.append(context(f"… and {len(webhooks) - shown_at_most} more, not shown."))
    return {"response_type": "ephemeral", "text": f"{len(webhooks)} webhooks", "blocks": blocks}


def webhook_message(title: str, webhook: Webhook, hook: Hook | None, public_url: str) -> Message:
    return {
        "response_type": "ephemeral",
        "text": f"{title}: {short_id(webhook.id)}",
        "blocks": [section(title), section(describe(webhook, hook, public_url))],
    }


def detail_message(
    webhook: Webhook, hook: Hook | None, deliveries: Sequence[WebhookDelivery], public_url: str
) -> Message:
    blocks = [section(describe(webhook, hook, public_url)), section(f"*Full id* `{webhook.id}`")]
    if deliveries:
        lines = [
            f"{slack_date(d.created_at)}  {_words([str(d.matched_event)], all_when_empty='?')}"
            f"  HTTP {d.target_response_status_code}"
            + ("" if 200 <= d.target_response_status_code < 300 else " :warning:")
            for d in deliveries[:10]
        ]
        blocks.append(section("*Last deliveries*\n" + "\n".join(lines)))
    else:
        blocks.append(context("Qovery has delivered nothing to it yet."))
    return {"response_type": "ephemeral", "text": f"Webhook {short_id(webhook.id)}", "blocks": blocks}


def _delete_button(webhook: Webhook, *, confirm_first: bool) -> Block:
    if not confirm_first:
        return button("Delete", DELETE_ACTION, value=webhook.id, style="danger")
    gone = f"Qovery stops sending `{short_id(webhook.id)}` for good."
    sure = confirm("Delete this webhook?", gone, "Delete", no="Keep it", danger=True)
    return button("Delete", UNSUBSCRIBE_ACTION, value=webhook.id, style="danger", confirm=sure)


def delete_confirmation(webhook: Webhook, hook: Hook | None, public_url: str) -> Message:
    keep = button("Keep it", KEEP_ACTION, value=webhook.id)
    return {
        "response_type": "ephemeral",
        "text": f"Delete webhook {short_id(webhook.id)}?",
        "blocks": [
            section(
                "*Delete this webhook?* Qovery stops sending it for good.\n"
                + describe(webhook, hook, public_url)
            ),
            {"type": "actions", "elements": [_delete_button(webhook, confirm_first=False), keep]},
        ],
    }


def unsubscribe_message(webhooks: Sequence[Webhook], hooks: Mapping[str, Hook], public_url: str) -> Message:
    if not webhooks:
        return plain("No webhook notifies this channel.")
    blocks: list[Block] = [section("*Webhooks that notify this channel*")]
    for webhook in webhooks[: MAX_BLOCKS - 1]:
        block = section(describe(webhook, hooks.get(webhook.id), public_url))
        block["accessory"] = _delete_button(webhook, confirm_first=True)
        blocks.append(block)
    return {"response_type": "ephemeral", "text": "Webhooks that notify this channel", "blocks": blocks}
