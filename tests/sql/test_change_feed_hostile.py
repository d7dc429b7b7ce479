"""The change feed attacked: words from Qovery that would mention a channel, strings no database takes,
with a clock the test moves, on both databases (the helpers are tests/sql/test_change_feed.py's).
Over 300 lines: one short test per way the feed was attacked, each with its own small fake."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

from adapters.changefeed_schedule import ChangeReader
from adapters.sql.changefeed import SqlChanges
from adapters.sql.jobs import SqlJobs
from bot.access import Caller
from bot.changefeed import ChangeCommands, ChangeFeed, ChangeFilters, ChangeSubscription, job_name
from bot.errors import UserError
from bot.ports import SlackFailure
from bot.qovery import EnvironmentType, QoveryForbidden, QoveryUnavailable
from bot.subscriptions import mentions
from tests.sql.test_change_feed import PROJECT, T0, Qovery, Slack, event, feed, ns, run, subscribed


def said(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False)


MASS = ("<!channel>", "<!here>", "<!everyone>")


def test_qovery_words_that_would_mention_a_channel_mention_nobody(database_url: str) -> None:
    qovery, slack = Qovery(), Slack()
    qovery.events += [
        event(T0 + timedelta(seconds=5), "LOG_LEVEL", event_type="<!channel>", origin="<!here>"),
        event(T0 + timedelta(seconds=6), "", who="bob@acme.com", target_type="MEMBERS_AND_ROLES",
              sub="<!everyone>", project_id=None, environment_id=None),
    ]  # fmt: skip

    async def scenario(engine: Any) -> list[str]:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        return [c.event_type for c in await store.recent("T1", T0, None, limit=10)]

    run(database_url, scenario)
    posted = json.dumps([m for _, _, m, _ in slack.posts]).lower()
    assert len(slack.texts()) == 2  # both changes posted, neither dropped
    assert not any(mass in posted for mass in MASS)
    assert "log_level" in posted


def test_a_name_with_a_nul_or_a_lone_surrogate_is_kept_and_holds_up_no_read(database_url: str) -> None:
    qovery, slack = Qovery(), Slack()
    qovery.events += [
        event(T0 + timedelta(seconds=5), "K\udfff\x00", who="bob\ud800@acme.com", target_name="api\x00",
              project_name="back\x00end", origin="CON\x00SOLE"),
        event(T0 + timedelta(seconds=6), "LOG_LEVEL"),
    ]  # fmt: skip

    async def scenario(engine: Any) -> int:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        return len(await store.recent("T1", T0, None, limit=10))

    assert run(database_url, scenario) == 2
    assert len(slack.texts()) == 2  # bob's burst and alice's, both posted
    # made one line and storable: the control character and the lone surrogate half are gone
    assert any("`K`" in t and "\x00" not in t for t in slack.texts()), slack.texts()


OTHER_ENV = "3d4e5f6a-7b8c-4d9e-8f1a-2b3c4d5e6f7a"


@dataclass
class TwoOrganizations(Qovery):
    """Qovery where OTHER_ENV is another organization's environment: the token may not see it."""

    async def get_environment(self, environment_id: str) -> Any:
        if environment_id == OTHER_ENV:
            raise QoveryForbidden(403, "forbidden")
        return await super().get_environment(environment_id)


def test_an_event_of_another_organizations_environment_is_never_shown(database_url: str) -> None:
    qovery, slack = TwoOrganizations(), Slack()
    qovery.events += [
        event(T0 + timedelta(seconds=5), "THEIR_SECRET", who="eve@evil.com", project_id=None,
              environment_id=OTHER_ENV, project_name="their-project", environment_name="their-prod"),
        event(T0 + timedelta(seconds=6), "LOG_LEVEL"),
    ]  # fmt: skip

    async def scenario(engine: Any) -> list[str]:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        return [c.triggered_by for c in await store.recent("T1", T0, None, limit=10)]

    assert run(database_url, scenario) == ["alice@acme.com"]
    posted = json.dumps([m for _, _, m, _ in slack.posts])
    assert "LOG_LEVEL" in posted
    assert "THEIR_SECRET" not in posted
    assert "eve@evil.com" not in posted


@dataclass
class Flaky(Qovery):
    """Qovery that fails `getEnvironment` the first `failures` times."""

    failures: int = 1

    async def get_environment(self, environment_id: str) -> Any:
        if self.failures:
            self.failures -= 1
            raise QoveryUnavailable(503, "unavailable")
        return await super().get_environment(environment_id)


