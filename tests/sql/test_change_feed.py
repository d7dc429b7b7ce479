"""The change feed's read on the database (both kinds), with a clock the test moves: each change posted
once whatever restarts, replicas or page boundaries come; one message per burst, when it ends; hostile
names escaped; another organization's project never shown; a flood read to its end."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from adapters.changefeed_schedule import ChangeReader
from adapters.sql.changefeed import SqlChanges
from adapters.sql.engine import create_engine, migrate
from adapters.sql.housekeeping import forget_old
from adapters.sql.jobs import SqlJobs
from bot.changefeed import ChangeFeed, ChangeFilters, ChangeKind, ChangeSubscription, job_name
from bot.qovery import AuditEvent, AuditLog, QoveryForbidden

T0 = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
ORG = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"
PROJECT = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
OTHER_PROJECT = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
PROD = "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
SECRET_VALUE = "s3cr3t-p4ssw0rd-value"


def ns(moment: datetime) -> int:
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def event(
    at: datetime, key: str, *, who: str = "alice@acme.com", sub: str = "VARIABLE", **more: Any
) -> dict[str, Any]:
    return {
        "timestamp": str(ns(at)), "event_type": "UPDATE", "target_type": "APPLICATION",
        "target_id": str(uuid.uuid4()), "target_name": "api", "sub_target_type": sub, "origin": "CONSOLE",
        "triggered_by": who, "project_id": PROJECT, "project_name": "backend", "environment_id": PROD,
        "environment_name": "production", "change": json.dumps({"key": key, "value": SECRET_VALUE}),
        "original_change": json.dumps({"key": key, "value": "old-" + SECRET_VALUE}),
    } | more  # fmt: skip


@dataclass
class Qovery:
    """Qovery's audit log as the client reads it: a window, newest first, at most `limit` a read."""

    events: list[dict[str, Any]] = field(default_factory=list)
    limit: int = 2000
    forbidden: bool = False
    reads: int = 0

    async def list_organization_events(
        self, organization_id: str, *, from_ns: int, to_ns: int, **_: Any
    ) -> AuditLog:
        self.reads += 1
        if self.forbidden:
            raise QoveryForbidden(403, "forbidden")
        found = [e for e in self.events if from_ns <= int(e["timestamp"]) <= to_ns]
        found.sort(key=lambda e: -int(e["timestamp"]))
        read = [x for x in (AuditEvent.read(e) for e in found[: self.limit]) if x is not None]
        return AuditLog(tuple(read), cut=len(found) > self.limit)

    async def list_projects(self, organization_id: str) -> list[Any]:
        return [SimpleNamespace(id=PROJECT, name="backend")]

    async def get_environment(self, environment_id: str) -> Any:
        return SimpleNamespace(mode="PRODUCTION", project=SimpleNamespace(id=PROJECT))


@dataclass
class Access:
    api: Qovery

    async def qovery(self, team_id: str) -> tuple[Any, str]:
        return self.api, ORG


@dataclass
class Slack:
    posts: list[tuple[str, str, dict[str, Any], str | None]] = field(default_factory=list)

    async def post(
        self, team_id: str, channel_id: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        self.posts.append((team_id, channel_id, message, thread_ts))
        return f"1700000000.{len(self.posts):06d}"

    def texts(self) -> list[str]:
        return [m["blocks"][0]["text"]["text"] for _, _, m, thread in self.posts if thread is None]


def feed(qovery: Qovery, slack: Slack, store: SqlChanges) -> ChangeFeed:
    return ChangeFeed(cast(Any, Access(qovery)), store, cast(Any, slack))


def run(database_url: str, scenario: Any) -> Any:
    async def go() -> Any:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            return await scenario(engine)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def subscribed(**filters: Any) -> ChangeSubscription:
    return ChangeSubscription("T1", "C1", ChangeFilters(**filters), T0, "U1")


def test_a_burst_is_one_message_posted_when_it_ends_and_a_restart_neither_loses_nor_repeats(
    database_url: str,
) -> None:
    qovery, slack = Qovery(), Slack()

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        await store.subscribe(subscribed(mention=()))
        qovery.events += [event(T0 + timedelta(seconds=10), "DATABASE_URL", sub="SECRET"),
                          event(T0 + timedelta(seconds=70), "LOG_LEVEL")]  # fmt: skip
        await feed(qovery, slack, store).read("T1", T0 + timedelta(seconds=90))
        assert slack.posts == []  # the burst goes on: nothing yet
        qovery.events.append(event(T0 + timedelta(seconds=150), "<!channel>"))
        # A restart: a new feed, the same database; then another one minute later.
        await feed(qovery, slack, store).read("T1", T0 + timedelta(seconds=160))
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=6))
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=7))

    run(database_url, scenario)
    assert len(slack.texts()) == 1
    text = slack.texts()[0]
    assert text.startswith(
        ":warning: *alice@acme.com*, from the console, changed 3 variables of backend / production"
    )
    assert "`DATABASE_URL` (secret, changed)" in text
    assert "`LOG_LEVEL` (changed)" in text
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert SECRET_VALUE not in json.dumps(slack.posts)


