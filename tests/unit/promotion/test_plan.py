"""A promotion's plan, pure: services matched by name, what is deployed and what is left as it is and
why, what it carries, the stored plan read back, and hostile names escaped within Block Kit's limits."""

from __future__ import annotations

import json

from bot.actions import Action, ActionKind, Promotion, Target
from bot.actions.plans import plan_from_json, plan_to_json
from bot.contents import ServiceVersion
from bot.promotion import ALREADY_THE_SAME, Sources, plan_message, plan_services
from bot.qovery import Commit, Service

NEW, OLD = "1" * 40, "2" * 40
STAGING = Target("e-s", "staging", "billing", "STAGING", "org", "p")
PRODUCTION = Target("e-p", "production", "billing", "PRODUCTION", "org", "p")


def service(service_id: str, name: str, kind: str = "APPLICATION") -> Service:
    return Service(id=service_id, name=name, service_type=kind)


def version(name: str, service_id: str, kind: str = "APPLICATION", **fields: str) -> ServiceVersion:
    return ServiceVersion(name, service_id, kind, **fields)


def commits(*shas: str) -> list[Commit]:
    return [Commit.model_validate({"git_commit_id": s, "message": "m", "author_name": "a"}) for s in shas]


def test_each_service_goes_from_the_targets_version_to_the_sources_and_only_changes_are_deployed() -> None:
    source = [service("s1", "api"), service("s2", "worker", "CONTAINER"), service("s3", "same")]
    target = [service("t1", "API"), service("t2", "worker", "CONTAINER"), service("t3", "same")]
    versions = (
        {"s1": version("api", "s1", sha=NEW), "s3": version("same", "s3", sha=OLD),
         "s2": version("worker", "s2", "CONTAINER", image="w", tag="1.5.0")},
        {"t1": version("api", "t1", sha=OLD), "t3": version("same", "t3", sha=OLD),
         "t2": version("worker", "t2", "CONTAINER", image="w", tag="1.4.2")},
    )  # fmt: skip
    listed = {"s1": commits(NEW, "3" * 40, OLD)}
    planned = plan_services(("staging", "production"), source, target, versions, Sources({}, {}), listed)
    by_name = {p.change.name: p for p in planned}
    assert by_name["API"].change.after == NEW
    assert by_name["API"].carried == "2 commits"
    assert by_name["API"].change.service_id == "t1"  # the target's service is deployed
    assert by_name["worker"].change.after == "1.5.0"
    assert by_name["same"].change.left == ALREADY_THE_SAME
    action = Action("T", "U", "C", ActionKind.PROMOTE, PRODUCTION, tuple(p.change for p in planned))
    assert [(v.service_id, v.commit, v.tag) for v in action.versions()] == [
        ("t1", NEW, None),
        ("t2", None, "1.5.0"),
    ]


def test_a_previous_commit_not_listed_is_said_never_a_wrong_count() -> None:
    versions = ({"s1": version("api", "s1", sha=NEW)}, {"t1": version("api", "t1", sha=OLD)})
    args = (
        ("staging", "production"),
        [service("s1", "api")],
        [service("t1", "api")],
        versions,
        Sources({}, {}),
    )
    [too_far] = plan_services(*args, {"s1": commits(NEW)})
    assert too_far.carried == "more than 100 commits, or history rewritten"
    [unread] = plan_services(*args, {"s1": None})
    assert unread.carried == "its commits could not be read"
    assert unread.promoted


def test_a_stored_plan_reads_back_with_where_it_comes_from() -> None:
    promotion = Promotion(STAGING, "x-1", None)
    action = Action("T", "U", "C", ActionKind.PROMOTE, PRODUCTION, (), promotion=promotion)
    assert plan_from_json(plan_to_json(action)) == (PRODUCTION, (), promotion)
    assert plan_from_json(json.dumps({"target": PRODUCTION.__dict__, "changes": []}))[2] is None  # older rows


def test_hostile_names_are_escaped_and_a_huge_plan_stays_within_slacks_limits() -> None:
    many = [service(f"s{n}", f"<!channel> svc{n} " + "x" * 200) for n in range(300)]
    targets = [service(f"t{n}", s.name) for n, s in enumerate(many)]
    versions = (
        {s.id: version(s.name, s.id, sha=NEW) for s in many},
        {t.id: version(t.name, t.id, sha=OLD) for t in targets},
    )
    planned = plan_services(("<!here>", "production"), many, targets, versions, Sources({}, {}), {})
    hostile = Target("e-s", "<!here>", "billing", "STAGING", "org", "p")
    action = Action("T", "U", "C", ActionKind.PROMOTE, PRODUCTION, tuple(p.change for p in planned),
                    promotion=Promotion(hostile, None, None), id=7)  # fmt: skip
    message = plan_message(action, planned, "*billing*")
    text = json.dumps(message)
    assert "<!channel>" not in text
    assert "<!here>" not in text
    assert len(message["blocks"]) <= 50
    assert "more services" in text or "svc299" in text  # every service said, or how many more
    assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
