"""What the doctor finds, from Qovery's webhooks and the bot's hooks (SPEC §13); pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.deliveries.ports import DeliveryRecord, DeliveryState
from bot.doctor.diagnosis import FindingKind, diagnose
from bot.qovery import Webhook, WebhookDelivery
from bot.subscriptions.hooks import Hook

URL = "https://bot.example.com"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
HOOK = Hook("hook1", "T1", "C1", "deploys", "secret", webhook_id="0a000000-0000-4000-8000-000000000001")


def webhook(target: str, **fields: object) -> Webhook:
    values = {"id": HOOK.webhook_id, "created_at": NOW, "kind": "SLACK", "target_url": target}
    return Webhook.model_validate(values | {"enabled": True, "target_secret_set": True} | fields)


def kinds(
    *webhooks: Webhook,
    hooks: tuple[Hook, ...] = (HOOK,),
    logs: Mapping[str, Sequence[WebhookDelivery]] | None = None,
    channels: Mapping[str, DeliveryRecord | None] | None = None,
) -> list[str]:
    found = diagnose(URL, "T1", webhooks, {h.id: h for h in hooks}, logs or {}, channels or {})
    return [f.kind.value for f in found]


def test_a_healthy_subscription_has_no_finding() -> None:
    assert kinds(webhook(f"{URL}/qovery/hooks/hook1")) == []


@pytest.mark.parametrize(
    ("target", "fields", "hooks", "expected"),
    [
        ("https://old.example.com/qovery/hooks/hook1", {}, (HOOK,), ["moved"]),
        (f"{URL}/qovery/hooks/hook1", {"target_secret_set": False}, (HOOK,), ["secret"]),
        (f"{URL}/qovery/hooks/hook1", {"enabled": False}, (HOOK,), ["disabled"]),
        ("https://old.example.com/qovery/hooks/hook1", {"enabled": False}, (HOOK,), ["moved", "disabled"]),
        (f"{URL}/qovery/hooks/unknown", {}, (HOOK,), ["orphan"]),
        (f"{URL}/qovery/hooks/hook1", {}, (replace(HOOK, revoked_at=NOW),), ["orphan"]),
        # Another workspace's hook, through this bot: none of this one's business.
        ("https://old.example.com/qovery/hooks/hook1", {}, (replace(HOOK, team_id="T2"),), []),
        # Another bot's (or an unknown hook at another address): left alone.
        ("https://other.example.com/qovery/hooks/zzz", {}, (), []),
        ("https://hooks.slack.com/services/T/B/X", {}, (), []),
    ],
)
def test_each_kind_of_webhook_finding(
    target: str, fields: dict[str, object], hooks: tuple[Hook, ...], expected: list[str]
) -> None:
    assert kinds(webhook(target, **fields), hooks=hooks) == expected


def log(*statuses: int) -> list[WebhookDelivery]:
    """Qovery's delivery log, newest first."""
    return [
        WebhookDelivery.model_validate(
            {
                "id": f"0e000000-0000-4000-8000-00000000000{n}",
                "created_at": NOW - timedelta(minutes=n),
                "kind": "SLACK",
                "matched_event": "DEPLOYMENT_FAILURE",
                "target_url_used": URL,
                "target_response_status_code": status,
            }
        )
        for n, status in enumerate(statuses)
    ]


@pytest.mark.parametrize(
    ("statuses", "failing"),
    [
        ((500, 500, 500, 200, 200), True),
        ((403,), True),
        ((500, 500, 200, 200, 200), False),  # two of five
        ((200, 500, 500, 500, 500), False),  # the latest went through: it works again
        ((), False),
    ],
)
def test_a_webhook_is_failing_when_its_latest_deliveries_failed(
    statuses: tuple[int, ...], failing: bool
) -> None:
    found = kinds(
        webhook(f"{URL}/qovery/hooks/hook1"), logs={"0a000000-0000-4000-8000-000000000001": log(*statuses)}
    )
    assert found == (["failing"] if failing else [])


@pytest.mark.parametrize(
    ("state", "reason", "refused"),
    [
        (DeliveryState.FAILED, "channel_not_found", True),
        (DeliveryState.FAILED, "is_archived", True),
        (DeliveryState.FAILED, "gave up after 8 attempts: Slack answered HTTP 503", False),
        (DeliveryState.POSTED, None, False),
    ],
)
def test_a_channel_that_refuses_the_bot(state: DeliveryState, reason: str | None, refused: bool) -> None:
    latest = DeliveryRecord(1, "T1", "C1", NOW, state, "Deployment failed", 1, reason)
    found = kinds(webhook(f"{URL}/qovery/hooks/hook1"), channels={"C1": latest})
    assert found == ([FindingKind.CHANNEL.value] if refused else [])
