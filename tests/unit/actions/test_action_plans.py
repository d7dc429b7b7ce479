"""What a rollback deploys, over histories of several deployments (SPEC §12), and the permission rule;
pure and in memory."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.access import Access, BotConfig, Caller
from bot.actions.plans import (
    CANNOT_PIN,
    Action,
    ActionKind,
    ServiceChange,
    Target,
    current_versions,
    every_service,
    one_service,
    rollback_changes,
)
from bot.actions.views import confirmation
from bot.blocks import SECTION_LIMIT
from bot.errors import UserError
from bot.ports import Workspace
from bot.qovery import DeploymentHistory, Service, ServiceType, type_words
from tests.fakes.memory import MemoryWorkspaces
from tests.fakes.qovery_history import deployment

ENV = "0e000000-0000-4000-8000-0000000000c1"
IDS = {
    "api": "0a000000-0000-4000-8000-000000000001",
    "worker": "0a000000-0000-4000-8000-000000000002",
    "db": "0a000000-0000-4000-8000-000000000003",
}
SERVICES = [
    Service(id=IDS["api"], name="api", service_type="APPLICATION"),
    Service(id=IDS["worker"], name="worker", service_type="CONTAINER"),
    Service(id=IDS["db"], name="db", service_type="DATABASE"),
]
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

# Each deployment, newest first, as a letter: + successful, x failed, c cancelled, r running; and the
# version it gave: api's commit is the letter's position repeated, worker's tag `1.<position>`.
STATES = {"+": "DEPLOYED", "x": "DEPLOYMENT_ERROR", "c": "CANCELED", "r": "DEPLOYING"}


def history(pattern: str) -> list[DeploymentHistory]:
    return [
        DeploymentHistory.model_validate(
            deployment(
                ENV,
                status=STATES[letter],
                execution_id=f"e-{n}",
                created_at=NOW - timedelta(hours=n),
                commit=(str(n) * 40, "change", "Alice"),
                image=("ghcr.io/acme/worker", f"1.{n}"),
                failing="api" if letter == "x" else None,
                service_ids=IDS,
            )
        )
        for n, letter in enumerate(pattern)
    ]


@pytest.mark.parametrize(
    ("pattern", "in_question", "good"),
    [
        ("x+", None, 1),  # the latest failed: back to the one before
        ("+x+", None, 2),  # the latest succeeded: back to the success before it
        ("xcx+", None, 3),  # over cancelled and failed ones
        ("rx+x+", None, 2),  # one still running is the one in question
        ("x+x+", "e-2", 3),  # from a card: back from that card's deployment, not the latest
        ("xx+", "e-1", 2),
    ],
)
def test_rollback_goes_to_the_latest_success_before_the_one_in_question(
    pattern: str, in_question: str | None, good: int
) -> None:
    found, changes = rollback_changes(history(pattern), SERVICES, in_question)
    assert found.identifier.execution_id == f"e-{good}"
    now = int(in_question[2:]) if in_question else 0
    assert changes == (
        ServiceChange(IDS["api"], "api", "APPLICATION", before=str(now) * 40, after=str(good) * 40),
        ServiceChange(IDS["worker"], "worker", "CONTAINER", before=f"1.{now}", after=f"1.{good}"),
        ServiceChange(IDS["db"], "db", "DATABASE", left="the bot cannot pin its version"),
    )  # the database has no version: it is left as it is, and said so
    versions = [c.version() for c in changes if c.deployed]
    assert [(v.commit, v.tag) for v in versions] == [(str(good) * 40, None), (None, f"1.{good}")]


@pytest.mark.parametrize(
    ("pattern", "in_question", "said"),
    [
        ("", None, "nothing to roll back"),
        ("x", None, "no successful deployment before this one"),
        ("xxc", None, "no successful deployment before this one"),
        ("+", None, "no successful deployment before this one"),
        ("x+", "e-1", "no successful deployment before this one"),
        ("x+", "e-9", "do not include this card's deployment"),
    ],
)
def test_no_earlier_success_means_no_rollback(pattern: str, in_question: str | None, said: str) -> None:
    with pytest.raises(UserError, match=said):
        rollback_changes(history(pattern), SERVICES, in_question)


def test_a_service_deleted_since_is_left_out_and_none_left_is_said() -> None:
    _, changes = rollback_changes(history("x+"), SERVICES[1:])
    assert [c.name for c in changes if c.deployed] == ["worker"]
    created_since = Service(id="0a000000-0000-4000-8000-0000000000ff", name="new", service_type="APPLICATION")
    with pytest.raises(UserError, match="no longer exist"):
        rollback_changes(history("x+"), [*SERVICES[2:], created_since])
    with pytest.raises(UserError, match="applications, containers and jobs only"):
        rollback_changes(history("x+"), SERVICES[2:])


def test_deploy_plans_show_each_services_version_now() -> None:
    found = history("x+")
    assert current_versions(found) == {IDS["api"]: "0" * 40, IDS["worker"]: "1.0"}
    assert [(c.name, c.before, c.after) for c in every_service(SERVICES, found)] == [
        ("api", "0" * 40, None),
        ("db", None, None),  # deployed with the environment, as it is set in Qovery
        ("worker", "1.0", None),
    ]
    assert one_service(SERVICES, found, "WORKER", None, "2.0") == ServiceChange(
        IDS["worker"], "worker", "CONTAINER", before="1.0", after="2.0"
    )
    with pytest.raises(UserError, match="is a database: the bot cannot pin its version"):
        one_service(SERVICES, found, "db", "f" * 40, None)


KINDS = {"chart": "HELM", "infra": "TERRAFORM", "argo": "ARGOCD_APP", "agent": "AGENTIC_WORKFLOW",
         "nightly": "JOB", "quantum": "QUANTUM_THING"}  # fmt: skip
EVERY_ID = IDS | {name: f"0a000000-0000-4000-8000-0000000001{n:02d}" for n, name in enumerate(KINDS)}


def test_a_rollback_pins_what_deployAllServices_takes_and_leaves_every_other_kind_as_it_is() -> None:
    found = [
        DeploymentHistory.model_validate(
            deployment(ENV, status=status, execution_id=f"e-{n}", commit=(str(n) * 40, "change", "Alice"),
                       image=("ghcr.io/acme/worker", f"1.{n}"), service_ids=EVERY_ID, others=KINDS)
        )
        for n, status in enumerate(["DEPLOYMENT_ERROR", "DEPLOYED"])
    ]  # fmt: skip
    services = [*SERVICES, *(Service(id=EVERY_ID[n], name=n, service_type=k) for n, k in KINDS.items())]
    _, changes = rollback_changes(found, services)
    deployed = {c.name: (c.service_type, c.after) for c in changes if c.deployed}
    assert deployed == {
        "api": ("APPLICATION", "1" * 40),
        "worker": ("CONTAINER", "1.1"),
        "nightly": ("JOB", "2.1.0"),
    }
    left = {c.name: c.left for c in changes if not c.deployed}
    assert left == dict.fromkeys(
        ["agent", "argo", "chart", "db", "infra", "quantum"], "the bot cannot pin its version"
    )
    assert {v.service_type for c in changes if c.deployed for v in [c.version()]} == {
        "APPLICATION",
        "CONTAINER",
        "JOB",
    }
    with pytest.raises(UserError, match="is a Helm chart: the bot cannot pin its version"):
        one_service(services, found, "chart", "f" * 40, None)
    with pytest.raises(UserError, match="is a QUANTUM_THING: the bot cannot pin its version"):
        one_service(services, found, "quantum", None, "1.0")


@pytest.mark.parametrize(
    ("sent", "kind", "words"),
    [
        ("HELM", ServiceType.HELM, "Helm chart"),
        ("argocd_app", ServiceType.ARGOCD_APP, "Argo CD application"),
        ("AGENTIC_WORKFLOW", ServiceType.AGENTIC_WORKFLOW, "agentic workflow"),
        ("QUANTUM_THING", "QUANTUM_THING", "QUANTUM_THING"),
        ("X" * 10_000, "X" * 40, "X" * 40),  # bounded
        (42, "", ""),  # not a kind at all: the service is still read
    ],
)
def test_a_service_kind_is_read_tolerantly(sent: object, kind: str, words: str) -> None:
    service = Service.model_validate({"id": IDS["api"], "name": "x", "service_type": sent})
    assert service.service_type == kind
    assert type_words(service.service_type) == words


def test_a_confirmation_of_hundreds_of_hostile_services_stays_whole_within_slacks_limits() -> None:
    hostile = [
        ServiceChange(f"0a000000-0000-4000-8000-{n:012d}", "<!channel>" + "x" * 10_000, kind, left=CANNOT_PIN)
        for n, kind in enumerate(["<!here>" * 20, "HELM", "QUANTUM_THING"] * 100)
    ]
    pinned = ServiceChange(IDS["api"], "<@U0ADMIN>", "APPLICATION", before="a" * 40, after="b" * 40)
    target = Target(ENV, "production", "billing", "PRODUCTION", "0e000000-0000-4000-8000-0000000000a1")
    action = Action("T0", "U0", "C0", ActionKind.ROLLBACK, target, (pinned, *hostile), id=1)
    message = confirmation(action, own_token=False)
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    assert all(len(text) <= SECTION_LIMIT for text in texts)
    listed = "\n".join(texts)
    left = listed.count("left as it is")
    more = re.search(r"… and (\d+) more services", listed)
    assert left + (int(more.group(1)) if more else 0) == 300  # each line whole, the rest counted
    for mention in ("<!channel>", "<!here>", "<@U0ADMIN>"):
        assert mention not in listed
    assert "&lt;!here&gt;" in listed
    assert [v.service_id for v in action.versions()] == [IDS["api"]]  # only what Qovery can take


ADMIN, CONNECTOR, MEMBER, LISTED = "U0ADMIN", "U0CONNECT", "U0MEMBER", "U0LISTED"


class Admins:
    async def is_admin(self, user_id: str) -> bool:
        return user_id == ADMIN

    async def in_group(self, user_id: str, group_id: str) -> bool:
        return False

    async def email(self, user_id: str) -> str | None:
        return None


@pytest.mark.parametrize(
    ("user", "production", "own_token", "allowed"),
    [
        (ADMIN, True, False, True),
        (LISTED, True, False, True),  # in ADMIN_USER_IDS
        (CONNECTOR, True, False, False),  # the workspace's token is not theirs to use on production
        (CONNECTOR, False, False, True),
        (MEMBER, False, False, False),
        (MEMBER, True, True, True),  # with their own token, Qovery's roles decide
        (MEMBER, False, True, True),
    ],
)
def test_who_may_act(user: str, production: bool, own_token: bool, allowed: bool) -> None:
    workspaces = MemoryWorkspaces(Workspace("T1", "qov_x", "org", CONNECTOR))
    access = Access(BotConfig("https://bot", admin_user_ids=frozenset({LISTED})), workspaces, lambda _: None)  # type: ignore[arg-type,return-value]
    caller = Caller("T1", user, "C1", directory=Admins())
    check = access.check_may_act(caller, production=production, own_token=own_token)
    if allowed:
        asyncio.run(check)
    else:
        with pytest.raises(UserError, match="may act on"):
            asyncio.run(check)
