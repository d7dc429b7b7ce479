"""When a workspace removes the app or revokes its tokens: forget it, and stop Qovery calling for it."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.access import Access, UserError
from bot.ports import PersonalTokens, Workspaces
from bot.qovery import QoveryApi, QoveryError
from bot.subscriptions import Hooks

__all__ = ["Uninstall"]

log = logging.getLogger(__name__)


class Uninstall:
    def __init__(
        self,
        access: Access,
        hooks: Hooks,
        workspaces: Workspaces,
        personal_tokens: PersonalTokens,
        also: Sequence[Callable[[str], Awaitable[None]]] = (),
    ) -> None:
        self._access = access
        self._hooks = hooks
        self._workspaces = workspaces
        self._personal_tokens = personal_tokens
        self._also = also  # what other capabilities undo for a workspace (its alert receivers ...)

    async def forget(self, team_id: str) -> None:
        """Delete the workspace's webhooks at Qovery (while its token still works), revoke its hooks,
        and forget its Qovery token and its users' own."""
        api: QoveryApi | None
        try:
            api, organization = await self._access.qovery(team_id)
        except (UserError, QoveryError):
            api, organization = None, ""
        for undo in self._also:  # first, while the workspace's token still works
            try:
                await undo(team_id)
            except (UserError, QoveryError):
                log.info("uninstall: part of what Qovery keeps for the workspace could not be undone")
        for hook in await self._hooks.of_team(team_id):
            if api is not None and hook.webhook_id:
                with contextlib.suppress(QoveryError):  # already gone, or the token no longer works
                    await api.delete_webhook(organization, hook.webhook_id)
            await self._hooks.revoke(hook.id)
        await self._workspaces.disconnect(team_id)
        await self._personal_tokens.forget_team(team_id)
        log.info("forgot workspace %s: the app was removed or its tokens revoked", team_id)
