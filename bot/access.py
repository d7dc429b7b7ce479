"""Who may do what, and with which Qovery token and organization a workspace works."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bot.errors import UserError
from bot.ports import Directory, PersonalTokens, Workspaces
from bot.qovery import QoveryApi, QoveryApiFactory

__all__ = ["Access", "Acting", "BotConfig", "Caller", "UserError"]

# The configured token's only organization is asked of Qovery at most this often, not at every command:
# it changes only when someone gives that token another organization.
ORGANIZATION_MEMORY_SECONDS = 300.0


@dataclass(frozen=True)
class BotConfig:
    """What the core needs of the settings."""

    public_url: str
    slash_command: str = "/qovery"
    admin_user_ids: frozenset[str] = frozenset()
    default_qovery_token: str | None = None
    default_organization_id: str | None = None


class _NobodyIsAdmin:
    async def is_admin(self, user_id: str) -> bool:
        return False

    async def in_group(self, user_id: str, group_id: str) -> bool:
        return False

    async def email(self, user_id: str) -> str | None:
        return None


@dataclass(frozen=True)
class Caller:
    """Who typed the command or clicked, where; `directory` tells whether they are an admin."""

    team_id: str
    user_id: str
    channel_id: str
    channel_name: str | None = None
    directory: Directory = field(default=_NobodyIsAdmin(), compare=False, repr=False)


@dataclass(frozen=True)
class Acting:
    """The API an action runs with: the user's own token (Qovery's roles and audit then apply to them)
    or the workspace's."""

    api: QoveryApi
    organization_id: str
    own_token: bool


class Access:
    def __init__(
        self,
        config: BotConfig,
        workspaces: Workspaces,
        qovery: QoveryApiFactory,
        personal_tokens: PersonalTokens | None = None,
    ) -> None:
        self._config = config
        self._workspaces = workspaces
        self._qovery = qovery
        self._personal = personal_tokens
        self._default_organization: tuple[str, float] | None = None  # (id, until when it is trusted)

    async def qovery(self, team_id: str) -> tuple[QoveryApi, str]:
        """The API as the workspace's token sees it, and the organization it manages."""
        workspace = await self._workspaces.get(team_id)
        if workspace is not None and workspace.qovery_token:
            api = self._qovery(workspace.qovery_token)
            return api, workspace.organization_id or await self._only_organization(api)
        if self._config.default_qovery_token is None:
            raise UserError(
                "This workspace has no Qovery token yet: "
                f"an admin can connect one with `{self._config.slash_command} connect`."
            )
        api = self._qovery(self._config.default_qovery_token)
        return api, self._config.default_organization_id or await self._remembered_organization(api)

    async def acting(self, caller: Caller) -> Acting:
        """The API the caller acts with: their own token when they logged in, else the workspace's."""
        api, organization_id = await self.qovery(caller.team_id)
        own = await self._personal.get(caller.team_id, caller.user_id) if self._personal else None
        if own:
            return Acting(self._qovery(own), organization_id, own_token=True)
        return Acting(api, organization_id, own_token=False)

    async def check_may_act(self, caller: Caller, *, production: bool, own_token: bool) -> None:
        """SPEC §12: with their own token anyone may (Qovery's roles decide); else §4's rule, and for a
        PRODUCTION environment only admins and ADMIN_USER_IDS."""
        if own_token or await self._is_admin(caller):
            return
        workspace = await self._workspaces.get(caller.team_id)
        connector = workspace.connected_by if workspace is not None else None
        if not production and connector == caller.user_id:
            return
        what = "a production environment" if production else "environments"
        own = f"people acting with their own Qovery token (`{self._config.slash_command} login`)"
        raise UserError(
            await self._only(caller.team_id, f"act on {what}", connector=not production, also=own)
        )

    async def _is_admin(self, caller: Caller) -> bool:
        return caller.user_id in self._config.admin_user_ids or await caller.directory.is_admin(
            caller.user_id
        )

    async def _remembered_organization(self, api: QoveryApi) -> str:
        now = time.monotonic()
        if self._default_organization is not None and self._default_organization[1] > now:
            return self._default_organization[0]
        organization_id = await self._only_organization(api)
        self._default_organization = (organization_id, now + ORGANIZATION_MEMORY_SECONDS)
        return organization_id

    async def _only_organization(self, api: QoveryApi) -> str:
        organizations = await api.list_organizations()
        if len(organizations) == 1:
            return organizations[0].id
        if not organizations:
            raise UserError("The Qovery token sees no organization.")
        names = ", ".join(f"{o.name} ({o.id})" for o in organizations)
        raise UserError(
            f"The Qovery token sees several organizations ({names}): "
            f"set QOVERY_ORGANIZATION_ID, or run `{self._config.slash_command} connect` to choose one."
        )

    async def may_change(self, caller: Caller) -> bool:
        if caller.user_id in self._config.admin_user_ids:
            return True
        workspace = await self._workspaces.get(caller.team_id)
        if workspace is not None and workspace.connected_by == caller.user_id:
            return True
        return await caller.directory.is_admin(caller.user_id)

    async def check_may_change(
        self, caller: Caller, action: str = "change webhooks or the Qovery connection"
    ) -> None:
        """Every use case that changes something calls this first: a refusal says who may."""
        if not await self.may_change(caller):
            raise UserError(await self.who_may(caller.team_id, action))

    async def check_is_admin(self, caller: Caller, action: str) -> None:
        """What only workspace admins and owners and ADMIN_USER_IDS may do (not the connector)."""
        if not await self._is_admin(caller):
            raise UserError(await self._only(caller.team_id, action, connector=False))

    async def who_may(self, team_id: str, action: str = "change webhooks or the Qovery connection") -> str:
        return await self._only(team_id, action, connector=True)

    async def _only(self, team_id: str, action: str, *, connector: bool, also: str | None = None) -> str:
        """A refusal that says who may: admins, ADMIN_USER_IDS, the connector where it counts, `also`."""
        people = ["workspace admins and owners"]
        people += [f"<@{user}>" for user in sorted(self._config.admin_user_ids)]
        workspace = await self._workspaces.get(team_id) if connector else None
        if workspace is not None and workspace.connected_by:
            people.append(f"<@{workspace.connected_by}> (who connected the Qovery token)")
        people += [also] if also else []
        listed = ", ".join(people[:-1]) + " and " + people[-1] if len(people) > 1 else people[0]
        return f"Sorry, only {listed} may {action}."
