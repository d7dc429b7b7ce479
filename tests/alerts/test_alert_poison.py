"""The alerts' reads against what Qovery may answer, on both databases: a rule the bot cannot read or keep
holds up no other and is shown by `/qovery doctor`; what is not a fact (an unreadable rule, a start given
late) changes no message; another organization's rule is never posted. The clock is the test's.

Crafted answers are served as the fake's injected answers are, as is: deliberately off Qovery's OpenAPI
description where the test says so, since the bot must read whatever comes."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.exc import DataError

from adapters.settings import Settings
from adapters.sql.alerts import SqlFirings
from adapters.sql.engine import create_engine
from adapters.sql.tables import alert_firings
from bot.alerts.ports import Firing
from tests.alerts.test_alert_reads import Clock, replica, subscribed
from tests.fakes.app_server import serve
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.slack_api import FakeSlack, SlackCall

BROKEN_NAME = "<!channel> Broken rule"
# What breaks a rule, each on its own: the rule is unreadable, never a crash of the read.
BROKEN: dict[str, dict[str, Any]] = {
    "an id of 500 characters": {"id": "a" * 500},
    "an id that is not a UUID": {"id": "rule-1'; DROP TABLE alert_firings; --"},
    "a start in year 9999": {"starts_at": "9999-12-31T23:59:59Z"},
    "a start that is no time": {"starts_at": "yesterday at noon"},
    "a state that is not text": {"state": 7},
    "no name": {"name": None},
}


@pytest.fixture
def configured(settings: Settings, acme: Acme, database_url: str) -> Settings:
    return settings.model_copy(
        update={"qovery_api_token": SecretStr(acme.token), "database_url": database_url}
    )


def answer_with(
    qovery: FakeQovery, organization_id: str, *crafted: dict[str, Any], instead_of: str | None = None
) -> None:
    """getAlertRules answers the fake's rules as they now are (but `instead_of`), `crafted` first, as is."""
    qovery.heal("getAlertRules")
    rules = [
        r
        for r in qovery.alert_rules.values()
        if r["organization_id"] == organization_id and r["id"] != instead_of
    ]
    body = {"results": copy.deepcopy([*crafted, *rules])}
    qovery.fail("getAlertRules", status=200, body=body, times=None)


def posts(slack: FakeSlack) -> list[SlackCall]:
    """The alert messages posted in the channel (not replies in their threads)."""
    return [
        c
        for c in slack.calls_to("chat.postMessage")
        if "alert_actions" in json.dumps(c.args.get("attachments", "")) and "thread_ts" not in c.args
    ]


def replies(slack: FakeSlack) -> list[SlackCall]:
    return [c for c in slack.calls_to("chat.postMessage") if "thread_ts" in c.args]


def resolved(slack: FakeSlack) -> list[SlackCall]:
    return [c for c in slack.calls_to("chat.update") if "Resolved" in c.args.get("text", "")]


def doctor_says(configured: Settings, slack: FakeSlack) -> str:
    with serve(configured, slack) as app:
        return json.dumps(app.ask("doctor"), ensure_ascii=False)


def reads(configured: Settings, clock: Clock, *between: Any) -> None:
    """A read, then after each of `between` (a change at Qovery) a minute later another."""

    async def run() -> None:
        async with replica(configured, clock) as reader:
            assert await reader.read_due(clock.move(seconds=61)) == 1
            for change in between:
                change()
                assert await reader.read_due(clock.move(seconds=61)) == 1

    asyncio.run(run())


