"""A card's note keeps a release freeze's mark beside whatever line comes after it (the first minutes'
verdict): both are drawn, both survive being stored, and an old note without a mark still reads."""

from __future__ import annotations

import json

from bot.deliveries.cards import render_card
from bot.deliveries.events import Deployment, DeploymentStatus
from bot.deliveries.ports import CardNote


def test_a_freeze_mark_stays_beside_a_later_verdict() -> None:
    marked = CardNote("", frozen=":snowflake: During the freeze (_launch_)")
    verdict = CardNote(":white_check_mark: quiet for 15 minutes", frozen=marked.frozen)
    assert CardNote.from_json(verdict.to_json()) == verdict
    drawn = json.dumps(render_card(Deployment(DeploymentStatus.SUCCESSFUL), note=verdict))
    assert "During the freeze" in drawn
    assert "quiet for 15 minutes" in drawn
    alone = json.dumps(render_card(Deployment(DeploymentStatus.RUNNING), note=marked))
    assert alone.count('"type": "context"') == 1 + json.dumps(
        render_card(Deployment(DeploymentStatus.RUNNING))
    ).count('"type": "context"')  # the mark, and no empty line for the verdict not come yet
    assert CardNote.from_json('{"line": "old", "rollback": true}') == CardNote("old", True)
