"""The pure walk of what a deployment carried: commits `prev..new` over Qovery's list (newest first, 100
at most), a rollback, a previous commit not listed, a tag, unchanged; the configuration changes of a
window; and the values rule of the audit log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from bot.contents import Change, ServiceVersion, changes, configuration_changes, walk
from bot.qovery import AuditEvent, AuditKind, Commit

ENV = "7c1e2d3f-0a1b-4c2d-8e3f-405162738495"
OTHER = "8d2f3e4a-1b2c-4d3e-9f4a-5162738495a6"
AT = datetime(2026, 12, 7, 10, tzinfo=UTC)


def sha(n: int) -> str:
    return hashlib.sha1(str(n).encode(), usedforsecurity=False).hexdigest()


def branch(count: int) -> list[Commit]:
    """`count` commits, newest first: c{count-1} ... c0."""
    return [Commit(git_commit_id=sha(n), message=f"change {n}\n\nbody") for n in reversed(range(count))]


def test_new_commits_are_those_from_the_deployed_one_back_to_not_including_the_previous_one() -> None:
    found = walk("api", "APPLICATION", branch(20), previous=sha(12), deployed=sha(15))
    assert found.change is Change.COMMITS
    assert [c.git_commit_id for c in found.commits] == [sha(15), sha(14), sha(13)]
    assert found.commits[0].first_line == "change 15"


def test_an_older_commit_than_the_previous_one_rolls_back_those_between() -> None:
    found = walk("api", "APPLICATION", branch(20), previous=sha(15), deployed=sha(12))
    assert found.change is Change.ROLLBACK
    assert [c.git_commit_id for c in found.commits] == [sha(15), sha(14), sha(13)]


def test_a_previous_commit_not_in_the_list_is_never_a_wrong_list() -> None:
    assert walk("api", "APPLICATION", branch(500)[:100], sha(0), sha(499)).change is Change.TOO_FAR
    assert walk("api", "APPLICATION", branch(500), sha(0), sha(499)).change is Change.TOO_FAR  # 100 read
    assert walk("api", "APPLICATION", branch(20), "f" * 40, sha(3)).change is Change.TOO_FAR  # rewritten
    assert walk("api", "APPLICATION", branch(20), sha(3), "e" * 40).commits == ()


def test_a_short_sha_matches_its_commit_and_the_same_commit_is_unchanged() -> None:
    assert walk("api", "APPLICATION", branch(20), sha(12)[:7], sha(13)).change is Change.COMMITS
    assert walk("api", "APPLICATION", branch(20), sha(12), sha(12)[:7]).change is Change.UNCHANGED


def test_each_service_says_its_change_a_container_its_tag() -> None:
    deployed = {
        "a": ServiceVersion("api", "a", "APPLICATION", sha=sha(15)),
        "w": ServiceVersion("worker", "w", "CONTAINER", image="ghcr.io/acme/worker", tag="1.5.0"),
        "d": ServiceVersion("db", "d", "DATABASE"),
        "j": ServiceVersion("cron", "j", "JOB", sha=sha(3)),
        "n": ServiceVersion("new", "n", "ARGOCD_APP"),
        "s": ServiceVersion("same", "s", "CONTAINER", image="nginx", tag="1.27"),
    }
    previous = {
        "a": ServiceVersion("api", "a", "APPLICATION", sha=sha(12)),
        "w": ServiceVersion("worker", "w", "CONTAINER", image="ghcr.io/acme/worker", tag="1.4.2"),
        "d": ServiceVersion("db", "d", "DATABASE"),
        "j": ServiceVersion("cron", "j", "JOB", sha=sha(2)),
        "s": ServiceVersion("same", "s", "CONTAINER", image="nginx", tag="1.27"),
    }
    found = {c.name: c for c in changes(deployed, previous, {"a": branch(20), "j": None})}
    assert found["api"].change is Change.COMMITS
    assert (found["worker"].change, found["worker"].old, found["worker"].new) == (
        Change.TAG,
        "ghcr.io/acme/worker:1.4.2",
        "ghcr.io/acme/worker:1.5.0",
    )
    assert found["db"].change is Change.UNVERSIONED
    assert found["cron"].change is Change.UNREAD  # Qovery did not answer: only the two versions
    assert found["new"].change is Change.NEW
    assert found["same"].change is Change.UNCHANGED


def event(minutes: int, **fields: object) -> AuditEvent:
    item = {
        "id": "0e3e61f5-067f-478d-b90a-03e701775b18",
        "timestamp": str(int((AT + timedelta(minutes=minutes)).timestamp()) * 10**9),
        "event_type": "UPDATE",
        "target_type": "APPLICATION",
        "target_name": "api",
        "environment_id": ENV,
        "triggered_by": "alice@acme.com",
        "origin": "CONSOLE",
    } | fields
    found = AuditEvent.read(item)
    assert found is not None
    return found


def test_configuration_changes_are_the_environments_in_the_window_oldest_first_and_no_trigger() -> None:
    events = [
        event(50, sub_target_type="VARIABLE", change='{"key": "B"}'),
        event(10, sub_target_type="SECRET", change='{"key": "A", "value": "hunter2"}'),
        event(20, sub_target_type="VARIABLE", environment_id=OTHER, change='{"key": "ELSEWHERE"}'),
        event(30, event_type="TRIGGER_DEPLOY", target_type="ENVIRONMENT"),
        event(40, event_type="DEPLOYED", target_type="ENVIRONMENT"),
        event(-5, sub_target_type="VARIABLE", change='{"key": "BEFORE"}'),
        event(70, sub_target_type="VARIABLE", change='{"key": "AFTER"}'),
        event(45, event_type="CREATE", target_type="CONTAINER", target_name="payments"),
    ]
    found = configuration_changes(events, ENV, AT, AT + timedelta(minutes=60))
    assert [(c.kind, c.shown.name or c.target_name, c.done) for c in found] == [
        (AuditKind.SECRET, "A", "changed"),
        (AuditKind.SERVICE, "payments", "created"),
        (AuditKind.VARIABLE, "B", "changed"),
    ]


def test_a_secrets_value_is_never_shown_whatever_qovery_puts_in_change() -> None:
    for change in ('{"key": "DB_PASSWORD", "value": "hunter2"}', "DB_PASSWORD=hunter2", '"hunter2"', "[1"):
        secret = event(1, sub_target_type="SECRET", change=change, original_change=change)
        assert "hunter2" not in repr(secret)
        assert "hunter2" not in str(secret.shown())
        assert secret.shown().settings == ()
    assert event(1, sub_target_type="SECRET", change="x=hunter2").shown().name == "api"  # the target's name


def test_a_setting_shows_the_keys_that_differ_only_when_both_sides_are_json_objects() -> None:
    edited = event(1, sub_target_type="ADVANCED_SETTINGS", change='{"a": 2, "b": 1, "c": [1]}',
                   original_change='{"a": 1, "b": 1}')  # fmt: skip
    assert [(s.key, s.old, s.new) for s in edited.shown().settings] == [("a", "1", "2"), ("c", None, "[1]")]
    assert event(1, sub_target_type="CONFIG", change='{"a": 2}', original_change="a=1").shown().settings == ()
    deep = "[" * 100_000 + "]" * 100_000
    assert event(1, sub_target_type="CONFIG", change=deep, original_change=deep).shown().settings == ()


def test_an_event_without_a_readable_time_or_type_is_left_out() -> None:
    assert AuditEvent.read({"timestamp": "99999999999999999999", "event_type": "UPDATE"}) is None
    assert AuditEvent.read({"timestamp": "1796119320000000000"}) is None
    assert AuditEvent.read(["not", "an", "event"]) is None
    found = AuditEvent.read({"timestamp": "1796119320000000000", "event_type": "SOMETHING_NEW",
                             "target_type": "QUANTUM_APP", "environment_id": "<!here>"})  # fmt: skip
    assert found is not None
    assert (found.kind, found.environment_id) == (AuditKind.OTHER, None)
