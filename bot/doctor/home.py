"""The App Home tab (SPEC §13): the workspace's connection, each channel's subscriptions, the latest
deliveries (failures first) and the doctor's findings, with the buttons of the slash command's answers.

Built when the tab is opened and after a click in it. A home view holds at most 100 blocks: findings and
deliveries show the first few, and subscriptions go by pages of `PER_PAGE`, with Previous and Next.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.access import Access, BotConfig, Caller
from bot.blocks import Block, button, confirm, context, cut, escape, header, section, slack_date
from bot.deliveries import DeliveryQueue, DeliveryRecord, DeliveryState, delivery_block
from bot.doctor.diagnosis import Finding
from bot.doctor.doctor import finding_blocks
from bot.doctor.ports import Findings
from bot.errors import UserError
from bot.ports import Workspaces
from bot.qovery import QoveryError, Webhook
from bot.subscriptions import UNSUBSCRIBE_ACTION, Hook, Hooks, describe

__all__ = ["DOCTOR_ACTION", "HOME_BLOCK_LIMIT", "PAGE_ACTION", "PER_PAGE", "AppHome", "read_page"]

HOME_BLOCK_LIMIT = 100  # Slack's, for a home tab
PAGE_ACTION = "home_page"
DOCTOR_ACTION = "home_doctor"
PER_PAGE = 15
_FINDINGS_SHOWN = 10
_DELIVERIES_SHOWN = 10


def read_page(value: object) -> int:
    """The page a Previous/Next button (or the view's metadata) names; the first for anything else."""
    text = value if isinstance(value, str) else ""
    match = re.fullmatch(r"page:([0-9]{1,6})", text) or re.search(r'"page":\s*([0-9]{1,6})', text)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class _Seen:
    """What the home shows, gathered."""

    connection: str
    subscriptions: list[tuple[Hook, Webhook | None]]
    deliveries: list[DeliveryRecord]
    findings: list[tuple[Finding, datetime]]
    actions: list[str] = field(default_factory=list)  # the last actions from Slack, a line each
    freezes: list[str] = field(default_factory=list)  # the freezes in force and the next, a line each


class AppHome:
    def __init__(
        self,
        config: BotConfig,
        access: Access,
        workspaces: Workspaces,
        hooks: Hooks,
        queue: DeliveryQueue,
        findings: Findings,
        latest_actions: Callable[[str], Awaitable[list[str]]] | None = None,
        freezes: Callable[[str], Awaitable[list[str]]] | None = None,
    ) -> None:
        self._freezes = freezes  # the release freezes in force and the next to start
        self._latest_actions = latest_actions  # the audit trail's last lines (SPEC §16)
        self._config = config
        self._access = access
        self._workspaces = workspaces
        self._hooks = hooks
        self._queue = queue
        self._findings = findings

    async def view(self, caller: Caller, page: int = 0, notice: str | None = None) -> dict[str, Any]:
        """The tab as `caller` sees it, at `page` of the subscriptions; `notice` says what a click did."""
        seen = await self._gather(caller.team_id)
        return render_home(seen, self._config.slash_command, page, notice)

    async def _gather(self, team_id: str) -> _Seen:
        hooks = await self._hooks.of_team(team_id)
        connection, webhooks = await self._connection(team_id)
        records, found = await asyncio.gather(
            self._queue.recent(team_id, None, 50), self._findings.open(team_id)
        )
        by_id = {w.id: w for w in webhooks}
        subscriptions = [(h, by_id.get(h.webhook_id or "")) for h in hooks]
        # Failures first, then the newest.
        records.sort(key=lambda r: (r.state is not DeliveryState.FAILED, -r.received_at.timestamp()))
        actions = await self._latest_actions(team_id) if self._latest_actions else []
        freezes = await self._freezes(team_id) if self._freezes else []
        return _Seen(connection, subscriptions, records, found, actions, freezes)

    async def _connection(self, team_id: str) -> tuple[str, list[Webhook]]:
        workspace = await self._workspaces.get(team_id)
        try:
            api, organization_id = await self._access.qovery(team_id)
            organizations, webhooks = await asyncio.gather(
                api.list_organizations(), api.list_webhooks(organization_id)
            )
        except UserError as error:
            return f":warning: {escape(error.message)}", []
        except QoveryError as error:
            return f":warning: {error.sentence(self._config.slash_command)}", []  # mrkdwn-safe
        name = next((o.name for o in organizations if o.id == organization_id), organization_id)
        line = f":large_green_circle: Connected to the Qovery organization *{escape(cut(name, 80))}*"
        if workspace is not None and workspace.qovery_token and workspace.connected_by:
            line += f", by <@{workspace.connected_by}>"
        else:
            line += ", with the bot's own token (`QOVERY_API_TOKEN`)"
        return line + ".", webhooks


def render_home(seen: _Seen, command: str, page: int, notice: str | None) -> dict[str, Any]:
    blocks: list[Block] = [header("Qovery deployments")]
    if notice:
        blocks.append(section(cut(notice, 3000)))
    blocks += [section(seen.connection), {"type": "divider"}]
    blocks += _findings(seen.findings)
    blocks += [{"type": "divider"}, *_deliveries(seen.deliveries), {"type": "divider"}]
    if seen.freezes:
        lines = "\n".join(seen.freezes)
        blocks += [section(cut(f"*Release freezes* (`{command} policy freeze list`)\n{lines}", 3000))]
        blocks.append({"type": "divider"})
    if seen.actions:
        lines = "\n".join(seen.actions)
        blocks += [
            section(cut(f":scroll: *Last actions from Slack* (`{command} audit` for more)\n{lines}", 3000))
        ]
        blocks.append({"type": "divider"})
    pages = max(1, -(-len(seen.subscriptions) // PER_PAGE))
    page = min(max(page, 0), pages - 1)  # a page that no longer exists shows the nearest one
    blocks += _subscriptions(seen.subscriptions, command, page, pages)
    metadata = json.dumps({"page": page})
    return {"type": "home", "blocks": blocks[:HOME_BLOCK_LIMIT], "private_metadata": metadata}


def _findings(found: list[tuple[Finding, datetime]]) -> list[Block]:
    title = section(f":stethoscope: *Doctor* · {len(found) or 'no'} problem{'s' if len(found) != 1 else ''}")
    title["accessory"] = button("Run the doctor", DOCTOR_ACTION, value="doctor")
    blocks = [title, *finding_blocks([f for f, _ in found[:_FINDINGS_SHOWN]])]
    if found:
        since = min(at for _, at in found)
        more = f"… and {len(found) - _FINDINGS_SHOWN} more. " if len(found) > _FINDINGS_SHOWN else ""
        blocks.append(context(f"{more}Open since {slack_date(since)}; the doctor looks again every hour."))
    return blocks


def _deliveries(records: list[DeliveryRecord]) -> list[Block]:
    failed = sum(r.state is DeliveryState.FAILED for r in records)
    blocks = [section(f":inbox_tray: *Latest deliveries* · {failed} failed")]
    blocks += [delivery_block(r, channel=True) for r in records[:_DELIVERIES_SHOWN]]
    if not records:
        blocks.append(context("Qovery has delivered nothing yet."))
    return blocks


def _subscriptions(
    subscriptions: list[tuple[Hook, Webhook | None]], command: str, page: int, pages: int
) -> list[Block]:
    count = len(subscriptions)
    blocks = [
        section(f":satellite_antenna: *Subscriptions* · {count} channel webhook{'s' if count != 1 else ''}")
    ]
    if not subscriptions:
        blocks.append(context(f"No channel is subscribed: `{command} subscribe` in a channel."))
    ordered = sorted(subscriptions, key=lambda s: (s[0].channel_name or s[0].channel_id, s[0].created_at))
    for hook, webhook in ordered[page * PER_PAGE : (page + 1) * PER_PAGE]:
        blocks.append(_subscription(hook, webhook))
    if pages > 1:
        blocks.append(context(f"Page {page + 1} of {pages}"))
        turns = []
        if page > 0:
            turns.append(button("Previous", f"{PAGE_ACTION}_previous", value=f"page:{page - 1}"))
        if page < pages - 1:
            turns.append(button("Next", f"{PAGE_ACTION}_next", value=f"page:{page + 1}"))
        blocks.append({"type": "actions", "elements": turns})
    return blocks


def _subscription(hook: Hook, webhook: Webhook | None) -> Block:
    if webhook is None:
        return section(f"<#{hook.channel_id}> · its webhook is not at Qovery: see the doctor's findings.")
    block = section(f"<#{hook.channel_id}>\n" + describe(webhook, hook, ""))
    sure = confirm(
        "Delete this webhook?",
        f"<#{hook.channel_id}> gets no more deployment messages.",
        "Delete",
        danger=True,
    )
    block["accessory"] = button("Delete", UNSUBSCRIBE_ACTION, value=webhook.id, confirm=sure)
    return block
