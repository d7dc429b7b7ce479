"""Slack's tokens at rest: slack-sdk's installation store, with every token sealed by SECRET_KEY.

In the multi-workspace mode, slack-sdk keeps each workspace's bot token (and refresh token, user token,
incoming-webhook URL) in `slack_installations` and `slack_bots`; stored as slack-sdk writes them, anyone
reading the database could post as the bot anywhere it is installed. Here they are sealed on the way in
and opened on the way out, each bound to its workspace and its field, like the Qovery tokens.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any, TypeVar

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.crypto import SecretBox, SecretTampered, is_sealed
from adapters.sql.tables import SLACK_SECRET_COLUMNS as SECRET_FIELDS
from adapters.sql.tables import slack_bots, slack_installations

__all__ = ["SealedInstallationStore", "seal_stored_tokens"]

log = logging.getLogger(__name__)

Owner = TypeVar("Owner", Bot, Installation)


def _context(enterprise_id: str | None, team_id: str | None, field: str) -> str:
    return f"slack:{enterprise_id or ''}:{team_id or ''}:{field}"


class SealedInstallationStore(AsyncSQLAlchemyInstallationStore):
    def __init__(self, client_id: str, engine: AsyncEngine, box: SecretBox) -> None:
        super().__init__(client_id, engine)
        self._box = box

    def _sealed(self, owner: Owner) -> Owner:
        sealed = copy.copy(owner)
        # slack-sdk saves an installation's bot through async_save_bot: sealed already by then.
        for field, value in _seal(self._box, owner.enterprise_id, owner.team_id, vars(owner)).items():
            setattr(sealed, field, value)
        return sealed

    def _opened(self, owner: Owner) -> Owner | None:
        opened = copy.copy(owner)
        for field in SECRET_FIELDS:
            value = getattr(opened, field, None)
            # Not sealed: what slack-sdk merged in from a bot already opened, or a row not sealed yet.
            if isinstance(value, str) and is_sealed(value):
                context = _context(owner.enterprise_id, owner.team_id, field)
                try:
                    setattr(opened, field, self._box.open(value, context))
                except SecretTampered:
                    log.error(
                        "workspace %s: the Slack tokens stored do not open with this SECRET_KEY; "
                        "reinstall the app there (or restore the key)",
                        owner.team_id or owner.enterprise_id,
                    )
                    return None  # as if not installed: Bolt refuses its requests, nothing is posted
        return opened

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        bot = await super().async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        return None if bot is None else self._opened(bot)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        installation = await super().async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return None if installation is None else self._opened(installation)


async def seal_stored_tokens(engine: AsyncEngine, box: SecretBox) -> int:
    """Seal the tokens stored before they were sealed; how many rows changed. Run at start-up."""
    changed = 0
    async with engine.begin() as connection:
        for table in (slack_installations, slack_bots):
            secrets = [table.c[field] for field in SECRET_FIELDS if field in table.c]
            rows = (
                await connection.execute(select(table.c.id, table.c.enterprise_id, table.c.team_id, *secrets))
            ).all()
            for row in rows:
                values = _seal(box, row.enterprise_id, row.team_id, row._asdict())
                if values:
                    # Only if still as read: another replica starting too may have sealed or rotated it.
                    unchanged = [table.c[field] == getattr(row, field) for field in values]
                    done = await connection.execute(
                        update(table).where(table.c.id == row.id, *unchanged).values(values)
                    )
                    changed += done.rowcount
    return changed


def _seal(
    box: SecretBox, enterprise_id: str | None, team_id: str | None, values: Mapping[str, Any]
) -> dict[str, str]:
    """The sealed form of each secret among `values` that is not sealed yet."""
    return {
        field: box.seal(value, _context(enterprise_id, team_id, field))
        for field, value in values.items()
        if field in SECRET_FIELDS and isinstance(value, str) and value and not is_sealed(value)
    }
