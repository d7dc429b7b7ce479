"""The Slack side: the Bolt `AsyncApp` and its listeners, which turn Slack payloads into core calls.

Every listener acks first, within Slack's 3-second limit, then works, then answers through the
response_url (`respond`); modals open right after the ack, before anything slow.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.logger.messages import warning_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.manifest import BOT_SCOPES
from adapters.settings import Settings
from bot.access import Access, Caller, UserError
from bot.blocks import Message
from bot.cards import CANCEL_ACTION, OPEN_ACTION, REDEPLOY_ACTION
from bot.commands import (
    CommandError,
    Connect,
    CreateWebhook,
    DeleteWebhook,
    Disconnect,
    EditWebhook,
    Help,
    ListWebhooks,
    SetEnabled,
    ShowDeliveries,
    ShowWebhook,
    Unsubscribe,
    parse,
)
from bot.connection import ChooseOrganization, Connected, Connection
from bot.delivery_log import REPLAY_ACTION, DeliveryLog
from bot.deployment_actions import DeploymentActions
from bot.modals import (
    CONNECT_FORM,
    ORGANIZATION_FORM,
    WEBHOOK_FORM,
    FormError,
    connect_form,
    loading_form,
    notice_form,
    read_metadata,
    read_organization,
    read_token,
    read_webhook_form,
    webhook_form,
)
from bot.qovery import QoveryError
from bot.uninstall import Uninstall
from bot.usage import error_message, help_message
from bot.webhook_views import DELETE_ACTION, KEEP_ACTION, UNSUBSCRIBE_ACTION, plain
from bot.webhooks import WebhookCommands, answer, explain

__all__ = ["ListenerWork", "SlackServices", "build_bolt_app"]

log = logging.getLogger(__name__)

# users.info answers are kept this long: an admin's role rarely changes, and Slack rate-limits the call.
ROLE_CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class SlackServices:
    """The core's use cases, as the listeners reach them."""

    access: Access
    webhooks: WebhookCommands
    connection: Connection
    delivery_log: DeliveryLog
    deployment_actions: DeploymentActions
    uninstall: Uninstall


class RoleCache:
    def __init__(self) -> None:
        self._roles: dict[tuple[str, str], tuple[float, bool]] = {}

    def get(self, team_id: str, user_id: str) -> bool | None:
        found = self._roles.get((team_id, user_id))
        if found is None or time.monotonic() - found[0] > ROLE_CACHE_SECONDS:
            return None
        return found[1]

    def put(self, team_id: str, user_id: str, is_admin: bool) -> None:
        self._roles[(team_id, user_id)] = (time.monotonic(), is_admin)


