"""Bolt's listeners: each turns a Slack payload into a core call and the core's answer into Slack calls.

Every listener acks first, within Slack's 3-second limit, then works, then answers through the
response_url (`respond`); modals open right after the ack, before anything slow. What to answer, and
who may, is the core's (bot/commands/handlers.py and the use cases): a new subcommand changes nothing here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.directory import RoleCache, SlackDirectory
from adapters.slack.listener_work import ListenerWork
from adapters.slack.steps import StepListeners
from bot.access import Caller
from bot.actions.login import Login
from bot.blocks import Message
from bot.commands.handlers import Button, OpenForm, Reply, Respond, SlashCommands, answer
from bot.connection.connect import ChooseOrganization, Connected, Connection
from bot.connection.uninstall import Uninstall
from bot.deliveries.cards import LOGS_ACTION, OPEN_ACTION
from bot.doctor.home import PAGE_ACTION, AppHome, read_page
from bot.errors import FormError
from bot.forms import (
    CONNECT_FORM,
    LOGIN_FORM,
    ORGANIZATION_FORM,
    field_state,
    loading_form,
    read_metadata,
    read_organization,
    read_token,
)
from bot.freezes import EXCEPTION_FORM
from bot.steps import Steps
from bot.subscriptions.form import WEBHOOK_FORM, read_webhook_form
from bot.subscriptions.webhooks import WebhookCommands
from bot.unfurls import OPEN_LINK_ACTION, SharedIn, Unfurls

__all__ = ["Listeners", "SlackServices"]

log = logging.getLogger(__name__)

_LINKS_READ = 20  # of one link_shared event; a crafted one may list thousands


@dataclass(frozen=True)
class SlackServices:
    """The core's use cases, as the listeners reach them."""

    commands: SlashCommands
    webhooks: WebhookCommands
    connection: Connection
    login: Login
    uninstall: Uninstall
    home: AppHome
    unfurls: Unfurls
    steps: Steps


