"""The Bolt `AsyncApp`: signing, the workspace's authorization (one token, or OAuth installations), and
the listeners registered on it (adapters/slack/listeners.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.logger.messages import warning_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.settings import Settings
from adapters.slack.listener_work import ListenerWork
from adapters.slack.listeners import Listeners, SlackServices
from adapters.slack.manifest import BOT_SCOPES

__all__ = ["build_bolt_app"]


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
    Listeners(settings.slash_command, services, installations).register(app, work)
    return app
