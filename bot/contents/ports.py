"""What a deployment's contents need from storage: the card, and one conditional write of its line."""

from __future__ import annotations

from typing import Protocol

from bot.deliveries import Card, CardCarried

__all__ = ["CarriedCards"]


class CarriedCards(Protocol):
    async def get(self, card_id: int) -> Card | None: ...

    async def claim_carried(self, card_id: int, carried: CardCarried) -> bool:
        """Keep `carried` on the card unless it already has a line: False when it had (another replica,
        a replay or a restart got there first), so that a card gets one reply, never two."""
        ...

    async def set_carried(self, card_id: int, carried: CardCarried) -> None: ...
