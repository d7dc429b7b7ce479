"""The courier's display modes and its handling of what it cannot render, against in-memory ports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.access import Access, BotConfig
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.courier import Courier, Unrenderable
from bot.deliveries.lookups import Lookups
from bot.deliveries.ports import Cards, Delivery
from bot.qovery import QoveryApi
from bot.subscriptions.hooks import new_hook
from bot.subscriptions.options import DisplayMode, HookSettings
from tests.fakes.memory import MemoryCards, MemorySlack, MemoryWorkspaces

ORG, PROJECT, ENV = (
    "0e000000-0000-4000-8000-0000000000a1",
    "0e000000-0000-4000-8000-0000000000b1",
    "0e000000-0000-4000-8000-0000000000c1",
)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def courier(slack: MemorySlack, cards: MemoryCards) -> Courier:
    # No Qovery token anywhere: names are never looked up, the card shows what the delivery says.
    access = Access(BotConfig("https://bot.example.com"), MemoryWorkspaces(), lambda _: cast(QoveryApi, None))
    return Courier(cast(Any, None), cast(Cards, cards), slack, Lookups(access))


def event(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "event_type": f"DEPLOYMENT_{status}",
        "created_at": "2026-12-01T10:00:00Z",
        "payload": {
            "deployment_id": "d-1",
            "organization": {"id": ORG, "name": "Acme"},
            "project": {"id": PROJECT, "name": "billing"},
            "environment": {"id": ENV, "name": "production", "mode": "PRODUCTION"},
            "applications": [{"name": "api"}],
        }
        | extra,
    }


def run(mode: DisplayMode, *bodies: dict[str, Any], **fields: Any) -> list[tuple[str, str | None, str]]:
    """Deliver the bodies in turn to one hook; what Slack saw: (method, thread, text) each."""
    slack, cards = MemorySlack(), MemoryCards()
    hook = new_hook("T1", "C1", "deploys", HookSettings(mode=mode), "U1")
    postman = courier(slack, cards)

    async def scenario() -> None:
        for number, body in enumerate(bodies, 1):
            values: dict[str, Any] = {"kind": DeliveryKind.STANDARD, "verified": True} | fields
            delivery = Delivery(number, hook, body=body, received_at=NOW, attempts=0, **values)
            outcome = await postman.deliver(delivery)
            if outcome.card is not None:  # the queue records the card's message with the post
                await cards.save(outcome.card, NOW)

    asyncio.run(scenario())
    return [(m.method, m.thread_ts, m.message["text"]) for m in slack.messages]


STARTED, FAILED = event("STARTED"), event("FAILURE")


def test_update_mode_edits_the_card_in_place() -> None:
    assert run(DisplayMode.UPDATE, STARTED, FAILED) == [
        ("post", None, "Deployment started: billing / production (Acme)"),
        ("update", None, "Deployment failed: billing / production (Acme)"),
    ]


def test_thread_mode_answers_in_the_cards_thread() -> None:
    assert run(DisplayMode.THREAD, STARTED, FAILED) == [
        ("post", None, "Deployment started: billing / production (Acme)"),
        ("post", "1.000", "Deployment failed: billing / production (Acme)"),
    ]


def test_post_mode_posts_each_event() -> None:
    assert [method for method, *_ in run(DisplayMode.POST, STARTED, FAILED)] == ["post", "post"]


def test_an_end_that_comes_first_still_gets_a_card_and_a_late_start_changes_nothing() -> None:
    assert run(DisplayMode.UPDATE, FAILED, STARTED) == [
        ("post", None, "Deployment failed: billing / production (Acme)")
    ]


def test_a_delivery_without_the_secret_is_never_a_card() -> None:
    slack_body = {"text": "Deployment failure", "attachments": [{"text": "<https://console.qovery.com/x|x>"}]}
    [(method, _, text)] = run(DisplayMode.UPDATE, slack_body, kind=DeliveryKind.SLACK, verified=False)
    assert (method, text) == ("post", "Deployment failure")


def test_what_cannot_be_rendered_is_unrenderable_not_a_slack_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise KeyError("a bug")

    monkeypatch.setattr("bot.deliveries.courier.render_card", broken)
    with pytest.raises(Unrenderable, match="cannot render it"):
        run(DisplayMode.UPDATE, STARTED)
