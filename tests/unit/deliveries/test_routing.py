"""Routing (SPEC §11) against in-memory ports: which deliveries get a message, and who a failure
notifies. `--only changes` is shown as a table over a sequence of outcomes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from bot.access import Access, BotConfig
from bot.commands import CreateWebhook, parse
from bot.deliveries.bodies import DeliveryKind
from bot.deliveries.courier import Courier
from bot.deliveries.events import Deployment, DeploymentStatus, Named
from bot.deliveries.lookups import Lookups
from bot.deliveries.mentions import Mentions
from bot.deliveries.ports import Cards, Delivery, DeliveryState
from bot.deliveries.routing import left_out, matches
from bot.errors import CommandError
from bot.qovery import QoveryApi
from bot.subscriptions.hooks import new_hook
from bot.subscriptions.options import DisplayMode, HookSettings, Mention, Only, WebhookOptions
from tests.fakes.memory import MemoryCards, MemoryOutcomes, MemorySlack, MemoryWorkspaces

ENV = "0e000000-0000-4000-8000-0000000000c1"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
EVENTS = {"S": "STARTED", "+": "SUCCESSFUL", "x": "FAILURE", "c": "CANCELLED"}


def body(event: str, number: int, services: tuple[str, ...] = ("api", "db")) -> dict[str, Any]:
    return {
        "event_type": f"DEPLOYMENT_{EVENTS[event]}",
        "payload": {
            "deployment_id": f"d-{number}",
            "project": {"name": "billing"},
            "environment": {"id": ENV, "name": "production", "mode": "PRODUCTION"},
            "applications": [{"name": name} for name in services],
        },
    }


class World:
    def __init__(self, settings: HookSettings, *, members: dict[str, str] | None = None) -> None:
        self.slack, self.outcomes = MemorySlack(members=members or {}), MemoryOutcomes()
        access = Access(BotConfig("https://b.example"), MemoryWorkspaces(), lambda _: cast(QoveryApi, None))
        mentions = Mentions(self.slack, self.details)
        self.cards = MemoryCards()
        self.courier = Courier(
            cast(Any, None),
            cast(Cards, self.cards),
            self.slack,
            Lookups(access),
            outcomes=self.outcomes,
            mentions=mentions,
        )
        self.hook = new_hook("T1", "C1", "deploys", settings, "U1")
        self.triggered_by: str | None = None

    async def details(self, *_: Any) -> Any:
        from bot.deliveries.deployment_details import Details

        return Details("e", "DEPLOY", self.triggered_by, "CONSOLE", ()) if self.triggered_by else None

    def deliver(self, event: str, number: int, **options: Any) -> tuple[DeliveryState, str | None]:
        delivery = Delivery(number, self.hook, DeliveryKind.STANDARD, body(event, number, **options), NOW, 0)
        outcome = asyncio.run(self.courier.deliver(delivery))
        if outcome.card is not None:  # the queue records the card's message with the post
            asyncio.run(self.cards.save(outcome.card, NOW))
        return outcome.state, outcome.reason


# Each row: the outcomes in turn; what `--only changes` shows of them (P: posted, -: left out).
CHANGES = [
    ("+", "-"),  # the first outcome seen is posted only if it is a failure
    ("x", "P"),
    ("x+", "PP"),  # back to normal
    ("x++", "PP-"),  # then nothing new
    ("xx+", "PPP"),
    ("c+", "PP"),  # a cancellation is a failure of sorts
    ("Sx", "-P"),  # no card at a start
    ("+x+x+", "-PPPP"),
]


@pytest.mark.parametrize(("outcomes", "shown"), CHANGES)
def test_only_changes_over_a_sequence_of_outcomes(outcomes: str, shown: str) -> None:
    world = World(HookSettings(only=Only.CHANGES))
    states = [world.deliver(event, n)[0] for n, event in enumerate(outcomes)]
    assert "".join("P" if s is DeliveryState.POSTED else "-" for s in states) == shown


def test_only_changes_remembers_each_service_when_services_are_named() -> None:
    world = World(HookSettings(only=Only.CHANGES, services=("api", "worker")))
    assert world.deliver("x", 1, services=("api",))[0] is DeliveryState.POSTED
    assert world.deliver("+", 2, services=("worker",))[0] is DeliveryState.SKIPPED  # worker never failed
    assert world.deliver("+", 3, services=("api",))[0] is DeliveryState.POSTED  # api: back to normal


def test_only_failures_and_why_the_others_were_left_out() -> None:
    world = World(HookSettings(only=Only.FAILURES))
    assert world.deliver("S", 1) == (DeliveryState.SKIPPED, "--only failures: no card at a start")
    assert world.deliver("+", 2) == (DeliveryState.SKIPPED, "--only failures: a success")
    assert world.deliver("x", 3)[0] is DeliveryState.POSTED
    assert world.deliver("c", 4)[0] is DeliveryState.POSTED


def test_services_and_environment_names_filter_with_wildcards_in_any_case() -> None:
    event = Deployment(DeploymentStatus.FAILED, environment=Named(ENV, "Prod-EU"), services=("API-gateway",))
    assert left_out(HookSettings(services=("api*",), env_names=("prod*",)), event) is None
    assert "--services worker" in str(left_out(HookSettings(services=("worker",)), event))
    assert "--env-names staging" in str(left_out(HookSettings(env_names=("staging",)), event))
    unnamed = Deployment(DeploymentStatus.FAILED)  # the delivery does not say: it is kept, not guessed away
    assert left_out(HookSettings(services=("worker",), env_names=("staging",)), unnamed) is None
    assert matches(("web",), "WEB")
    assert not matches(("web",), "webapp")
    assert matches(("web*",), "webapp")


def test_a_failure_in_update_mode_notifies_in_a_reply_and_the_edit_carries_nobody() -> None:
    alice, oncall = Mention("user", "U0ALICE01", "alice"), Mention("group", "S0ONCALL1", "oncall")
    world = World(HookSettings(mention=(alice, oncall, Mention("unresolved", label="@bob"))))
    world.deliver("S", 1)
    world.deliver("x", 1)
    [card, update, reply] = world.slack.messages
    assert (card.method, update.method, reply.method) == ("post", "update", "post")
    assert "<@" not in str(update.message)
    assert "<@" not in str(card.message)
    assert reply.thread_ts == card.ts
    assert reply.message["text"].startswith("<@U0ALICE01> <!subteam^S0ONCALL1>")
    assert "Could not notify: @bob" in reply.message["text"]


@pytest.mark.parametrize("mode", [DisplayMode.THREAD, DisplayMode.POST])
def test_in_thread_and_post_modes_the_failure_message_itself_notifies(mode: DisplayMode) -> None:
    world = World(HookSettings(mode=mode, mention=(Mention("user", "U0ALICE01"),)))
    world.deliver("S", 1)
    world.deliver("x", 1)
    [started, failed] = world.slack.messages
    assert "<@U0ALICE01>" not in started.message["text"]
    assert failed.message["text"].startswith("<@U0ALICE01>")


def test_trigger_is_whoever_triggered_it_by_e_mail_or_says_why_not() -> None:
    world = World(HookSettings(mention=(Mention("trigger"),)), members={"alice@acme.com": "U0ALICE01"})
    world.triggered_by = "alice@acme.com"
    world.deliver("x", 1)
    assert world.slack.messages[-1].message["text"].startswith("<@U0ALICE01>")
    world.triggered_by = "bob@acme.com"
    world.deliver("x", 2)
    assert (
        "trigger (no member of this workspace has the e-mail bob@acme.com)"
        in world.slack.messages[-1].message["text"]
    )
    world.triggered_by = None
    world.deliver("x", 3)
    assert "trigger (Qovery did not say who triggered it)" in world.slack.messages[-1].message["text"]


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("--mention <@U0ALICE01|alice>", Mention("user", "U0ALICE01", "alice")),
        ("--mention <!subteam^S0ONCALL1|@oncall>", Mention("group", "S0ONCALL1", "oncall")),
        ("--mention trigger", Mention("trigger")),
        ("--mention @bob", Mention("unresolved", label="@bob")),
        ("--mention U0ALICE01", Mention("user", "U0ALICE01")),
    ],
)
def test_mention_forms(text: str, mention: Mention) -> None:
    assert parse(f"subscribe {text}") == CreateWebhook(WebhookOptions(mention=(mention,)))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("--mention @here", "would notify everyone"),
        ("--mention <!channel>", "would notify everyone"),
        ("--mention alice", "is not a Slack user or user group"),
        ("--only sometimes", "is not a value of `--only`"),
        ("--services 'a*b'", "a `*` is a wildcard only at the end"),
    ],
)
def test_wrong_routing_values_are_named(text: str, says: str) -> None:
    with pytest.raises(CommandError) as wrong:
        parse(f"subscribe {text}")
    assert says in wrong.value.message
    assert wrong.value.accepted or "wildcard" in says
