"""The rules of `webhook edit`, against in-memory ports: only what is given changes, the secret is sent
again, what the bot did not make is left alone, and only those who may change webhooks can."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any, cast

import pytest

from bot.access import Access, BotConfig, Caller
from bot.errors import UserError
from bot.ports import Workspace
from bot.qovery import QoveryApi, WebhookEvent, WebhookKind, WebhookSpec
from bot.subscriptions.hooks import new_hook
from bot.subscriptions.options import DisplayMode, HookSettings, WebhookOptions
from bot.subscriptions.webhooks import WebhookCommands
from tests.fakes.memory import MemoryHooks, MemoryQovery, MemoryWorkspaces

ORG = "0e000000-0000-4000-8000-0000000000a1"
OURS, FOREIGN = "0e000000-0000-4000-8000-000000000001", "0e000000-0000-4000-8000-000000000002"
PUBLIC_URL = "https://bot.example.com"


class Admins:
    def __init__(self, *admins: str) -> None:
        self._admins = admins

    async def is_admin(self, user_id: str) -> bool:
        return user_id in self._admins

    async def in_group(self, user_id: str, group_id: str) -> bool:
        return False

    async def email(self, user_id: str) -> str | None:
        return None


ADMIN = Caller("T1", "U0ADMIN", "C1", "deploys", directory=Admins("U0ADMIN"))
MEMBER = Caller("T1", "U0MEMBER", "C1", "deploys", directory=Admins("U0ADMIN"))


class World:
    def __init__(self) -> None:
        self.qovery = MemoryQovery(ORG)
        self.hooks = MemoryHooks()
        workspaces = MemoryWorkspaces(Workspace("T1", "qov_token", ORG, "U0SOMEONE"))
        access = Access(BotConfig(PUBLIC_URL), workspaces, lambda _: cast(QoveryApi, self.qovery))
        self.webhooks = WebhookCommands(BotConfig(PUBLIC_URL), access, self.hooks)
        self.hook = replace(new_hook("T1", "C1", "deploys", HookSettings(), "U0ADMIN"), webhook_id=OURS)
        asyncio.run(self.hooks.add(self.hook))
        self.qovery.add(self.spec(self.hook.target_url(PUBLIC_URL), self.hook.secret), OURS)

    @staticmethod
    def spec(target_url: str, secret: str | None) -> WebhookSpec:
        return WebhookSpec(
            kind=WebhookKind.SLACK,
            target_url=target_url,
            target_secret=secret,
            description="Slack #deploys",
            events=[WebhookEvent.DEPLOYMENT_FAILURE],
            project_names_filter=["billing*"],
        )

    def run(self, work: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run(work)


def test_only_what_is_given_changes_and_the_secret_is_sent_again() -> None:
    world = World()
    world.run(world.webhooks.edit(ADMIN, OURS, WebhookOptions(enabled=False)))
    [put] = world.qovery.puts
    assert put.enabled is False
    assert (put.events, put.project_names_filter, put.description) == (
        [WebhookEvent.DEPLOYMENT_FAILURE],
        ["billing*"],
        "Slack #deploys",
    )
    assert put.target_secret == world.hook.secret  # or Qovery would drop it


def test_a_bot_kept_setting_is_kept_by_the_bot() -> None:
    world = World()
    world.run(world.webhooks.edit(ADMIN, OURS[:8], WebhookOptions(mode=DisplayMode.POST)))
    assert world.hooks.rows[world.hook.id].settings.mode is DisplayMode.POST


def test_a_webhook_made_elsewhere_with_a_secret_is_left_alone() -> None:
    world = World()
    world.qovery.add(World.spec("https://elsewhere.example.com/hook", "their-secret"), FOREIGN)
    with pytest.raises(UserError, match="has a secret the bot does not know"):
        world.run(world.webhooks.edit(ADMIN, FOREIGN, WebhookOptions(enabled=False)))
    assert world.qovery.puts == []


def test_a_bot_kept_setting_applies_only_to_the_bots_own_webhooks() -> None:
    world = World()
    world.qovery.add(World.spec("https://elsewhere.example.com/hook", None), FOREIGN)
    with pytest.raises(UserError, match="`--mode` applies only to the webhooks this bot made"):
        world.run(world.webhooks.edit(ADMIN, FOREIGN, WebhookOptions(mode=DisplayMode.POST)))
    assert world.qovery.puts == []


def test_a_member_may_not_edit() -> None:
    world = World()
    with pytest.raises(UserError, match="only workspace admins and owners"):
        world.run(world.webhooks.edit(MEMBER, OURS, WebhookOptions(enabled=False)))
    assert world.qovery.puts == []
