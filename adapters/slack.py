"""The Slack side: the Bolt `AsyncApp` and its listeners, which turn Slack payloads into core calls.

Listeners ack first, within Slack's 3-second limit; what they answer is built by `bot/`.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from adapters.manifest import BOT_SCOPES
from adapters.settings import Settings
from bot.commands import CommandError, Help, NotYetAvailable, parse
from bot.usage import error_message, help_message, not_yet_available_message

__all__ = ["build_bolt_app"]

log = logging.getLogger(__name__)


def build_bolt_app(settings: Settings) -> AsyncApp:
    signing_secret = settings.slack_signing_secret.get_secret_value()
    if settings.slack_bot_token is not None:
        app = AsyncApp(signing_secret=signing_secret, token=settings.slack_bot_token.get_secret_value())
    else:
        assert settings.slack_client_id is not None
        assert settings.slack_client_secret is not None
        app = AsyncApp(
            signing_secret=signing_secret,
            oauth_settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                scopes=list(BOT_SCOPES),
            ),
        )
    # Bolt copies this client's base URL into every per-request client and into its OAuth flow.
    app.client.base_url = settings.slack_api_base
    _register_listeners(app, settings.slash_command)
    return app


def _register_listeners(app: AsyncApp, slash_command: str) -> None:
    @app.command(slash_command)
    async def on_command(ack: AsyncAck, command: dict[str, Any]) -> None:
        try:
            parsed = parse(command.get("text", ""))
        except CommandError as error:
            await ack(**error_message(slash_command, error))
            return
        match parsed:
            case Help():
                await ack(**help_message(slash_command))
            case NotYetAvailable(subcommand):
                await ack(**not_yet_available_message(slash_command, subcommand))

    @app.error
    async def on_error(error: Exception) -> None:
        # Slack shows the user its own short failure notice; the details stay in the operator's log.
        log.error("unhandled error in a Slack listener", exc_info=error)