@pytest.mark.parametrize("broken", BROKEN.values(), ids=BROKEN.keys())
def test_a_rule_the_bot_cannot_read_holds_up_no_other_and_the_doctor_shows_it(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme, broken: dict[str, Any]
) -> None:
    good = [qovery.add_alert_rule(acme.organization_id, f"Good {n}", service_id=acme.service_ids[0])
            for n in range(3)]  # fmt: skip
    subscribed(configured, slack, qovery)
    clock = Clock()
    began = clock.now - timedelta(minutes=3)
    starts = [  # Qovery writes a time with Z, without a zone, with an offset: each the same instant
        began.isoformat().replace("+00:00", "Z"),
        began.replace(tzinfo=None).isoformat(),
        began.astimezone(timezone(timedelta(hours=5))).isoformat(),
    ]
    for rule, at in zip(good, starts, strict=True):
        qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": at}
    crafted = copy.deepcopy(qovery.alert_rules[good[0]]) | {"id": str(uuid.uuid4()), "name": BROKEN_NAME}

    def answer() -> None:
        answer_with(qovery, acme.organization_id, crafted | broken)

    answer()

    def second_resolved() -> None:
        qovery.resolve(good[1])
        answer()

    reads(configured, clock, answer, second_resolved)

    shown = sorted(found.group() for p in posts(slack) if (found := re.search(r"Good \d", p.args["text"])))
    assert shown == ["Good 0", "Good 1", "Good 2"]  # each once, on the first read
    assert len(posts(slack)) == 3
    assert "Broken" not in json.dumps([c.args for c in slack.calls])
    [edit] = resolved(slack)  # the next reads went on: the one resolved is told, the others still fire
    assert "Good 1" in edit.args["text"]
    assert len(replies(slack)) == 1
    report = doctor_says(configured, slack)
    assert "Qovery's alert rule " in report
    assert "could not be read" in report
    assert "<!channel>" not in report


