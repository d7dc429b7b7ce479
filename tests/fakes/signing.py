"""Requests signed exactly as Slack signs them, with slack-sdk's own signature code."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import CHANNEL, MEMBER, TEAM_ID

__all__ = ["SlackSigner", "interactivity_body", "slash_command_body"]


class SlackSigner:
    def __init__(self, signing_secret: str) -> None:
        self._verifier = SignatureVerifier(signing_secret)

    def headers(self, body: str, *, age_seconds: int = 0, content_type: str | None = None) -> dict[str, str]:
        """The headers Slack adds to `body`; `age_seconds` makes the request look that old."""
        timestamp = str(int(time.time()) - age_seconds)
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body)
        assert signature is not None
        return {
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            "Content-Type": content_type or "application/x-www-form-urlencoded",
        }


def slash_command_body(
    text: str,
    *,
    command: str = "/qovery",
    response_url: str,
    user_id: str = MEMBER,
    channel_id: str = CHANNEL,
    channel_name: str = "deploys",
    team_id: str = TEAM_ID,
) -> str:
    """The form-encoded body Slack posts for a slash command."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0QOVERY1",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.1234.abcd",
        }
    )


def interactivity_body(payload: dict[str, Any]) -> str:
    """Buttons and modals arrive as one form field, `payload`, holding JSON."""
    return urlencode({"payload": json.dumps(payload)})