def test_a_production_secret_read_while_qovery_fails_its_environment_is_marked_and_reaches_production(
    database_url: str,
) -> None:
    qovery, slack = Flaky(), Slack()
    qovery.events.append(event(T0 + timedelta(seconds=5), "DATABASE_URL", sub="SECRET"))

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        filters = ChangeFilters(envs=(EnvironmentType.PRODUCTION,), mention=mentions("<@U0SRE|sre>"))
        await store.subscribe(ChangeSubscription("T1", "C1", filters, T0, "U1"))
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=6))  # Qovery answers again

    run(database_url, scenario)
    assert len(slack.texts()) == 1
    assert slack.texts()[0].startswith(":warning:")
    assert "<@U0SRE>" in slack.posts[1][2]["text"]  # the production secret's mention, in the thread


def test_changes_to_more_environments_than_one_read_looks_up_all_reach_a_production_channel(
    database_url: str,
) -> None:
    qovery, slack = Qovery(), Slack()
    qovery.events += [
        event(T0 + timedelta(seconds=5, microseconds=n), f"V{n}", environment_id=str(uuid.uuid4()))
        for n in range(120)
    ]

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        filters = ChangeFilters(envs=(EnvironmentType.PRODUCTION,))
        await store.subscribe(ChangeSubscription("T1", "C1", filters, T0, "U1"))
        reader = feed(qovery, slack, store)  # one replica, reading every minute
        for minute in range(5, 13):
            await reader.read("T1", T0 + timedelta(minutes=minute))

    run(database_url, scenario)
    assert len(slack.texts()) == 120  # one burst per environment, every one posted


def test_changes_by_a_person_or_to_a_place_are_found_behind_a_flood_of_newer_ones(database_url: str) -> None:
    qovery, slack = Qovery(), Slack()
    qovery.events.append(event(T0 + timedelta(seconds=1), "ALICE_WAS_HERE", environment_name="staging"))
    qovery.events += [event(T0 + timedelta(seconds=2, microseconds=n), f"V{n}", who="ci@acme.com")
                      for n in range(600)]  # fmt: skip

    async def scenario(engine: Any) -> list[str]:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        commands = ChangeCommands(cast(Any, None), store, SqlJobs(engine), cast(Any, slack),
                                  clock=lambda: T0 + timedelta(hours=1))  # fmt: skip
        caller = Caller("T1", "U1", "C1")
        asked = [("", "ALICE@acme.com"), ("backend/staging", None)]
        return [said(await commands.recent(caller, where, timedelta(days=7), user)) for where, user in asked]

    for answer in run(database_url, scenario):
        assert "ALICE_WAS_HERE" in answer
        assert "none recorded" not in answer


def test_a_read_cut_inside_one_microsecond_loses_none_of_its_older_events(database_url: str) -> None:
    qovery, slack = Qovery(limit=3), Slack()
    u = ns(T0 + timedelta(seconds=10))  # Qovery's times are nanoseconds: several events in one microsecond
    for n, at in enumerate((u + 1000, u + 900, u + 500, u + 100, u - 5000)):
        qovery.events.append(event(T0, f"V{n}") | {"timestamp": str(at)})

    async def scenario(engine: Any) -> int:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        for minute in range(1, 8):
            await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=minute))
        return len(await store.recent("T1", T0, None, limit=10))

    assert run(database_url, scenario) == 5


@dataclass
class UnsubscribedMeanwhile(Qovery):
    """Qovery answering while someone types `changes unsubscribe` in the channel."""

    store: Any = None

    async def list_organization_events(self, organization_id: str, **asked: Any) -> Any:
        await self.store.unsubscribe("T1", "C1")
        return await super().list_organization_events(organization_id, **asked)


def test_a_channel_unsubscribed_during_a_read_gets_nothing_more(database_url: str) -> None:
    qovery, slack = UnsubscribedMeanwhile(), Slack()
    qovery.events.append(event(T0 + timedelta(seconds=5), "LOG_LEVEL"))

    async def scenario(engine: Any) -> Any:
        store = qovery.store = SqlChanges(engine)
        await store.subscribe(subscribed())
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        return await store.subscriptions("T1")

    assert run(database_url, scenario) == []
    assert slack.posts == []  # "no longer gets the change feed" holds from the moment it is said


