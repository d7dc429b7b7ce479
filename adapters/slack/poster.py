"""`bot.ports.SlackPoster` (and `bot.unfurls.LinkPreviews`) through the Slack Web API: chat.postMessage,
chat.update and chat.unfurl, failures sorted.

Slack's answers are sorted into what the courier needs to know: rate limited (with `Retry-After`),
worth retrying (5xx, a lost connection, Slack's own internal errors), or permanent (the channel is
gone or archived, the bot is not in it, the token was revoked, the message was refused).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ports import SlackFailure
from bot.unfurls import SharedIn

log = logging.getLogger(__name__)

__all__ = ["PERMANENT_ERRORS", "WebApiPoster"]

PERMANENT_ERRORS = {
    "channel_not_found",
    "is_archived",
    "not_in_channel",
    "token_revoked",
    "account_inactive",
    "invalid_auth",
    "not_authed",
    "missing_scope",
    "restricted_action",
}
TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}

# The bot token of a workspace: one fixed token, or the installation's in multi-workspace mode.
TokenFor = Callable[[str], Awaitable[str]]


class WebApiPoster:
    def __init__(self, base_url: str, token_for: TokenFor, timeout_seconds: float = 15.0) -> None:
        self._base_url = base_url
        self._token_for = token_for
        self._timeout = timeout_seconds
        # One connection pool for every call: without it, slack-sdk opens a session (and a connection)
        # per call, which cost more than the call itself when many channels are told at once.
        self._session: aiohttp.ClientSession | None = None

    async def _client(self, team_id: str) -> AsyncWebClient:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        # No retry handler: the courier owns retries, so that they survive a restart and respect the pace.
        return AsyncWebClient(
            token=await self._token_for(team_id),
            base_url=self._base_url,
            timeout=int(self._timeout),
            retry_handlers=[],
            session=self._session,
        )

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def post(
        self, team_id: str, channel_id: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        client = await self._client(team_id)
        body = {"channel": channel_id, **message} | ({"thread_ts": thread_ts} if thread_ts else {})
        response = await _call(lambda: client.api_call("chat.postMessage", json=body))
        return str(response["ts"])

    async def update(self, team_id: str, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        client = await self._client(team_id)
        await _call(lambda: client.api_call("chat.update", json={"channel": channel_id, "ts": ts, **message}))

    async def unfurl(self, team_id: str, shared: SharedIn, unfurls: dict[str, Any]) -> None:
        client = await self._client(team_id)
        if shared.source == "composer" and shared.unfurl_id:
            where = {"unfurl_id": shared.unfurl_id, "source": shared.source}
        else:
            where = {"channel": shared.channel, "ts": shared.ts}
        await _call(lambda: client.api_call("chat.unfurl", json={**where, "unfurls": unfurls}))

    async def user_by_email(self, team_id: str, email: str) -> str | None:
        client = await self._client(team_id)
        try:
            answer = await client.api_call("users.lookupByEmail", params={"email": email})
        except SlackApiError as error:
            if error.response.get("error") != "users_not_found":
                log.warning("users.lookupByEmail failed: %s", error.response.get("error"))
            return None
        user = answer.get("user") or {}
        return str(user["id"]) if user.get("id") else None


async def _call(send: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await send()
    except SlackApiError as error:
        raise _sorted(error) from None
    except (aiohttp.ClientError, TimeoutError) as error:
        raise SlackFailure(f"Slack could not be reached ({type(error).__name__})") from None


def _sorted(error: SlackApiError) -> SlackFailure:
    status = error.response.status_code
    code = str(error.response.get("error") or f"HTTP {status}")
    if status == 429:
        retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
        return SlackFailure("rate limited by Slack", retry_after=float(retry_after or 1))
    if status >= 500:
        return SlackFailure(f"Slack answered HTTP {status}")
    if code in TRANSIENT_ERRORS:
        return SlackFailure(f"Slack answered {code}")
    if code in PERMANENT_ERRORS:
        return SlackFailure(code, permanent=True)
    return SlackFailure(f"Slack refused the message: {code}", permanent=True)