def test_a_rule_listed_in_a_shape_the_bot_cannot_read_keeps_its_firings_message(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    subscribed(configured, slack, qovery)
    clock = Clock()
    qovery.alert_rules[rule] |= {"state": "NOTIFIED", "starts_at": clock.now.isoformat()}

    def unreadable() -> None:  # the same rule, its condition in a shape the bot does not read
        odd = copy.deepcopy(qovery.alert_rules[rule]) | {"condition": "ABOVE 5%"}
        answer_with(qovery, acme.organization_id, odd, instead_of=rule)

    def readable_and_ok() -> None:
        qovery.heal("getAlertRules")
        qovery.resolve(rule)

    reads(configured, clock, unreadable)
    assert len(posts(slack)) == 1
    assert slack.calls_to("chat.update") == []
    assert replies(slack) == []
    assert "could not be read: its `condition` is not in a shape the bot reads" in doctor_says(
        configured, slack
    )

    reads(configured, clock, readable_and_ok)
    [edit] = resolved(slack)  # once Qovery says it is OK, and only then
    assert edit.args["ts"] == posts(slack)[0].answer["ts"]
    assert "could not be read" not in doctor_says(configured, slack)  # read again: no longer a finding


def test_a_rule_first_seen_firing_without_a_start_keeps_its_one_message_when_qovery_gives_one(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    rule = qovery.add_alert_rule(acme.organization_id, "High 5xx rate", service_id=acme.service_ids[0])
    subscribed(configured, slack, qovery)
    clock = Clock()
    qovery.alert_rules[rule] |= {"state": "TRIGGERED"}  # no starts_at yet

    def started() -> None:
        qovery.alert_rules[rule] |= {"starts_at": (clock.now - timedelta(minutes=2)).isoformat()}

    reads(configured, clock, started, lambda: None)
    assert len(posts(slack)) == 1
    assert resolved(slack) == []
    assert replies(slack) == []
    reads(configured, clock, lambda: qovery.resolve(rule))
    assert len(posts(slack)) == 1
    assert len(resolved(slack)) == 1
    assert len(replies(slack)) == 1


@pytest.mark.parametrize("how", ["its organization_id", "its environment"])
def test_a_rule_of_another_organization_is_never_posted(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme, how: str
) -> None:
    ours = qovery.add_alert_rule(acme.organization_id, "Ours", service_id=acme.service_ids[0])
    globex = qovery.add_organization("Globex")
    service = qovery.add_service(qovery.add_environment(qovery.add_project(globex, "shop"), "prod"), "web")
    theirs = qovery.add_alert_rule(globex, "Theirs", service_id=service)
    subscribed(configured, slack, qovery)
    clock = Clock()
    for rule in (ours, theirs):
        qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": clock.now.isoformat()}
    foreign = copy.deepcopy(qovery.alert_rules[theirs])
    if how == "its environment":  # it claims Acme, and watches Globex's service
        foreign |= {"organization_id": acme.organization_id}
    answer_with(qovery, acme.organization_id, foreign)
    reads(configured, clock, lambda: None)
    [post] = posts(slack)
    assert "Ours" in post.args["text"]
    assert "Theirs" not in json.dumps([c.args for c in slack.calls])


def test_a_firing_the_database_refuses_holds_up_no_other_and_the_doctor_shows_it(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [qovery.add_alert_rule(acme.organization_id, f"Good {n}", service_id=acme.service_ids[0])
             for n in range(3)]  # fmt: skip
    subscribed(configured, slack, qovery)
    clock = Clock()
    for rule in rules:
        qovery.alert_rules[rule] |= {"state": "TRIGGERED", "starts_at": clock.now.isoformat()}
    add = SqlFirings.add

    async def refusing(self: SqlFirings, firing: Firing, now: datetime) -> Firing | None:
        if firing.rule.name == "Good 0":  # as PostgreSQL refuses a value too long for its column
            raise DataError("INSERT INTO alert_firings", {}, ValueError("value too long"))
        return await add(self, firing, now)

    monkeypatch.setattr(SqlFirings, "add", refusing)
    reads(configured, clock, lambda: None)
    shown = sorted(found.group() for p in posts(slack) if (found := re.search(r"Good \d", p.args["text"])))
    assert shown == ["Good 1", "Good 2"]  # once each: the second read posts nothing twice
    monkeypatch.undo()
    report = doctor_says(configured, slack)
    assert "*Good 0* could not be kept: the database refused one of its values (DataError)" in report


def test_a_rule_listed_so_unreadably_that_it_cannot_be_told_apart_resolves_no_firing(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    ghosts = qovery.ghost_rules.setdefault(acme.organization_id, [])
    qovery.add_ghost_rule(
        acme.organization_id, "Ghost 5xx", service_id=acme.service_ids[0], state="TRIGGERED"
    )
    subscribed(configured, slack, qovery)
    ghost = copy.deepcopy(ghosts[0])

    def unreadable() -> None:  # the same ghost, its name (what keys it) no longer text
        ghosts.clear()
        answer_with(qovery, acme.organization_id, ghost | {"name": None})

    reads(configured, Clock(), unreadable)
    assert len(posts(slack)) == 1
    assert resolved(slack) == []  # Qovery did not say it is over
    assert replies(slack) == []


def test_a_firing_row_the_bot_cannot_read_back_holds_up_no_alert(
    configured: Settings, slack: FakeSlack, qovery: FakeQovery, acme: Acme
) -> None:
    first, second = (
        qovery.add_alert_rule(acme.organization_id, f"Rule {n}", service_id=acme.service_ids[0])
        for n in (1, 2)
    )
    subscribed(configured, slack, qovery)
    clock = Clock()
    qovery.alert_rules[first] |= {"state": "TRIGGERED", "starts_at": clock.now.isoformat()}

    async def spoil() -> None:  # a row kept by an older bot, or damaged: its deployment unreadable
        engine = create_engine(configured.database_url)
        async with engine.begin() as connection:
            await connection.execute(update(alert_firings).values(blame="{not json"))
        await engine.dispose()

    def then_second_fires() -> None:
        asyncio.run(spoil())
        qovery.alert_rules[second] |= {"state": "TRIGGERED", "starts_at": clock.now.isoformat()}

    reads(configured, clock)
    then_second_fires()
    reads(configured, clock)
    assert [re.search(r"Rule \d", p.args["text"]).group() for p in posts(slack)] == ["Rule 1", "Rule 2"]  # type: ignore[union-attr]
    assert resolved(slack) == []