class SlackDirectory:
    """`bot.ports.Directory` through users.info, with the workspace's own client."""

    def __init__(self, client: AsyncWebClient, team_id: str, cache: RoleCache) -> None:
        self._client = client
        self._team_id = team_id
        self._cache = cache

    async def is_admin(self, user_id: str) -> bool:
        cached = self._cache.get(self._team_id, user_id)
        if cached is not None:
            return cached
        try:
            user = (await self._client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            # Unknown is not an admin: the caller gets the refusal that says who may, never a change.
            log.warning(
                "users.info failed (%s): treating %s as a member", error.response.get("error"), user_id
            )
            return False
        is_admin = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        self._cache.put(self._team_id, user_id, is_admin)
        return is_admin


class _NotTheIgnoredToken(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself, then warns at every start that it
    ignores it because an `authorize` is given: `_single_team`, which uses that very token."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_token_skipped()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_NotTheIgnoredToken())


def _single_team(token: str, slack_api_base: str) -> Callable[..., Awaitable[AuthorizeResult]]:
    """The bot token's identity, asked of Slack (auth.test) once, however many requests come at once:
    Bolt's own single-workspace check asks once per request until the first answer is in, which made
    the first commands after a start wait behind as many calls as there were commands."""
    client = AsyncWebClient(base_url=slack_api_base)
    found: list[AuthorizeResult] = []
    asking = asyncio.Lock()

    async def authorize(**_: Any) -> AuthorizeResult:
        if not found:
            async with asking:
                if not found:
                    response = await client.auth_test(token=token)
                    found.append(
                        AuthorizeResult.from_auth_test_response(
                            auth_test_response=response, bot_token=token, user_token=None
                        )
                    )
        return found[0]

    return authorize


class ListenerWork:
    """Listener calls still running (most of their work comes after the ack): stopping waits for them a
    while, so that a command being answered during a restart is answered rather than dropped."""

    def __init__(self) -> None:
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def track(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        @functools.wraps(listener)  # Bolt reads the arguments to give from the listener's own signature
        async def tracked(**arguments: Any) -> None:
            self._running += 1
            self._idle.clear()
            try:
                await listener(**arguments)
            finally:
                self._running -= 1
                if not self._running:
                    self._idle.set()

        return tracked

    async def finish(self, within_seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), within_seconds)


def build_bolt_app(
    settings: Settings,
    services: SlackServices,
    stores: tuple[AsyncInstallationStore, AsyncOAuthStateStore] | None,
    work: ListenerWork,
) -> AsyncApp:
    """The Bolt app; `stores` (installations, OAuth states) are for the multi-workspace mode."""
    signing_secret = settings.slack_signing_secret.get_secret_value()
    if settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
        app = AsyncApp(signing_secret=signing_secret, authorize=_single_team(token, settings.slack_api_base))
    else:
        assert settings.slack_client_id is not None
        assert settings.slack_client_secret is not None
        assert stores is not None
        oauth = AsyncOAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
            scopes=list(BOT_SCOPES),
            installation_store=stores[0],
            state_store=stores[1],
            redirect_uri=f"{settings.public_url}/slack/oauth_redirect",
        )
        # Bolt's own authorizer rotates tokens through slack.com whatever the client: give it SLACK_API_URL.
        oauth.authorize = AsyncInstallationStoreAuthorize(
            logger=logging.getLogger("slack_bolt.AsyncApp"),
            client_id=oauth.client_id,
            client_secret=oauth.client_secret,
            token_rotation_expiration_minutes=oauth.token_rotation_expiration_minutes,
            installation_store=stores[0],
            client=AsyncWebClient(base_url=settings.slack_api_base),
        )
        app = AsyncApp(signing_secret=signing_secret, oauth_settings=oauth)
    # Bolt copies this client's base URL into every per-request client and into its OAuth flow.
    app.client.base_url = settings.slack_api_base
    installations = stores[0] if stores else None
    Listeners(settings.slash_command, services, RoleCache(), installations).register(app, work)
    return app


def _command_caller(command: dict[str, Any]) -> Caller:
    return Caller(command["team_id"], command["user_id"], command["channel_id"], command.get("channel_name"))


def _body_caller(body: dict[str, Any], metadata: dict[str, str] | None = None) -> Caller:
    team_id = (body.get("team") or {}).get("id") or body["user"].get("team_id")
    channel = body.get("channel") or {}
    meta = metadata or {}
    return Caller(
        team_id,
        body["user"]["id"],
        channel.get("id") or meta.get("channel_id", ""),
        channel.get("name") or meta.get("channel_name"),
    )


class Listeners:
    def __init__(
        self,
        slash_command: str,
        services: SlackServices,
        roles: RoleCache,
        installations: AsyncInstallationStore | None,
    ) -> None:
        self._command = slash_command
        self._services = services
        self._roles = roles
        self._installations = installations

    def register(self, app: AsyncApp, work: ListenerWork) -> None:
        app.command(self._command)(work.track(self.on_command))
        app.action(DELETE_ACTION)(work.track(self.on_delete))
        app.action(UNSUBSCRIBE_ACTION)(work.track(self.on_delete))
        app.action(KEEP_ACTION)(work.track(self.on_keep))
        app.action(REPLAY_ACTION)(work.track(self.on_replay))
        app.action(REDEPLOY_ACTION)(work.track(self.on_deployment_action))
        app.action(CANCEL_ACTION)(work.track(self.on_deployment_action))
        app.action(OPEN_ACTION)(work.track(self.on_open))
        app.event("app_uninstalled")(work.track(self.on_uninstalled))
        app.event("tokens_revoked")(work.track(self.on_tokens_revoked))
        app.view_submission(WEBHOOK_FORM)(work.track(self.on_webhook_form))
        app.view_submission(CONNECT_FORM)(work.track(self.on_connect_form))
        app.view_submission(ORGANIZATION_FORM)(work.track(self.on_organization_form))
        app.error(self.on_error)

    async def _answer(
        self,
        caller: Caller,
        client: AsyncWebClient,
        work: Callable[[], Awaitable[Message]],
        *,
        change: bool,
    ) -> Message:
        """The use case's answer; a change is refused first to those who may not make it."""

        async def guarded() -> Message:
            if change:
                directory = SlackDirectory(client, caller.team_id, self._roles)
                await self._services.access.check_may_change(caller, directory)
            return await work()

        return await answer(guarded(), self._command)

    # -- the slash command ------------------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        try:
            parsed = parse(command.get("text", ""))
        except CommandError as error:
            await ack(**error_message(self._command, error))  # nothing was sent to Qovery
            return
        caller = _command_caller(command)
        metadata = {
            "channel_id": caller.channel_id,
            "channel_name": caller.channel_name or "",
            "response_url": command["response_url"],
        }
        webhooks = self._services.webhooks
        match parsed:
            case Help():
                await ack(**help_message(self._command))
                return
            case Connect():
                await ack()
                await client.views_open(trigger_id=command["trigger_id"], view=connect_form(metadata))
                return
            case CreateWebhook(options) if options.is_empty():
                await ack()
                await client.views_open(
                    trigger_id=command["trigger_id"], view=webhook_form("New webhook", metadata)
                )
                return
            case EditWebhook(reference, options) if options.is_empty():
                await ack()
                await self._open_edit_form(client, command["trigger_id"], caller, reference, metadata)
                return
        await ack()
        match parsed:
            case Disconnect():
                work, change = (lambda: self._services.connection.disconnect(caller)), True
            case ListWebhooks():
                work, change = (lambda: webhooks.list_webhooks(caller)), False
            case ShowWebhook(reference):
                work, change = (lambda: webhooks.show(caller, reference)), False
            case CreateWebhook(options):
                work, change = (lambda: webhooks.create(caller, options)), True
            case EditWebhook(reference, options):
                work, change = (lambda: webhooks.edit(caller, reference, options)), True
            case SetEnabled(reference, enabled):
                work, change = (lambda: webhooks.set_enabled(caller, reference, enabled)), True
            case DeleteWebhook(reference):
                work, change = (lambda: webhooks.confirm_delete(caller, reference)), True
            case Unsubscribe():
                work, change = (lambda: webhooks.unsubscribe(caller)), True
            case ShowDeliveries():
                work, change = (lambda: self._services.delivery_log.recent(caller)), False
        await respond(**await self._answer(caller, client, work, change=change))

    async def _open_edit_form(
        self,
        client: AsyncWebClient,
        trigger_id: str,
        caller: Caller,
        reference: str,
        metadata: dict[str, str],
    ) -> None:
        opened = await client.views_open(trigger_id=trigger_id, view=loading_form("Edit webhook"))
        view_id = opened["view"]["id"]
        directory = SlackDirectory(client, caller.team_id, self._roles)
        try:
            await self._services.access.check_may_change(caller, directory)
            webhook_id, values = await self._services.webhooks.form_values(caller, reference)
        except (UserError, QoveryError) as error:
            notice = notice_form("Edit webhook", explain(error, self._command)["text"])
            await client.views_update(view_id=view_id, view=notice)
            return
        form = webhook_form("Edit webhook", metadata | {"webhook_id": webhook_id}, values)
        await client.views_update(view_id=view_id, view=form)

    # -- buttons --------------------------------------------------------------------------------------

    async def on_delete(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        caller = _body_caller(body)
        message = await self._answer(
            caller, client, lambda: self._services.webhooks.delete(caller, action["value"]), change=True
        )
        # A confirmation is replaced by its outcome; the unsubscribe list stays, the outcome comes below it.
        await respond(**message, replace_original=action["action_id"] == DELETE_ACTION)

    async def on_keep(self, ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(**plain("Nothing was deleted."), replace_original=True)

    async def on_replay(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        caller = _body_caller(body)
        replay = self._services.delivery_log.replay
        message = await self._answer(caller, client, lambda: replay(caller, action.get("value")), change=True)
        await respond(**message, replace_original=False)

    async def on_deployment_action(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        caller = _body_caller(body)
        directory = SlackDirectory(client, caller.team_id, self._roles)
        if not await self._services.access.may_change(caller, directory):
            refusal = await self._services.access.who_may(caller.team_id, "redeploy or cancel deployments")
            await respond(text=refusal, replace_original=False)
            return
        actions = self._services.deployment_actions
        act = actions.redeploy if action["action_id"] == REDEPLOY_ACTION else actions.cancel
        outcome = await act(caller, action.get("value"))
        if outcome.channel_id is None:
            await respond(text=outcome.text, replace_original=False)  # only the one who clicked sees it
            return
        # The outcome goes in the card's thread, where everyone following the deployment sees it.
        await client.chat_postMessage(
            channel=outcome.channel_id, thread_ts=outcome.thread_ts, text=outcome.text
        )

    async def on_open(self, ack: AsyncAck) -> None:
        await ack()  # a link button: Slack opens the URL, the bot only has to answer

    # -- modals ---------------------------------------------------------------------------------------

    async def on_webhook_form(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        metadata = read_metadata(view)
        caller = _body_caller(body, metadata)
        try:
            options = read_webhook_form(view)
        except FormError as error:
            await ack(response_action="errors", errors=error.errors)
            return
        if not await self._services.access.may_change(
            caller, SlackDirectory(client, caller.team_id, self._roles)
        ):
            await ack(
                response_action="errors",
                errors={"events": await self._services.access.who_may(caller.team_id)},
            )
            return
        await ack()
        webhooks = self._services.webhooks
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
            ack, body, view, client, lambda c, d, m: connection.submit_token(c, d, read_token(view), m)
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
            lambda c, d, m: connection.submit_organization(c, d, read_organization(view), m),
        )

    async def _connect_step(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        submit: Callable[[Caller, SlackDirectory, dict[str, str]], Awaitable[Connected | ChooseOrganization]],
    ) -> None:
        """A connect form came back: refused under its field, the next form, or done and said so."""
        metadata = read_metadata(view)
        caller = _body_caller(body, metadata)
        try:
            outcome = await submit(caller, SlackDirectory(client, caller.team_id, self._roles), metadata)
        except FormError as error:
            await ack(response_action="errors", errors=error.errors)
            return
        if isinstance(outcome, ChooseOrganization):
            await ack(response_action="update", view=outcome.view)
            return
        await ack()
        await _send(metadata, outcome.message)

    # -- the app removed ------------------------------------------------------------------------------

    async def on_uninstalled(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await self._forget(body)

    async def on_tokens_revoked(self, ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        if (event.get("tokens") or {}).get("bot"):  # without its bot token, the app can post nothing
            await self._forget(body)

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