class Listeners:
    def __init__(
        self, slash_command: str, services: SlackServices, installations: AsyncInstallationStore | None
    ) -> None:
        self._command = slash_command
        self._services = services
        self._roles = RoleCache()
        self._installations = installations

    def register(self, app: AsyncApp, work: ListenerWork) -> None:
        track = work.track
        app.command(self._command)(track(self.on_command))
        for action_id, button in self._services.commands.buttons().items():
            app.action(action_id)(track(self.on_button(button)))
        app.action(OPEN_ACTION)(track(self.on_open))
        app.action(LOGS_ACTION)(track(self.on_open))
        app.action(OPEN_LINK_ACTION)(track(self.on_open))
        app.action(re.compile(f"^{PAGE_ACTION}_"))(track(self.on_home_page))
        app.event("app_home_opened")(track(self.on_home_opened))
        app.event("app_uninstalled")(track(self.on_uninstalled))
        app.event("tokens_revoked")(track(self.on_tokens_revoked))
        app.event("link_shared")(track(self.on_link_shared))
        app.view_submission(WEBHOOK_FORM)(track(self.on_webhook_form))
        app.view_submission(CONNECT_FORM)(track(self.on_connect_form))
        app.view_submission(ORGANIZATION_FORM)(track(self.on_organization_form))
        app.view_submission(LOGIN_FORM)(track(self.on_login_form))
        app.view_submission(EXCEPTION_FORM)(track(self.on_exception_form))
        StepListeners(self._services.steps, self._roles).register(app, work)
        app.error(self.on_error)

    # -- who is asking ---------------------------------------------------------------------------------

    def _caller(
        self, client: AsyncWebClient, team_id: str, user_id: str, channel_id: str, channel_name: str | None
    ) -> Caller:
        directory = SlackDirectory(client, team_id, self._roles)
        return Caller(team_id, user_id, channel_id, channel_name, directory=directory)

    def _body_caller(
        self, client: AsyncWebClient, body: dict[str, Any], metadata: dict[str, str] | None = None
    ) -> Caller:
        team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id")
        channel = body.get("channel") or {}
        meta = metadata or {}
        return self._caller(
            client,
            team_id,
            body["user"]["id"],
            channel.get("id") or meta.get("channel_id", ""),
            channel.get("name") or meta.get("channel_name"),
        )

    # -- the slash command ------------------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        caller = self._caller(
            client, command["team_id"], command["user_id"], command["channel_id"], command.get("channel_name")
        )
        where = {
            "channel_id": caller.channel_id,
            "channel_name": caller.channel_name or "",
            "response_url": command["response_url"],
        }
        outcome = self._services.commands.outcome(command.get("text", ""), caller, where)
        match outcome:
            case Reply(message):
                await ack(**message)
            case Respond(work):
                await ack()
                await respond(**await work())
            case OpenForm(title, view, fill):
                await ack()
                if view is not None:
                    await client.views_open(trigger_id=command["trigger_id"], view=view)
                elif fill is not None:
                    # The trigger expires in 3 seconds: a loading view now, the real one when it is ready.
                    opened = await client.views_open(
                        trigger_id=command["trigger_id"], view=loading_form(title)
                    )
                    await client.views_update(view_id=opened["view"]["id"], view=await fill())

    # -- buttons --------------------------------------------------------------------------------------

    def on_button(self, button: Button) -> Callable[..., Awaitable[None]]:
        """The listener of one of the bot's own buttons (Bolt gives it what its parameters name)."""

        async def on_click(
            ack: AsyncAck,
            body: dict[str, Any],
            action: dict[str, Any],
            respond: AsyncRespond,
            client: AsyncWebClient,
        ) -> None:
            await ack()
            caller = self._body_caller(client, body)
            answer = await button.click(caller, action.get("value"))
            if button.opens_form and answer is not None and answer.get("type") == "modal":
                # The form says where its outcome goes: this message's response_url.
                carried = read_metadata(answer) | {"response_url": body.get("response_url") or ""}
                form = answer | {"private_metadata": json.dumps(carried)}
                await client.views_open(trigger_id=body["trigger_id"], view=form)
                return
            view = body.get("view") or {}
            if view.get("type") == "home":
                # A click in the App Home has no response_url: the tab is drawn again, saying what it did.
                notice = answer.get("text") if answer else None
                page = read_page(view.get("private_metadata"))
                await self._publish(client, caller, page, notice)
            elif answer is not None:
                await respond(**answer, replace_original=button.replace_original)

        return on_click

    # -- the App Home ----------------------------------------------------------------------------------

    async def on_home_opened(
        self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        if event.get("tab") != "home" or not event.get("user"):
            return
        caller = self._caller(client, body["team_id"], event["user"], "", None)
        await self._publish(client, caller, 0, None)

    async def on_home_page(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await self._publish(client, self._body_caller(client, body), read_page(action.get("value")), None)

    async def _publish(self, client: AsyncWebClient, caller: Caller, page: int, notice: str | None) -> None:
        view = await self._services.home.view(caller, page, notice)
        await client.views_publish(user_id=caller.user_id, view=view)

    async def on_open(self, ack: AsyncAck) -> None:
        await ack()  # a link button: Slack opens the URL, the bot only has to answer

    # -- modals ---------------------------------------------------------------------------------------

    async def on_webhook_form(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        metadata = read_metadata(view)
        caller = self._body_caller(client, body, metadata)
        webhooks = self._services.webhooks
        try:
            options = read_webhook_form(view)
            await webhooks.check_form(caller)
        except FormError as error:
            await ack(response_action="errors", errors=error.errors)
            return
        await ack()
        if "webhook_id" in metadata:
            message = await answer(webhooks.edit(caller, metadata["webhook_id"], options), self._command)
        else:
            message = await answer(webhooks.create(caller, options), self._command)
        await _send(metadata, message)

    async def on_connect_form(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        connection = self._services.connection
        await self._connect_step(
            ack,
            body,
            view,
            client,
            lambda caller, meta: connection.submit_token(caller, read_token(view), meta),
        )

    async def on_organization_form(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        connection = self._services.connection
        await self._connect_step(
            ack,
            body,
            view,
            client,
            lambda caller, meta: connection.submit_organization(caller, read_organization(view), meta),
        )

    async def _connect_step(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        submit: Callable[[Caller, dict[str, str]], Awaitable[Connected | ChooseOrganization]],
    ) -> None:
        """A connect form came back: refused under its field, the next form, or done and said so."""
        metadata = read_metadata(view)
        try:
            outcome = await submit(self._body_caller(client, body, metadata), metadata)
        except FormError as error:
            await ack(response_action="errors", errors=error.errors)
            return
        if isinstance(outcome, ChooseOrganization):
            await ack(response_action="update", view=outcome.view)
            return
        await ack()
        await _send(metadata, outcome.message)

    async def on_login_form(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        metadata = read_metadata(view)
        try:
            message = await self._services.login.submit(
                self._body_caller(client, body, metadata), read_token(view)
            )
        except FormError as error:
            await ack(response_action="errors", errors=error.errors)
            return
        await ack()
        await _send(metadata, message)

    async def on_exception_form(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        metadata = read_metadata(view)
        reason = field_state(view, "reason").get("value")
        caller = self._body_caller(client, body, metadata)
        await _send(
            metadata, await self._services.commands.exception_asked(caller, metadata.get("action"), reason)
        )

    # -- the app removed ------------------------------------------------------------------------------

    async def on_uninstalled(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._forget(body)

    async def on_tokens_revoked(self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        if (event.get("tokens") or {}).get("bot"):  # without its bot token, the app can post nothing
            await self._forget(body)

    async def on_link_shared(self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        links, team_id = event.get("links"), body.get("team_id")
        channel, ts = event.get("channel"), event.get("message_ts")
        if not isinstance(links, list) or not isinstance(team_id, str) or not isinstance(channel, str):
            return
        urls = [str(link["url"]) for link in links[:_LINKS_READ] if isinstance(link, dict) and "url" in link]
        unfurl_id, source = event.get("unfurl_id"), event.get("source")
        shared = SharedIn(
            channel,
            str(ts or ""),
            unfurl_id if isinstance(unfurl_id, str) else None,
            source if isinstance(source, str) else None,
        )
        await self._services.unfurls.unfurl(team_id, shared, urls)

    async def _forget(self, body: dict[str, Any]) -> None:
        team_id = body["team_id"]
        await self._services.uninstall.forget(team_id)
        if self._installations is not None:
            await self._installations.async_delete_all(
                enterprise_id=body.get("enterprise_id"), team_id=team_id
            )

    async def on_error(self, error: Exception) -> None:
        # Slack shows the user its own short failure notice; the details stay in the operator's log.
        log.error("unhandled error in a Slack listener", exc_info=error)


async def _send(metadata: dict[str, str], message: Message) -> None:
    """Answer a form's submission in the channel it was opened from, through that command's response_url."""
    response_url = metadata.get("response_url")
    if not response_url:
        log.warning("a form came back without a response_url; its outcome could not be shown")
        return
    await AsyncWebhookClient(response_url).send_dict(message)
