"""What a deployment carries is looked up for every workspace at once: one workspace whose Qovery is
slow (a huge organization, a git provider that hangs behind it) holds up no other workspace's cards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from bot.access import Access
from bot.contents import DeploymentContents
from bot.contents.ports import CarriedCards
from bot.ports import SlackPoster
from bot.qovery import AuditLog, Commit, DeploymentHistory
from tests.fakes.qovery_history import deployment

ENV = "7c1e2d3f-0a1b-4c2d-8e3f-405162738495"
API = "0b6a3b4e-2f0a-4d6c-9a51-7e1f0c2d3a40"
NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)


class SlowForOneTeam:
    """Access and QoveryApi at once: team T0SLOW's reads wait until released."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.team = "T0FAST"

    async def qovery(self, team_id: str) -> tuple[Any, str]:
        api = SlowForOneTeam.__new__(SlowForOneTeam)
        api.released, api.team = self.released, team_id
        return api, "org"

    async def list_commits(self, service_type: str, service_id: str) -> list[Commit]:
        if self.team == "T0SLOW":
            await self.released.wait()
        return [Commit(git_commit_id=f"{n:040x}") for n in (2, 1, 0)]

    async def list_organization_events(self, organization_id: str, **_: Any) -> AuditLog:
        return AuditLog(())


def entries(execution: str) -> tuple[DeploymentHistory, tuple[DeploymentHistory, ...]]:
    ids = {"api": API}
    new = deployment(
        ENV, execution_id=execution, created_at=NOW, service_ids=ids, commit=(f"{2:040x}", "m", "a")
    )
    old = deployment(ENV, created_at=NOW - timedelta(days=1), service_ids=ids, commit=(f"{0:040x}", "m", "a"))
    found = (DeploymentHistory.model_validate(new), DeploymentHistory.model_validate(old))
    return found[0], found


def test_a_slow_workspace_holds_up_no_other_workspaces_lookups() -> None:
    async def scenario() -> int:
        qovery = SlowForOneTeam()
        contents = DeploymentContents(
            cast(Access, qovery), cast(SlackPoster, None), cast(CarriedCards, None), reads=4
        )
        slow = [asyncio.create_task(contents.lookup("T0SLOW", *entries(f"exec-slow-{n}"))) for n in range(8)]
        await asyncio.sleep(0)  # the slow workspace's lookups take every read they may
        try:
            async with asyncio.timeout(10):  # a guard against a hang, not a measure
                fast = await contents.lookup("T0FAST", *entries("exec-fast"))
        finally:
            qovery.released.set()
            await asyncio.gather(*slow)
            await contents.close()
        assert fast is not None
        return len(fast.services[0].commits)

    assert asyncio.run(scenario()) == 2
