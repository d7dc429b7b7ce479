"""The deployment an alert followed, as kept with its firing, read back as an aware UTC time whatever
zone it was kept with: a firing kept before times were read at the edge may hold one with no zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.alerts.blame import Blame

ENDED = datetime(2026, 11, 1, 6, 10, tzinfo=UTC)


@pytest.mark.parametrize("kept", ["2026-11-01T06:10:00", "2026-11-01T11:10:00+05:00", "2026-11-01T06:10:00Z"])
def test_a_kept_blame_reads_back_as_the_instant_in_utc(kept: str) -> None:
    found = Blame.from_json(
        {"execution_id": "e", "environment_id": "env", "ended_at": kept, "status": "successful"}
    )
    assert found is not None
    assert found.ended_at == ENDED
    assert found.ended_at.utcoffset() == timedelta()
    assert found.ended_at - timedelta(minutes=10) < ENDED  # compared with aware times, nothing raises


@pytest.mark.parametrize("kept", ["yesterday", "9999-12-31T23:59:59-23:59", 5, None])
def test_a_kept_blame_with_an_unreadable_time_names_no_deployment(kept: object) -> None:
    assert (
        Blame.from_json({"execution_id": "e", "environment_id": "env", "ended_at": kept, "status": "x"})
        is None
    )
