"""The message that sums up what quiet hours held (SPEC §17): per environment, each deployment with its
status, who, the versions and when, linked to Qovery. Pure: the held deliveries and what Qovery's history
said of them in, a message out. Every name from outside is escaped and every text cut to Slack's limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import MAX_BLOCKS, Block, Message, context, cut, escape, section, slack_date
from bot.deliveries import (
    Deployment,
    Details,
    deployments_url,
    read_deployment,
    status_emoji,
    trigger_words,
    versions_words,
    where_words,
)
from bot.digests.ports import Held

__all__ = ["HeldDeployment", "held_deployments", "summary_message"]

_LINES_PER_ENVIRONMENT = 10
_ENVIRONMENTS_SHOWN = MAX_BLOCKS - 4  # a title, a closing line, and room to say how many more


@dataclass(frozen=True)
class HeldDeployment:
    """One deployment as its held events tell it: the last event's status, with what earlier ones knew."""

    key: str
    deployment: Deployment
    at: datetime  # its last event


def held_deployments(held: list[Held]) -> list[HeldDeployment]:
    """The deployments the held deliveries (oldest first) tell of, in the order they were first heard."""
    found: dict[str, HeldDeployment] = {}
    for delivery in held:
        deployment = read_deployment(delivery.kind, delivery.body)
        if deployment is None:
            continue  # only deployments' events are held
        key = deployment.key or f"delivery:{delivery.id}"
        earlier = found.get(key)
        if earlier is not None:
            deployment = deployment.merged_with(earlier.deployment)
        found[key] = HeldDeployment(key, deployment, deployment.at or delivery.received_at)
    return list(found.values())


def _line(held: HeldDeployment, details: Details | None) -> str:
    deployment = held.deployment
    parts = [f"{status_emoji(deployment.status)} {deployment.status.value}"]
    if details is not None:
        parts.append(trigger_words(details))
        if versions := versions_words(details.services, 4):
            parts.append(versions)
    parts.append(slack_date(held.at))
    if url := deployments_url(deployment):
        parts.append(f"<{url}|in Qovery>")
    return " · ".join(parts)


def summary_message(
    quiet_words: str, held: list[HeldDeployment], details: Mapping[str, Details | None]
) -> Message:
    """`quiet_words` say which quiet hours (`22:00-08:00 Europe/Paris`); `details` are by `key`."""
    environments: dict[str, list[HeldDeployment]] = {}
    for one in held:
        where = one.deployment.environment.id or where_words(one.deployment)
        environments.setdefault(where, []).append(one)
    count = len(held)
    title = f":crescent_moon: *While it was quiet* ({escape(quiet_words)}): {count} deployment"
    title += "s" if count != 1 else ""
    blocks: list[Block] = [section(title)]
    for group in list(environments.values())[:_ENVIRONMENTS_SHOWN]:
        first = group[-1].deployment
        heading = f"*{escape(cut(where_words(first), 150))}*"
        if first.environment_type:
            heading += f" ({escape(first.environment_type.lower())})"
        lines = [_line(one, details.get(one.key)) for one in group[-_LINES_PER_ENVIRONMENT:]]
        if len(group) > _LINES_PER_ENVIRONMENT:
            lines.insert(0, f"… {len(group) - _LINES_PER_ENVIRONMENT} earlier, then:")
        blocks.append(section("\n".join([heading, *lines])))
    if len(environments) > _ENVIRONMENTS_SHOWN:
        blocks.append(context(f"… and {len(environments) - _ENVIRONMENTS_SHOWN} more environments"))
    blocks.append(context("Held during quiet hours and summed up when they ended."))
    return {"text": cut(f"While it was quiet: {count} deployments", 300), "blocks": blocks}
