"""What a rollback deploys, over histories of several deployments (SPEC §12), and the permission rule;
pure and in memory."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.access import Access, BotConfig, Caller
from bot.actions.plans import ServiceChange, current_versions, every_service, one_service, rollback_changes
from bot.errors import UserError
from bot.ports import Workspace
from bot.qovery import DeploymentHistory, Service
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
    )  # the database has no version: it is left as it is
    assert [c.version().commit for c in changes] == [str(good) * 40, None]
    assert [c.version().tag for c in changes] == [None, f"1.{good}"]


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
    assert [c.name for c in changes] == ["worker"]
    with pytest.raises(UserError, match="no longer exist"):
        rollback_changes(history("x+"), SERVICES[2:])


def test_deploy_plans_show_each_services_version_now() -> None:
    found = history("x+")
    assert current_versions(found) == {IDS["api"]: "0" * 40, IDS["worker"]: "1.0"}
    assert [(c.name, c.before, c.after) for c in every_service(SERVICES, found)] == [
        ("api", "0" * 40, None),
        ("worker", "1.0", None),
    ]
    assert one_service(SERVICES, found, "WORKER", None, "2.0") == ServiceChange(
        IDS["worker"], "worker", "CONTAINER", before="1.0", after="2.0"
    )
    with pytest.raises(UserError, match="is a database"):
        one_service(SERVICES, found, "db", "f" * 40, None)


ADMIN, CONNECTOR, MEMBER, LISTED = "U0ADMIN", "U0CONNECT", "U0MEMBER", "U0LISTED"


class Admins:
    async def is_admin(self, user_id: str) -> bool:
        return user_id == ADMIN

    async def in_group(self, user_id: str, group_id: str) -> bool:
        return False


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
