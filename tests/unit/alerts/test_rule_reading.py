"""Qovery's list of alert rules read at the edge, pure: each rule on its own, one the bot cannot read kept
as a marker keyed like its firings (not gone), with the reason in words; another organization's left out."""

from __future__ import annotations

from typing import Any

import pytest

from bot.alerts.rules import firing_key
from bot.qovery import AlertRule, read_rules

ORG = "3d3cfa47-b575-431f-a39c-8e20f277e0c6"
OTHER_ORG = "9d3cfa47-b575-431f-a39c-8e20f277e0c6"
RULE_ID = "11111111-2222-4333-8444-555555555555"


def item(**fields: Any) -> dict[str, Any]:
    return {"id": RULE_ID, "source": "MANAGED", "name": "High 5xx rate", "state": "TRIGGERED",
            "organization_id": ORG, "starts_at": "2026-12-03T13:56:00Z"} | fields  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "key", "reason"),
    [
        ({"id": "a" * 500}, None, "its `id` is not a Qovery id"),
        ({"id": "rule-1"}, None, "its `id` is not a Qovery id"),
        ({"starts_at": "9999-12-31T23:59:59Z"}, f"rule:{RULE_ID}", "its `starts_at` is not a time the bot"),
        ({"starts_at": "yesterday"}, f"rule:{RULE_ID}", "its `starts_at` is not a time the bot can read"),
        ({"state": 7}, f"rule:{RULE_ID}", "its `state` is not in a shape the bot reads"),
        ({"source": None}, f"rule:{RULE_ID}", "its `source` is not in a shape the bot reads"),
    ],
)
def test_a_rule_the_bot_cannot_read_is_a_marker_keyed_like_its_firings(
    fields: dict[str, Any], key: str | None, reason: str
) -> None:
    listed = read_rules([item(**fields), item(id="22222222-2222-4333-8444-555555555555", name="Good")], ORG)
    assert [r.name for r in listed.rules] == ["Good"]  # the one after it is read
    [unreadable] = listed.unreadable
    assert unreadable.key == key
    assert unreadable.reason.startswith(reason)
    assert unreadable.name == "High 5xx rate"


def test_a_ghost_rule_the_bot_cannot_read_is_keyed_by_its_name_and_target() -> None:
    target = {"target_type": "APPLICATION", "target_id": "5b1e9f4c-2a6d-4e8b-a1c3-7d9f0e2b4c6a"}
    ghost = {"source": "GHOST", "name": "Old rule", "state": "NOTIFIED", "target": target}
    readable = AlertRule.read(ghost)
    assert readable is not None
    [unreadable] = read_rules([ghost | {"starts_at": "no time"}], ORG).unreadable
    assert unreadable.key == firing_key(readable)


def test_times_with_no_zone_or_an_offset_are_the_same_instant_in_utc() -> None:
    listed = read_rules(
        [item(starts_at="2026-12-03T13:56:00"), item(starts_at="2026-12-03T18:56:00+05:00")], ORG
    )
    assert {r.starts_at for r in listed.rules} == {AlertRule.read(item()).starts_at}  # type: ignore[union-attr]


def test_a_rule_of_another_organization_is_left_out_and_what_is_no_rule_is_unreadable() -> None:
    others = [item(organization_id=OTHER_ORG), item(organization_id="acme", state=7)]
    listed = read_rules([*others, "a rule", item()], ORG)
    assert len(listed.rules) == 1
    assert [u.reason for u in listed.unreadable] == ["Qovery listed something that is not an alert rule"]
