"""A digest's figures (SPEC §17) from recorded cards: the change failure rate, the median duration, the
time to recover from a failure to the next success of that environment, and who deployed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.deliveries import Card, Deployment, DeploymentStatus
from bot.deliveries.events import Named
from bot.digests.digest import digest_message
from bot.digests.figures import by_environment, figures_of
from tests.fakes.slack_api import block_kit_problem

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
OK, FAILED, CANCELLED = DeploymentStatus.SUCCESSFUL, DeploymentStatus.FAILED, DeploymentStatus.CANCELLED


def card(minutes: int, status: DeploymentStatus, env: str = "production", who: str | None = None,
         took: int = 3) -> Card:  # fmt: skip
    at = T0 + timedelta(minutes=minutes)
    deployment = Deployment(
        status, at, f"run-{minutes}-{env}", Named("o"), Named("p", "billing"), Named(None, env)
    )
    return Card(
        "hook", deployment.key or "", "", deployment, at - timedelta(minutes=took), at, triggered_by=who
    )


def test_the_figures_of_one_environment() -> None:
    figures = figures_of([
        card(0, OK, who="alice", took=2),
        card(60, FAILED, who="bob", took=4),
        card(70, FAILED, who="bob", took=6),  # still broken: recovery counts from the first failure
        card(100, OK, who="bob", took=10),  # recovered 40 min after it broke
        card(110, CANCELLED),  # changed nothing: not in the failure rate nor the durations
        card(200, FAILED, who="alice"),  # not recovered yet
    ])  # fmt: skip
    assert figures.count == 6
    assert [c.finished_at for c in figures.failures] == [T0 + timedelta(minutes=m) for m in (60, 70, 200)]
    assert figures.change_failure_rate == 3 / 5
    assert figures.median_seconds == 4 * 60  # of 2, 4, 6, 10, 3 minutes
    assert figures.recover_seconds == 40 * 60
    assert figures.unrecovered == 1
    assert figures.who == (("bob", 3), ("alice", 2))
    assert figures.unknown_who == 1


def test_recoveries_are_per_environment_and_busiest_environments_come_first() -> None:
    cards = [card(0, FAILED, "production"), card(5, OK, "staging"), card(30, OK, "production"),
             card(40, OK, "staging"), card(50, OK, "staging")]  # fmt: skip
    assert figures_of(cards).recover_seconds == 30 * 60  # staging's success is not production's recovery
    assert [latest.deployment.environment.name for latest, _ in by_environment(cards)] == [
        "staging",
        "production",
    ]


def test_nothing_finished_is_said_in_a_line() -> None:
    message = digest_message("Weekly digest", T0, [])
    assert block_kit_problem(message) is None
    assert "No deployment finished." in message["blocks"][0]["text"]["text"]
    assert figures_of([]).change_failure_rate is None


def test_only_cancelled_deployments_have_no_failure_rate() -> None:
    message = digest_message("Daily digest", T0, [card(1, CANCELLED)])
    assert block_kit_problem(message) is None
    assert (
        "1 deployment in 1 environment · 0 failed · no change finished"
        in message["blocks"][0]["text"]["text"]
    )
