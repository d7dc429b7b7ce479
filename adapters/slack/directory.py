"""The directory of a workspace's people (`bot.ports.Directory`): who is an admin, through users.info."""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

__all__ = ["RoleCache", "SlackDirectory"]

log = logging.getLogger(__name__)

# users.info answers are kept this long: an admin's role rarely changes, and Slack rate-limits the call.
ROLE_CACHE_SECONDS = 60.0


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