@dataclass
class RateLimited(Slack):
    """Slack that rate-limits the first message to C2 (it takes it when asked again)."""

    refused: int = 1

    async def post(
        self, team_id: str, channel_id: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        if channel_id == "C2" and self.refused:
            self.refused -= 1
            raise SlackFailure("rate limited by Slack", retry_after=1.0)
        return await super().post(team_id, channel_id, message, thread_ts)


def test_a_burst_slack_rate_limits_in_one_channel_reaches_it_later_and_no_other_twice(
    database_url: str,
) -> None:
    qovery, slack = Qovery(), RateLimited()
    qovery.events.append(event(T0 + timedelta(seconds=5), "LOG_LEVEL"))

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        for channel in ("C1", "C2", "C3"):
            await store.subscribe(ChangeSubscription("T1", channel, ChangeFilters(), T0, "U1"))
        for minute in (5, 6, 7):
            await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=minute))

    run(database_url, scenario)
    assert sorted(channel for _, channel, _, _ in slack.posts) == ["C1", "C2", "C3"]


@dataclass
class ProjectDeleted(Qovery):
    """Qovery once the project is deleted: no longer listed."""

    deleted: bool = False

    async def list_projects(self, organization_id: str) -> list[Any]:
        return [] if self.deleted else await super().list_projects(organization_id)


def test_a_project_deleted_is_posted_with_its_last_changes(database_url: str) -> None:
    qovery, slack = ProjectDeleted(), Slack()

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        reader = feed(qovery, slack, store)  # one replica, reading every minute
        await reader.read("T1", T0 + timedelta(minutes=1))
        qovery.events += [
            event(T0 + timedelta(seconds=70), "LAST_WORDS"),
            event(T0 + timedelta(seconds=80), "", event_type="DELETE", target_type="PROJECT",
                  target_name="backend", target_id=PROJECT, environment_id=None, environment_name="")
            | {"sub_target_type": None},
        ]  # fmt: skip
        qovery.deleted = True
        for minute in range(2, 7):
            await reader.read("T1", T0 + timedelta(minutes=minute))

    run(database_url, scenario)
    posted = " ".join(slack.texts())
    assert "LAST_WORDS" in posted
    assert "project `backend` (deleted)" in posted


def test_a_channel_subscribing_while_a_read_finds_none_is_still_read(database_url: str) -> None:
    async def scenario(engine: Any) -> list[str]:
        store, jobs = SqlChanges(engine), SqlJobs(engine)

        class SubscribedMeanwhile:
            """The read finds no channel; meanwhile `changes subscribe` is typed (and rings)."""

            async def read(self, team_id: str, now: Any) -> bool:
                await store.subscribe(subscribed())
                await jobs.ring(job_name("T1"), now + timedelta(seconds=1))
                return False

        await jobs.ring(job_name("T1"), T0)
        await ChangeReader(jobs, cast(Any, SubscribedMeanwhile())).read_due(T0)
        return await jobs.due("changes:", T0 + timedelta(seconds=2))

    assert run(database_url, scenario) == [job_name("T1")]  # the new channel's feed is read


def test_a_workspace_whose_qovery_token_is_gone_is_said_in_words_not_a_traceback_a_minute(
    database_url: str, caplog: Any
) -> None:
    class Disconnected:
        async def qovery(self, team_id: str) -> Any:
            raise UserError("This workspace has no Qovery token yet: an admin can connect one.")

    async def scenario(engine: Any) -> Any:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        jobs = SqlJobs(engine)
        await jobs.ring(job_name("T1"), T0)
        changes = ChangeFeed(cast(Any, Disconnected()), store, cast(Any, Slack()))
        await ChangeReader(jobs, changes).read_due(T0 + timedelta(minutes=1))
        return await store.cursor("T1")

    cursor = run(database_url, scenario)
    assert cursor is not None
    assert "no Qovery token" in str(cursor.trouble)  # what `changes list` and `changes` say
    assert not [r for r in caplog.records if r.exc_info]


@dataclass
class WrittenLate(Qovery):
    """Qovery's audit log writing an event some seconds after its time (or its clock behind the bot's)."""

    hidden: list[dict[str, Any]] = field(default_factory=list)

    async def list_organization_events(self, organization_id: str, **asked: Any) -> Any:
        found = await super().list_organization_events(organization_id, **asked)
        self.events += self.hidden  # written now: seen by the next read
        self.hidden = []
        return found


def test_an_event_qovery_writes_late_is_still_read(database_url: str) -> None:
    qovery, slack = WrittenLate(), Slack()
    qovery.hidden.append(event(T0 + timedelta(seconds=55), "WRITTEN_LATE"))

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        for seconds in (60, 120, 180, 240, 300, 360):
            await feed(qovery, slack, store).read("T1", T0 + timedelta(seconds=seconds))

    run(database_url, scenario)
    assert ["WRITTEN_LATE" in t for t in slack.texts()] == [True]


