"""`bot.ports.SlackPoster` (and `bot.unfurls.LinkPreviews`) through the Slack Web API: chat.postMessage,
chat.update and chat.unfurl, failures sorted.

Slack's answers are sorted into what the courier needs to know: rate limited (with `Retry-After`),
worth retrying (5xx, a lost connection, Slack's own internal errors), or permanent (the channel is
gone or archived, the bot is not in it, the token was revoked, the message was refused).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

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
_UNREADABLE = "Slack's answer could not be read: the message may have been posted"

# The bot token of a workspace: one fixed token, or the installation's in multi-workspace mode.
TokenFor = Callable[[str], Awaitable[str]]


class WebApiPoster:
    def __init__(self, base_url: str, token_for: TokenFor, timeout_seconds: float = 15.0) -> None:
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._token_for = token_for
        self._timeout = timeout_seconds
        # One connection pool for every call: a session (and a connection) per call cost more than the
        # call itself when many channels are told at once.
        self._session: aiohttp.ClientSession | None = None

    async def bot_token(self, team_id: str) -> str:
        """The workspace's bot token (rotated when about to expire): for a step run whose own expired."""
        return await self._token_for(team_id)

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def post(
        self, team_id: str, channel_id: str, message: dict[str, Any], thread_ts: str | None = None
    ) -> str:
        body = {"channel": channel_id, **message} | ({"thread_ts": thread_ts} if thread_ts else {})
        answer = await self._call(team_id, "chat.postMessage", body)
        return str(answer["ts"])

    async def update(self, team_id: str, channel_id: str, ts: str, message: dict[str, Any]) -> None:
        await self._call(team_id, "chat.update", {"channel": channel_id, "ts": ts, **message})

    async def unfurl(self, team_id: str, shared: SharedIn, unfurls: dict[str, Any]) -> None:
        if shared.source == "composer" and shared.unfurl_id:
            where = {"unfurl_id": shared.unfurl_id, "source": shared.source}
        else:
            where = {"channel": shared.channel, "ts": shared.ts}
        await self._call(team_id, "chat.unfurl", {**where, "unfurls": unfurls})

    async def user_by_email(self, team_id: str, email: str) -> str | None:
        # A method Slack takes form-encoded, not JSON: the address in the query.
        status, answer, _ = await self._request(team_id, "users.lookupByEmail", query={"email": email})
        user = answer.get("user") or {}
        if status == 200 and answer.get("ok") is True and user.get("id"):
            return str(user["id"])
        if answer.get("error") != "users_not_found":
            log.warning("users.lookupByEmail failed: %s", answer.get("error") or f"HTTP {status}")
        return None

    async def _call(self, team_id: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """A Web API method called with a JSON body; its answer when Slack says ok, else the failure
        sorted."""
        status, answer, retry_after = await self._request(team_id, method, body=body)
        if status == 200 and answer.get("ok") is True:
            return answer
        raise _sorted(status, answer.get("error"), retry_after)

    async def _request(
        self,
        team_id: str,
        method: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], str | None]:
        """Slack's HTTP status, its JSON answer and its Retry-After. Straight through aiohttp: slack-sdk's
        client (one made per call, its request and answer machinery) cost as much of the event loop as
        the call itself when 1,000 channels are told at once (bench/run.py fanout). No retries here: the
        courier owns them, so that they survive a restart and respect the pace."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self._timeout))
        headers = {"Authorization": f"Bearer {await self._token_for(team_id)}"}
        if body is not None:
            headers["Content-Type"] = "application/json;charset=utf-8"
        data = None if body is None else json.dumps(body)
        try:
            async with self._session.post(
                self._base_url + method, data=data, params=query, headers=headers
            ) as response:
                return response.status, await _json(response), response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise SlackFailure(f"Slack could not be reached ({type(error).__name__})") from None


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    """The answer's JSON object; empty when there is none (a proxy's error page, a truncated body)."""
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _sorted(status: int, error: object, retry_after: str | None) -> SlackFailure:
    if status == 200 and not error:
        # Slack took the call but its answer is unreadable: the message may be there. Trying again could
        # post it twice; recorded failed, with why, for `replay`.
        return SlackFailure(_UNREADABLE, permanent=True)
    code = str(error or f"HTTP {status}")
    if status == 429:
        return SlackFailure("rate limited by Slack", retry_after=_seconds(retry_after))
    if status >= 500:
        return SlackFailure(f"Slack answered HTTP {status}")
    if code in TRANSIENT_ERRORS:
        return SlackFailure(f"Slack answered {code}")
    if code in PERMANENT_ERRORS:
        return SlackFailure(code, permanent=True)
    return SlackFailure(f"Slack refused the message: {code}", permanent=True)


def _seconds(retry_after: str | None) -> float:
    """Slack's Retry-After (seconds); a second when it is missing or not a number."""
    try:
        return max(0.0, float(retry_after or 1))
    except ValueError:
        return 1.0
