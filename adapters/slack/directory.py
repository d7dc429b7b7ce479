"""The directory of a workspace's people (`bot.ports.Directory`): who is an admin, through users.info; who
is in a user group, through usergroups.users.list."""

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
        self._groups: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}

    def group(self, team_id: str, group_id: str) -> frozenset[str] | None:
        found = self._groups.get((team_id, group_id))
        if found is None or time.monotonic() - found[0] > ROLE_CACHE_SECONDS:
            return None
        return found[1]

    def put_group(self, team_id: str, group_id: str, members: frozenset[str]) -> None:
        if len(self._groups) > 10_000:
            self._groups.clear()
        self._groups[(team_id, group_id)] = (time.monotonic(), members)

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
        is_admin = self._of_this_workspace(user) and bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        self._cache.put(self._team_id, user_id, is_admin)
        return is_admin

    def _of_this_workspace(self, user: object) -> bool:
        """Whether the person belongs here: users.info answers for a Slack Connect stranger too, with
        the admin flag of their own workspace (an org's member lists the org's workspaces)."""
        if not isinstance(user, dict):
            return False
        home = user.get("team_id")
        teams = (user.get("enterprise_user") or {}).get("teams") or []
        return home is None or home == self._team_id or self._team_id in teams

    async def email(self, user_id: str) -> str | None:
        try:
            user = (await self._client.users_info(user=user_id))["user"]
        except SlackApiError as error:
            log.warning("users.info failed (%s): no e-mail for %s", error.response.get("error"), user_id)
            return None
        email = (user.get("profile") or {}).get("email")
        return email if isinstance(email, str) and email else None

    async def in_group(self, user_id: str, group_id: str) -> bool:
        members = self._cache.group(self._team_id, group_id)
        if members is None:
            try:
                answer = await self._client.usergroups_users_list(usergroup=group_id)
            except SlackApiError as error:
                # Unknown is not a member: the click is refused with who may, never acted on.
                log.warning("usergroups.users.list failed (%s)", error.response.get("error"))
                return False
            members = frozenset(str(u) for u in answer.get("users") or [])
            self._cache.put_group(self._team_id, group_id, members)
        return user_id in members
