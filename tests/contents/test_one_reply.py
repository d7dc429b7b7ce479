"""One reply per card, never two: the card's line is written once, conditionally, on both databases,
however many replicas, replays or restarts race for it; the courier's own saves of the card keep it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from adapters.sql.cards import SqlCards
from adapters.sql.direct import DirectPool
from adapters.sql.engine import create_engine, migrate
from bot.deliveries import Card, CardCarried, Deployment, DeploymentStatus

NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)


def test_two_claims_of_a_cards_line_at_once_give_it_to_one(database_url: str) -> None:
    async def scenario() -> tuple[list[bool], Card | None]:
        engine = create_engine(database_url)
        try:
            await migrate(engine)
            cards = SqlCards(engine)
            card = Card("hook", "key", "1700000000.000100", Deployment(status=DeploymentStatus.RUNNING))
            card_id = await cards.save(card, NOW)
            won = await asyncio.gather(
                *(cards.claim_carried(card_id, CardCarried(f"line {n}")) for n in range(5))
            )
            await cards.set_carried(card_id, CardCarried("3 commits to api", "1700000001.000200"))
            # The courier saves the card at its next event: what it carried stays.
            later = Card(
                "hook", "key", "1700000000.000100", Deployment(status=DeploymentStatus.SUCCESSFUL), id=card_id
            )
            await cards.save(later, NOW)
            return list(won), await cards.get(card_id)
        finally:
            direct = DirectPool.of(engine)  # the PostgreSQL pool the cards' statements share
            if direct is not None:
                await direct.close()
            await engine.dispose()

    won, kept = asyncio.run(scenario())
    assert won.count(True) == 1
    assert kept is not None
    assert kept.carried == CardCarried("3 commits to api", "1700000001.000200")
    assert kept.deployment.status is DeploymentStatus.SUCCESSFUL
