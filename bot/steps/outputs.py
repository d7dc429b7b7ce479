"""What a step's run answers: its outputs, strings escaped as any text from Qovery is (no mention
reaches anyone where a workflow shows them), and the words of an action that did not run."""

from __future__ import annotations

from collections.abc import Mapping

from bot.actions import Action, ActionState
from bot.blocks import cut, escape
from bot.qovery import DeploymentHistory, EnvironmentStatus

__all__ = ["Outputs", "action_outputs", "duration", "not_run", "out", "versions", "words"]

Outputs = Mapping[str, str | int]

_OUTPUT = 1000  # characters of one output


def out(text: str) -> str:
    """An output as a message may show it: escaped (no mention reaches anyone), and cut."""
    return cut(escape(text), _OUTPUT)


def words(state: str) -> str:
    return out(state.lower().replace("_", " "))


def action_outputs(action: Action) -> Outputs:
    versions = ", ".join(
        f"{change.name} {change.after or 'latest'}" for change in action.changes if change.left is None
    )
    link = ""
    if action.thread_ts:
        link = f"https://slack.com/archives/{action.channel_id}/p{action.thread_ts.replace('.', '')}"
    return {"status": words(action.outcome or "accepted"), "versions": out(versions), "card_link": link}


def not_run(action: Action) -> str:
    if action.state is ActionState.REJECTED:
        return "An approver rejected the request: nothing was done."
    if action.state is ActionState.EXPIRED:
        return "Nobody decided on the approval request in time: nothing was done."
    if action.state is ActionState.WITHDRAWN:
        return "The request for approval was withdrawn: nothing was done."
    if action.state is ActionState.UNKNOWN:  # Qovery was asked and did not answer: it may have run
        return (
            f"Whether it ran is not known ({action.outcome or 'no answer'}): the channel says what is known."
        )
    return f"Nothing was done: {action.outcome}" if action.outcome else "Nothing was done."


def versions(last: DeploymentHistory | None) -> str:
    if last is None:
        return ""
    found = []
    for stage in last.stages:
        for service in stage.services:
            details = service.details
            version = (details.commit.git_commit_id[:12] if details and details.commit else None) or (
                details.tag if details else None
            )
            found.append(f"{service.identifier.name} {version or '?'}")
    return out(", ".join(found))


def duration(last: DeploymentHistory | None, status: EnvironmentStatus) -> int:
    seconds = status.total_deployment_duration_in_seconds
    if seconds is not None and seconds >= 0:
        return seconds
    if last is not None and last.auditing_data.updated_at is not None:
        return max(0, int((last.auditing_data.updated_at - last.auditing_data.created_at).total_seconds()))
    return 0
