"""Console links unfurled (SPEC §18): a `console.qovery.com` link of the workspace's organization, pasted
in Slack, gets a preview of its environment's state and last deployment, with Open in Qovery.

What is shown is what Qovery answers with the workspace's token, never what the link says: a link whose
organization is not the workspace's is not even looked up, and one whose environment (or service) the
token cannot read, or that Qovery places elsewhere than the link does, gets no preview. Nothing is ever
said in the channel about a link left as it is. Every link of a message is looked up together within a
budget, and all the previews go in one `chat.unfurl`; a slow or failing Qovery means no preview, and
holds up nothing else (Bolt has answered Slack before this runs).
"""

from __future__ import annotations

import asyncio
import logging

from bot.access import Access
from bot.blocks import Block, Message, button, context, cut, escape, section, slack_date
from bot.deliveries import details, status_emoji, status_of, trigger_words, versions_words
from bot.ports import SlackFailure
from bot.qovery import QoveryApi
from bot.unfurls.links import ConsoleLink, read_link
from bot.unfurls.ports import LinkPreviews, SharedIn

__all__ = ["OPEN_LINK_ACTION", "Unfurls"]

log = logging.getLogger(__name__)

OPEN_LINK_ACTION = "unfurl_open"
_MOST_LINKS = 5  # of one message; Slack shows a few previews at most
_VERSIONS_SHOWN = 10


class Unfurls:
    def __init__(self, access: Access, previews: LinkPreviews, budget_seconds: float = 5.0) -> None:
        self._access = access
        self._previews = previews
        self._budget = budget_seconds

    async def unfurl(self, team_id: str, shared: SharedIn, urls: list[str]) -> int:
        """Unfurl the console links among `urls`; how many got a preview."""
        links = list({link.url: link for url in urls if (link := read_link(url)) is not None}.values())
        if not links:
            return 0
        try:
            async with asyncio.timeout(self._budget):
                api, organization_id = await self._access.qovery(team_id)
                ours = [link for link in links[:_MOST_LINKS] if link.organization_id == organization_id]
                if not ours:
                    return 0
                projects = {p.id: p.name for p in await api.list_projects(organization_id)}
                found = await asyncio.gather(*(self._preview(api, link, projects) for link in ours))
        except Exception as error:  # no token, Qovery down or slow: no preview, and nothing said
            log.info("links were not unfurled: %s", type(error).__name__)
            return 0
        unfurls = {link.url: preview for link, preview in zip(ours, found, strict=True) if preview}
        if not unfurls:
            return 0
        try:
            await self._previews.unfurl(team_id, shared, unfurls)
        except SlackFailure as failure:
            log.warning("chat.unfurl failed: %s", failure.reason)
            return 0
        return len(unfurls)

    async def _preview(self, api: QoveryApi, link: ConsoleLink, projects: dict[str, str]) -> Message | None:
        """The link's preview; None when the token cannot read it or Qovery places it elsewhere."""
        try:
            env, status, history = await asyncio.gather(
                api.get_environment(link.environment_id),
                api.get_environment_status(link.environment_id),
                api.list_deployment_history(link.environment_id),
            )
            if env.project.id != link.project_id or env.project.id not in projects:
                return None  # Qovery places it elsewhere than the link says, or outside the organization
            service = None
            if link.service_id is not None:
                named = {s.id: s.name for s in await api.list_services(env.id)}
                if link.service_id not in named:
                    return None
                service = named[link.service_id]
        except Exception as error:  # this link alone goes without a preview
            log.info("a console link was not unfurled: %s", type(error).__name__)
            return None
        state = escape(status.state.lower().replace("_", " "))
        where = f"{escape(cut(projects[env.project.id], 80))} / {escape(cut(env.name, 80))}"
        headline = (
            f"{status_emoji(status_of(status.state))} *{where}* ({escape(str(env.mode).lower())}) · {state}"
        )
        if service is not None:
            headline += f"\nService *{escape(cut(service, 80))}*"
        blocks: list[Block] = [section(headline)]
        if history:
            last = history[0]
            found = details(last)
            outcome = escape(last.status.lower().replace("_", " "))
            line = f"Last deployment: {status_emoji(status_of(last.status))} {outcome}"
            line += f" · {slack_date(last.auditing_data.created_at)}"
            line += f" · {trigger_words(found)}"
            shown = [s for s in found.services if service is None or s.name == service]
            if versions := versions_words(shown, _VERSIONS_SHOWN):
                line += "\n" + versions
            blocks.append(section(line))
        else:
            blocks.append(context("Qovery has no deployment of it yet."))
        blocks.append(
            {"type": "actions", "elements": [button("Open in Qovery", OPEN_LINK_ACTION, url=link.url)]}
        )
        return {"blocks": blocks}