def test_changes_list_of_many_channels_lists_them_all_and_still_says_the_trouble(database_url: str) -> None:
    async def scenario(engine: Any) -> str:
        store = SqlChanges(engine)
        for n in range(80):
            await store.subscribe(ChangeSubscription("T1", f"C{n:03d}", ChangeFilters(), T0, "U1"))
        qovery, slack = Qovery(forbidden=True), Slack()
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=1))
        commands = ChangeCommands(cast(Any, None), store, SqlJobs(engine), cast(Any, slack))
        return said(await commands.list_channels(Caller("T1", "U1", "C000")))

    answer = run(database_url, scenario)
    assert all(f"<#C{n:03d}>" in answer for n in range(80))
    assert "may not read the organization's audit log" in answer


def test_a_replica_taking_over_a_read_that_outlived_its_hold_posts_no_burst_twice(database_url: str) -> None:
    qovery = Qovery()
    qovery.events += [event(T0 + timedelta(seconds=5), "LOG_LEVEL"),
                      event(T0 + timedelta(seconds=6), "SSO", who="bob@acme.com")]  # fmt: skip

    async def scenario(engine: Any) -> list[str]:
        store, jobs = SqlChanges(engine), SqlJobs(engine)
        await store.subscribe(subscribed())
        await jobs.ring(job_name("T1"), T0)

        @dataclass
        class SlowSlack(Slack):
            """Slack so slow on the first post that the read outlives its hold: the other replica takes
            the job meanwhile."""

            async def post(self, team_id: str, channel_id: str, message: Any, thread_ts: Any = None) -> str:
                if not self.posts:
                    await other.read_due(T0 + timedelta(minutes=12))
                return await super().post(team_id, channel_id, message, thread_ts)

        slack = SlowSlack()
        other = ChangeReader(jobs, feed(qovery, slack, store))
        await ChangeReader(jobs, feed(qovery, slack, store)).read_due(T0 + timedelta(minutes=5))
        return slack.texts()

    texts = run(database_url, scenario)
    assert len(texts) == 2  # alice's burst and bob's, once each
    assert len(set(texts)) == 2


def test_an_environment_qovery_never_describes_holds_up_the_feed_a_few_minutes_only(
    database_url: str,
) -> None:
    qovery, slack = Flaky(failures=10_000), Slack()
    qovery.events.append(event(T0 + timedelta(seconds=5), "LOG_LEVEL"))

    async def scenario(engine: Any) -> None:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        reader = feed(qovery, slack, store)  # one replica, reading every minute
        for minute in range(5, 12):
            await reader.read("T1", T0 + timedelta(minutes=minute))

    run(database_url, scenario)
    assert len(slack.texts()) == 1  # posted, its environment's type unknown


class Directory:
    """Slack's people: U0ZOE is zoe@acme.com."""

    async def is_admin(self, user_id: str) -> bool:
        return False

    async def in_group(self, user_id: str, group_id: str) -> bool:
        return False

    async def email(self, user_id: str) -> str | None:
        return "Zoe@acme.com" if user_id == "U0ZOE" else None


@dataclass
class People(Slack):
    async def user_by_email(self, team_id: str, email: str) -> str | None:
        return "U0ZOE" if email == "zoe@acme.com" else "U0OTHER"


def test_changes_by_a_slack_member_are_found_among_many_people(database_url: str) -> None:
    qovery, slack = Qovery(), People()
    qovery.events += [event(T0 + timedelta(seconds=1, microseconds=n), f"V{n}", who=f"dev{n:02d}@acme.com")
                      for n in range(60)]  # fmt: skip
    qovery.events.append(event(T0 + timedelta(seconds=2), "ZOE_WAS_HERE", who="zoe@acme.com"))

    async def scenario(engine: Any) -> str:
        store = SqlChanges(engine)
        await store.subscribe(subscribed())
        await feed(qovery, slack, store).read("T1", T0 + timedelta(minutes=5))
        commands = ChangeCommands(cast(Any, None), store, SqlJobs(engine), cast(Any, slack),
                                  clock=lambda: T0 + timedelta(hours=1))  # fmt: skip
        caller = Caller("T1", "U1", "C1", directory=Directory())
        return said(await commands.recent(caller, "", timedelta(days=7), "<@U0ZOE>"))

    answer = run(database_url, scenario)
    assert "ZOE_WAS_HERE" in answer
