"""The approval policy (SPEC §16), pure: which actions on which environments wait, `cancel` never, and a
policy stored in a shape that no longer reads holds nothing back."""

from __future__ import annotations

import pytest

from bot.actions import ActionKind
from bot.approvals import GATED_BY_DEFAULT, Policy
from bot.qovery import EnvironmentType
from bot.subscriptions import Mention

LEADS = (Mention("group", "S0SRELEADS", "sre-leads"),)


@pytest.mark.parametrize(
    ("kind", "environment", "held"),
    [
        (ActionKind.ROLLBACK, "PRODUCTION", True),
        (ActionKind.DEPLOY, "production", True),
        (ActionKind.STOP, "PRODUCTION", True),
        (ActionKind.CANCEL, "PRODUCTION", False),  # never held back
        (ActionKind.ROLLBACK, "STAGING", False),
    ],
)
def test_the_default_policy_holds_back_the_four_actions_on_production(
    kind: ActionKind, environment: str, held: bool
) -> None:
    assert Policy((EnvironmentType.PRODUCTION,), LEADS).gates(kind, environment) is held


def test_a_policy_of_some_actions_holds_back_those_only() -> None:
    policy = Policy((EnvironmentType.STAGING, EnvironmentType.PRODUCTION), LEADS, (ActionKind.DEPLOY,))
    assert policy.gates(ActionKind.DEPLOY, "STAGING")
    assert not policy.gates(ActionKind.REDEPLOY, "PRODUCTION")
    assert Policy.from_json(policy.to_json()) == policy


def test_a_stored_policy_that_no_longer_reads_is_none() -> None:
    unknown_type = '{"environment_types": ["PROD"], "approvers": "", "actions": []}'
    cancel = '{"environment_types": ["PRODUCTION"], "approvers": "<@U0A1>", "actions": ["cancel"]}'
    for stored in ("", "null", "[]", "{not json", unknown_type, cancel):
        assert Policy.from_json(stored) is None
    assert GATED_BY_DEFAULT == (
        ActionKind.DEPLOY, ActionKind.REDEPLOY, ActionKind.ROLLBACK, ActionKind.STOP, ActionKind.PROMOTE
    )  # fmt: skip


def test_a_policy_stored_with_the_old_default_holds_promotions_back_too() -> None:
    old = (
        '{"environment_types": ["PRODUCTION"], "approvers": "<@U0A1>", '
        '"actions": ["deploy", "redeploy", "rollback", "stop"]}'
    )
    policy = Policy.from_json(old)
    assert policy is not None
    assert policy.gates(ActionKind.PROMOTE, "PRODUCTION")
    chosen = Policy.from_json(old.replace('"redeploy", ', ""))
    assert chosen is not None
    assert not chosen.gates(ActionKind.PROMOTE, "PRODUCTION")


def test_the_policys_words_escape_names_and_notify_by_id() -> None:
    words = Policy((EnvironmentType.PRODUCTION,), (*LEADS, Mention("user", "U0ALICE01", "alice"))).words()
    assert "<!subteam^S0SRELEADS|sre-leads>" in words
    assert "<@U0ALICE01|alice>" in words
    assert "`deploy, redeploy, rollback, stop, promote` on PRODUCTION environments" in words
