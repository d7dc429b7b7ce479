"""`/qovery login` and `logout` (SPEC §12): a user's own Qovery token, so that what they do from Slack
runs as them at Qovery, under their own role and in Qovery's own audit log."""

from __future__ import annotations

from bot.access import Access, Caller
from bot.blocks import Message, plain
from bot.connection import organizations_of
from bot.errors import FormError, UserError, user_words
from bot.ports import PersonalTokens
from bot.qovery import QoveryApiFactory, QoveryError

__all__ = ["Login"]


class Login:
    def __init__(
        self, access: Access, tokens: PersonalTokens, qovery: QoveryApiFactory, slash_command: str
    ) -> None:
        self._access = access
        self._tokens = tokens
        self._qovery = qovery
        self._command = slash_command

    async def submit(self, caller: Caller, token: str) -> Message:
        """Keep the token when it sees the organization this workspace manages; a refusal raises
        `FormError`, shown under the field."""
        try:
            _, organization_id = await self._access.qovery(caller.team_id)
        except (UserError, QoveryError) as error:
            raise FormError({"token": user_words(error, self._command)}) from None
        organizations = await organizations_of(self._qovery(token), self._command)
        if organization_id not in {o.id for o in organizations}:
            raise FormError(
                {"token": "This token does not see the Qovery organization this workspace manages."}
            )
        await self._tokens.put(caller.team_id, caller.user_id, token)
        return plain(
            ":key: You are logged in to Qovery with your own token: what you do from Slack now runs as you, "
            f"under your Qovery role. `{self._command} logout` forgets the token."
        )

    async def logout(self, caller: Caller) -> Message:
        if await self._tokens.forget(caller.team_id, caller.user_id):
            return plain(
                ":wave: Your own Qovery token is forgotten: your actions use the workspace's token again."
            )
        return plain("You had not logged in with your own Qovery token.")
