"""The client's reads of what a deployment carries, against the fake Qovery (spec-checked): a service's
commits, and the audit log's pages followed to the end of a window, bounded; one unreadable item is
left out, never the read; a value in `change` is never shown by an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters import qovery as client
from bot.qovery import AuditEvent, AuditKind, QoveryNotFound, QoveryUnavailable
from bot.qovery._audit import read_page
from tests.fakes.qovery_api import Acme, FakeQovery
from tests.fakes.qovery_contents import nanoseconds
from tests.test_qovery_client import call

API = "6f1c3c1e-8d3b-4b9a-9a51-2b2f0f1e7a10"


def test_commits_are_read_newest_first_and_one_without_a_readable_id_leaves_the_list_unread(
    qovery: FakeQovery, acme: Acme
) -> None:
    shas = qovery.add_commits(API, 5)
    found = call(qovery, acme.token, lambda api: api.list_commits("APPLICATION", API))
    assert [c.git_commit_id for c in found] == shas
    assert found[0].commit_page_url == f"https://github.com/acme/billing/commit/{shas[0]}"
    assert call(qovery, acme.token, lambda api: api.list_commits("JOB", API))[0].git_commit_id == shas[0]
    qovery.commits[API].insert(2, {**qovery.commits[API][2], "git_commit_id": "x"})  # not a commit id
    try:
        call(qovery, acme.token, lambda api: api.list_commits("APPLICATION", API))
    except QoveryUnavailable:
        pass  # a list with a hole would be walked into a wrong list of what went out
    else:
        raise AssertionError("a list of commits with one unreadable was read")


def test_a_container_has_no_commits_to_ask_for(qovery: FakeQovery, acme: Acme) -> None:
    try:
        call(qovery, acme.token, lambda api: api.list_commits("CONTAINER", API))
    except QoveryNotFound:
        pass
    else:
        raise AssertionError("a container's commits were asked for")
    assert qovery.calls == []


def test_the_audit_log_is_followed_page_by_page_to_the_end_of_its_window(
    qovery: FakeQovery, acme: Acme
) -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for n in range(35):
        qovery.add_audit_event(
            acme.organization_id,
            at=start + timedelta(minutes=n),
            sub_target_type="VARIABLE",
            environment_id=acme.environment_id if n % 5 else None,  # one in 5 of another environment
            change={"key": f"VAR_{n}", "value": f"hunter{n}"},
        )
    found = call(
        qovery,
        acme.token,
        lambda api: api.list_organization_events(
            acme.organization_id,
            environment_id=acme.environment_id,
            from_ns=nanoseconds(start + timedelta(minutes=2)),
            to_ns=nanoseconds(start + timedelta(minutes=30)),
            page_size=10,
        ),
    )
    names = [event.shown().name for event in found.events]
    assert names == [f"VAR_{n}" for n in range(30, 1, -1) if n % 5]
    assert not found.cut
    assert {e.kind for e in found.events} == {AuditKind.VARIABLE}
    assert "hunter" not in repr(found)
    # Each page ends with the last one's instant: 10, then 9 new a page (one read twice, kept once).
    assert len(qovery.calls_to("getOrganizationEvents")) == 4


def test_a_long_audit_log_is_read_to_a_bound_and_said_cut(
    qovery: FakeQovery, acme: Acme, monkeypatch: object
) -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for n in range(30):
        qovery.add_audit_event(acme.organization_id, at=start + timedelta(seconds=n))
    # Digits the spec allows, but a time past any sensible range: that one event is left out.
    qovery.add_audit_event(acme.organization_id, at=start, timestamp="99999999999999999999")
    setattr(client, "AUDIT_PAGES", 2)  # noqa: B010
    try:
        found = call(qovery, acme.token, lambda api: api.list_organization_events(acme.organization_id,
                                                                                   page_size=10))  # fmt: skip
    finally:
        setattr(client, "AUDIT_PAGES", 20)  # noqa: B010
    assert len(found.events) == 18  # two pages of 10, one read on both, the unreadable event left out
    assert found.cut


def test_events_sharing_a_timestamp_across_a_page_boundary_are_each_read_once(
    qovery: FakeQovery, acme: Acme
) -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for n in range(25):
        # Events 8 to 12 share one instant: a page of 10 ends among them.
        moment = start + timedelta(seconds=25 - (n if n < 8 else 8 if n <= 12 else n))
        qovery.add_audit_event(acme.organization_id, at=moment, sub_target_type="VARIABLE",
                               change={"key": f"VAR_{n}"})  # fmt: skip
    found = call(qovery, acme.token, lambda api: api.list_organization_events(acme.organization_id,
                                                                               page_size=10))  # fmt: skip
    names = sorted(str(e.shown().name) for e in found.events)
    assert names == sorted(f"VAR_{n}" for n in range(25))  # none lost, none twice
    assert not found.cut


def test_a_page_token_that_jumps_back_skips_no_event(
    qovery: FakeQovery, acme: Acme, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for n in range(25):
        qovery.add_audit_event(acme.organization_id, at=start + timedelta(seconds=n),
                               sub_target_type="VARIABLE", change={"key": f"VAR_{n}"})  # fmt: skip

    def jumping(body: object) -> tuple[list[AuditEvent], str | None, bool]:
        events, token, reached = read_page(body)
        return events, (str(int(token) - 5 * 10**9) if token else None), reached  # 5 seconds further back

    monkeypatch.setattr(client, "read_page", jumping)
    found = call(qovery, acme.token, lambda api: api.list_organization_events(acme.organization_id,
                                                                               page_size=10))  # fmt: skip
    assert sorted(str(e.shown().name) for e in found.events) == sorted(f"VAR_{n}" for n in range(25))


def test_a_pager_that_answers_the_same_page_again_counts_each_event_once(
    qovery: FakeQovery, acme: Acme
) -> None:
    start = datetime(2026, 12, 1, 10, tzinfo=UTC)
    for n in range(15):
        qovery.add_audit_event(
            acme.organization_id,
            at=start + timedelta(minutes=n),
            sub_target_type="VARIABLE",
            environment_id=acme.environment_id,
            change={"key": f"VAR_{n}"},
        )
    qovery.audit_pager_stuck = True
    found = call(
        qovery,
        acme.token,
        lambda api: api.list_organization_events(
            acme.organization_id, environment_id=acme.environment_id, page_size=10
        ),
    )
    # Pages are followed by time (each ends at the oldest event read), so a token that loops loses
    # nothing and repeats nothing.
    assert [event.shown().name for event in found.events] == [f"VAR_{n}" for n in range(14, -1, -1)]
    assert not found.cut
