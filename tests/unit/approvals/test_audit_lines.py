"""An audit line names a few of an action's changes and says how many more it leaves out."""

from __future__ import annotations

from bot.actions.plans import Action, ActionKind, ActionState, ServiceChange, Target
from bot.approvals.views import audit_line

TARGET = Target("0e000000-0000-4000-8000-0000000000c1", "production", "billing", "PRODUCTION", "org")


def test_an_audit_line_says_how_many_changes_it_does_not_show() -> None:
    changes = tuple(ServiceChange(f"id-{n}", f"svc-{n}", "CONTAINER", "1.0", "1.1") for n in range(10))
    line = audit_line(Action("T1", "U1", "C1", ActionKind.ROLLBACK, TARGET, changes, state=ActionState.DONE))
    assert "svc-5 1.0→1.1, and 4 more" in line
    assert "svc-6" not in line


def test_an_action_whose_run_was_lost_says_its_outcome_is_unknown() -> None:
    lost = Action("T1", "U1", "C1", ActionKind.STOP, TARGET, state=ActionState.UNKNOWN, decided_by="U2")
    assert ":grey_question: outcome unknown · approved by <@U2>" in audit_line(lost)
