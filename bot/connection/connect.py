"""Connecting a workspace to Qovery with an API token (`/qovery connect`), and forgetting it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from bot.access import Access, Caller
from bot.blocks import Message, plain
from bot.errors import FormError
from bot.forms import organization_form
from bot.ports import Sealer, Workspaces
from bot.qovery import (
    Organization,
    QoveryApi,
    QoveryApiFactory,
    QoveryError,
    QoveryTimeout,
    QoveryUnauthorized,
)

__all__ = ["ChooseOrganization", "Connected", "Connection", "organizations_of"]

# A modal submission must be answered within Slack's 3 seconds, token check included.
_CHECK_SECONDS = 2.2


@dataclass(frozen=True)
class Connected:
    message: Message


@dataclass(frozen=True)
class ChooseOrganization:
    view: dict[str, Any]


class Connection:
    def __init__(
        self,
        access: Access,
        workspaces: Workspaces,
        qovery: QoveryApiFactory,
        sealer: Sealer,
        slash_command: str,
    ) -> None:
        self._access = access
        self._workspaces = workspaces
        self._qovery = qovery
        self._sealer = sealer
        self._command = slash_command

    async def submit_token(
        self, caller: Caller, token: str, metadata: dict[str, str]
    ) -> Connected | ChooseOrganization:
        """Check a pasted token; a refusal raises `FormError`, shown under the field."""
        if not await self._access.may_change(caller):
            raise FormError({"token": await self._access.who_may(caller.team_id)})
        organizations = await self._organizations(token)
        if len(organizations) == 1:
            return await self._connect(caller, token, organizations[0])
        # The token travels back through Slack inside the next form: sealed, and only for this user.
        sealed = self._sealer.seal(token, _context(caller))
        return ChooseOrganization(organization_form(organizations, metadata | {"token": sealed}))

    async def submit_organization(
        self, caller: Caller, organization_id: str, metadata: dict[str, str]
    ) -> Connected:
        if not await self._access.may_change(caller):
            raise FormError({"organization": await self._access.who_may(caller.team_id)})
        try:
            token = self._sealer.open(metadata.get("token", ""), _context(caller))
        except Exception:
            raise FormError({"organization": "This form has expired: run connect again."}) from None
        organizations = {o.id: o for o in await self._organizations(token, field="organization")}
        if organization_id not in organizations:
            raise FormError({"organization": "The token does not see this organization any more."})
        return await self._connect(caller, token, organizations[organization_id])

    async def disconnect(self, caller: Caller) -> Message:
        await self._access.check_may_change(caller)
        if await self._workspaces.disconnect(caller.team_id):
            return plain(
                ":electric_plug: The Qovery token of this workspace is forgotten. "
                "Webhooks at Qovery stay as they are."
            )
        return plain("This workspace had no Qovery token of its own.")

    async def _organizations(self, token: str, field: str = "token") -> list[Organization]:
        return await organizations_of(self._qovery(token), self._command, field)

    async def _connect(self, caller: Caller, token: str, organization: Organization) -> Connected:
        await self._workspaces.connect(caller.team_id, token, organization.id, caller.user_id)
        return Connected(
            plain(
                f":white_check_mark: Connected to the Qovery organization *{organization.name}*. "
                f"Try `{self._command} webhook list`."
            )
        )


async def organizations_of(api: QoveryApi, command: str, field: str = "token") -> list[Organization]:
    """The organizations a pasted token sees, checked within a form's 3 seconds; else a FormError for
    the field, in words."""
    try:
        async with asyncio.timeout(_CHECK_SECONDS):
            organizations = await api.list_organizations()
    except (TimeoutError, QoveryTimeout):
        raise FormError({field: "Qovery did not answer in time. Try again in a moment."}) from None
    except QoveryUnauthorized:
        raise FormError({field: "Qovery refused this token: check that it was copied whole."}) from None
    except QoveryError as error:
        raise FormError({field: error.sentence(command, mrkdwn=False)}) from None
    if not organizations:
        raise FormError({field: "This token sees no organization."})
    return organizations


def _context(caller: Caller) -> str:
    return f"connect:{caller.team_id}:{caller.user_id}"