def test_two_replicas_read_once_and_a_flood_is_read_to_its_end(database_url: str) -> None:
    qovery, slack = Qovery(limit=2000), Slack()
    flood = [event(T0 + timedelta(seconds=1, microseconds=n * 100), f"V{n}", who=f"bot{n % 7}@acme.com")
             for n in range(5000)]  # fmt: skip
    flood.append(event(T0 + timedelta(seconds=2), "ELSEWHERE", project_id=OTHER_PROJECT, who="eve@evil.com"))
    flood.append({"timestamp": str(ns(T0 + timedelta(seconds=3))), "event_type": ["not", "a", "word"]})
    flood.append(event(T0 + timedelta(seconds=3), "", who="bot0@acme.com", change="{" * 1_000_000))

    async def scenario(engine: Any) -> int:
        store, jobs = SqlChanges(engine), SqlJobs(engine)
        await store.subscribe(subscribed())
        await jobs.ring(job_name("T1"), T0)
        qovery.events += flood
        replicas = [ChangeReader(jobs, feed(qovery, slack, store)) for _ in range(2)]
        now = T0 + timedelta(seconds=30)
        for _ in range(15):  # a minute at a time, both replicas looking
            await asyncio.gather(*(r.read_due(now) for r in replicas))
            now += timedelta(minutes=1)
        return len(await store.recent("T1", T0, None, limit=10_000))

    kept = run(database_url, scenario)
    assert kept == 5001  # every event of the flood, once; another organization's never
    assert len(slack.texts()) == 7  # one message per person's burst
    assert all("and " in t and "more" in t for t in slack.texts())  # cut, never a crash
    assert not any("eve@evil.com" in t for t in slack.texts())
    assert qovery.reads <= 15 * 1 + 3  # one read a minute for the organization, plus the flood's older part


def test_a_token_that_may_not_read_the_log_is_said_and_the_read_goes_on(database_url: str) -> None:
    qovery, slack = Qovery(forbidden=True), Slack()

    async def scenario(engine: Any) -> tuple[str | None, int]:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        qovery.events.append(event(T0 + timedelta(seconds=10), "LOG_LEVEL"))
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=1))
        cursor = await store.cursor("T1")
        qovery.forbidden = False
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        return cursor.trouble if cursor else None, len(slack.posts)

    trouble, posted = run(database_url, scenario)
    assert trouble is not None
    assert "may not read the organization's audit log" in trouble
    assert posted == 1  # nothing lost while the role could not read


def test_access_changes_are_marked_and_notify_the_mention_in_the_thread(database_url: str) -> None:
    from bot.subscriptions import mentions

    qovery, slack = Qovery(), Slack()

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        await store.subscribe(subscribed(mention=mentions("<@U0SRE|sre>")))
        qovery.events.append(event(T0 + timedelta(seconds=5), "", sub="API_TOKEN", target_type="ORGANIZATION",
                                   target_name="ci <!here>", event_type="CREATE", project_id=None,
                                   environment_id=None, environment_name="", project_name=""))  # fmt: skip
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))

    run(database_url, scenario)
    assert len(slack.posts) == 2
    assert slack.texts()[0].startswith(
        ":warning: *alice@acme.com*, from the console, changed 1 access setting of the organization"
    )
    assert "<!here>" not in slack.texts()[0]
    assert slack.posts[1][3] is not None
    assert "<@U0SRE>" in slack.posts[1][2]["text"]


def test_changes_are_kept_ninety_days(database_url: str) -> None:
    async def scenario(engine: Any) -> int:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        qovery, slack = Qovery(), Slack()
        qovery.events += [event(T0 + timedelta(seconds=5), "OLD"), event(T0 + timedelta(days=60), "YOUNG")]
        await feed(qovery, slack, store).read("T1", T0 + timedelta(days=61))
        await forget_old(engine, T0 + timedelta(days=91))
        return len(await store.recent("T1", T0, None, limit=100))

    assert run(database_url, scenario) == 1
    assert ChangeKind.ACCESS not in ChangeFilters(projects=("backend",)).posted_kinds()
