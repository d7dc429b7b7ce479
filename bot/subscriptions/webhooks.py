"""The webhook use cases: list, show, create, edit, enable, disable, delete, unsubscribe.

Each takes the caller and returns the message to answer with; each that changes something checks the
caller's permission first. Qovery is reached through the workspace's token (`Access`); the bot's own
hooks come from `Hooks`. A failure the user can act on raises `UserError`, a failure at Qovery a
`QoveryError`: `bot.errors.user_words` turns both into words.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace

from pydantic import ValidationError

from bot.access import Access, BotConfig, Caller
from bot.blocks import Message, plain
from bot.errors import FormError, UserError
from bot.qovery import (
    QoveryApi,
    QoveryError,
    QoveryInvalidRequest,
    QoveryNotFound,
    Webhook,
    WebhookKind,
    WebhookSpec,
    is_qovery_id,
)
from bot.subscriptions.hooks import Hook, new_hook
from bot.subscriptions.options import ALL_EVENTS, BOT_KEPT, HookSettings, WebhookOptions
from bot.subscriptions.ports import Hooks
from bot.subscriptions.webhook_views import (
    delete_confirmation,
    detail_message,
    list_message,
    short_id,
    unsubscribe_message,
    webhook_message,
)

__all__ = ["WebhookCommands", "spec_of"]

log = logging.getLogger(__name__)
_FULL_ID_LENGTH = 36
_DELIVERIES_SHOWN = 10


class WebhookCommands:
    def __init__(self, config: BotConfig, access: Access, hooks: Hooks) -> None:
        self._config = config
        self._access = access
        self._hooks = hooks

    async def list_webhooks(self, caller: Caller) -> Message:
        api, organization = await self._access.qovery(caller.team_id)
        own = await self._own_hooks(caller.team_id)
        webhooks = self._visible(await api.list_webhooks(organization), own)
        return list_message(webhooks, own, self._config.public_url)

    async def show(self, caller: Caller, reference: str) -> Message:
        api, organization = await self._access.qovery(caller.team_id)
        webhook = await self._find(caller, api, organization, reference)
        deliveries = await api.list_webhook_deliveries(organization, webhook.id)
        latest = sorted(deliveries, key=lambda d: d.created_at, reverse=True)[:_DELIVERIES_SHOWN]
        hook = (await self._own_hooks(caller.team_id)).get(webhook.id)
        return detail_message(webhook, hook, latest, self._config.public_url)

    async def create(self, caller: Caller, options: WebhookOptions) -> Message:
        await self._access.check_may_change(caller)
        api, organization = await self._access.qovery(caller.team_id)
        hook = new_hook(
            caller.team_id,
            caller.channel_id,
            caller.channel_name,
            HookSettings().merged(options),
            caller.user_id,
        )
        spec = WebhookSpec(
            kind=options.kind or WebhookKind.SLACK,
            target_url=hook.target_url(self._config.public_url),
            target_secret=hook.secret,
            description=options.description or f"Slack #{caller.channel_name or caller.channel_id}",
            enabled=True if options.enabled is None else options.enabled,
            events=list(options.events or ALL_EVENTS),
            project_names_filter=list(options.projects or ()),
            environment_types_filter=list(options.envs or ()),
        )
        title = ":white_check_mark: Webhook created: Qovery will notify this channel."
        try:
            webhook = await api.create_webhook(organization, spec)
        except QoveryInvalidRequest:
            if spec.kind is not WebhookKind.SLACK:
                raise
            # Qovery may insist that a SLACK webhook target Slack itself; this endpoint reads both kinds.
            webhook = await api.create_webhook(
                organization, spec.model_copy(update={"kind": WebhookKind.STANDARD})
            )
            title += (
                "\nQovery refused a Slack-kind webhook whose target is not Slack itself, "
                "so it was made a standard one: the bot reads both the same way."
            )
        hook = replace(hook, webhook_id=webhook.id)
        try:
            await self._hooks.add(hook)
        except Exception:
            # Leave nothing half-done: a webhook at Qovery with no hook here would only ever get 404.
            with contextlib.suppress(QoveryError):
                await api.delete_webhook(organization, webhook.id)
            raise
        return webhook_message(title, webhook, hook, self._config.public_url)

    async def check_form(self, caller: Caller) -> None:
        """A webhook form from someone who may not change webhooks is refused under its first field."""
        if not await self._access.may_change(caller):
            raise FormError({"events": await self._access.who_may(caller.team_id)})

    async def form_values(self, caller: Caller, reference: str) -> tuple[str, WebhookOptions]:
        """The webhook's id and current values, to fill the edit form in."""
        await self._access.check_may_change(caller)
        api, organization = await self._access.qovery(caller.team_id)
        webhook = await self._find(caller, api, organization, reference)
        hook = (await self._own_hooks(caller.team_id)).get(webhook.id)
        spec = spec_of(webhook, secret=None)
        kept = {o.key: getattr(hook.settings, o.key) for o in BOT_KEPT} if hook else {}
        return webhook.id, WebhookOptions(
            events=tuple(spec.events),
            projects=tuple(spec.project_names_filter),
            envs=tuple(spec.environment_types_filter),
            description=spec.description,
            kind=spec.kind,
            enabled=spec.enabled,
            **kept,
        )

    async def edit(self, caller: Caller, reference: str, options: WebhookOptions) -> Message:
        await self._access.check_may_change(caller)
        api, organization = await self._access.qovery(caller.team_id)
        webhook = await self._find(caller, api, organization, reference)
        hook = (await self._own_hooks(caller.team_id)).get(webhook.id)
        if hook is None and webhook.target_secret_set:
            raise UserError(
                f"Webhook `{short_id(webhook.id)}` was not made by this bot and has a secret the bot does "
                "not know: Qovery would drop it on an edit. Change it in the Qovery console instead."
            )
        kept = [o.name for o in BOT_KEPT if getattr(options, o.key) is not None]
        if kept and hook is None:
            raise UserError(f"`--{kept[0]}` applies only to the webhooks this bot made for a channel.")
        current = spec_of(webhook, secret=hook.secret if hook else None)
        changes = {
            field: value
            for field, value in {
                "events": options.events and list(options.events),
                "project_names_filter": None if options.projects is None else list(options.projects),
                "environment_types_filter": None if options.envs is None else list(options.envs),
                "description": options.description,
                "kind": options.kind,
                "enabled": options.enabled,
            }.items()
            if value is not None
        }
        updated = await api.edit_webhook(organization, webhook.id, current.model_copy(update=changes))
        if hook is not None and kept:
            hook = replace(hook, settings=hook.settings.merged(options))
            await self._hooks.set_settings(hook.id, hook.settings)
        return webhook_message(":white_check_mark: Webhook updated.", updated, hook, self._config.public_url)

    async def set_enabled(self, caller: Caller, reference: str, enabled: bool) -> Message:
        return await self.edit(caller, reference, WebhookOptions(enabled=enabled))

    async def confirm_delete(self, caller: Caller, reference: str) -> Message:
        await self._access.check_may_change(caller)
        api, organization = await self._access.qovery(caller.team_id)
        webhook = await self._find(caller, api, organization, reference)
        hook = (await self._own_hooks(caller.team_id)).get(webhook.id)
        return delete_confirmation(webhook, hook, self._config.public_url)

    async def delete(self, caller: Caller, webhook_id: str) -> Message:
        await self._access.check_may_change(caller)
        if not is_qovery_id(webhook_id):  # a forged button's value: it names no webhook at all
            raise UserError("This button names no webhook: nothing was deleted.")
        api, organization = await self._access.qovery(caller.team_id)
        own = await self._own_hooks(caller.team_id)
        hook = own.get(webhook_id)
        gone = ""
        try:
            # Looked at first: a button's value can be forged, and another workspace's webhook is off limits.
            if not self._visible([await api.get_webhook(organization, webhook_id)], own):
                raise UserError(f"The organization has no webhook `{webhook_id}`.")
            await api.delete_webhook(organization, webhook_id)
        except QoveryNotFound:
            gone = " (Qovery had already deleted it)"
        if hook is not None:
            await self._hooks.revoke(hook.id)
        where = f": <#{hook.channel_id}> gets no more deployment messages from it" if hook else ""
        return plain(f":wastebasket: Webhook `{short_id(webhook_id)}` deleted{gone}{where}.")

    async def unsubscribe(self, caller: Caller) -> Message:
        await self._access.check_may_change(caller)
        api, organization = await self._access.qovery(caller.team_id)
        hooks = {
            webhook_id: hook
            for webhook_id, hook in (await self._own_hooks(caller.team_id)).items()
            if hook.channel_id == caller.channel_id
        }
        webhooks = [w for w in await api.list_webhooks(organization) if w.id in hooks]
        return unsubscribe_message(webhooks, hooks, self._config.public_url)

    def _visible(self, webhooks: list[Webhook], own: dict[str, Hook]) -> list[Webhook]:
        """The webhooks a workspace may see: all of the organization's, but for those that notify
        another workspace through this bot (workspaces may share an organization's token)."""
        ours = f"{self._config.public_url}/qovery/hooks/"
        return [w for w in webhooks if w.id in own or not w.target_url.startswith(ours)]

    async def _find(self, caller: Caller, api: QoveryApi, organization: str, reference: str) -> Webhook:
        """The webhook a full id or a unique prefix names, among those the workspace may see."""
        own = await self._own_hooks(caller.team_id)
        if len(reference) == _FULL_ID_LENGTH:
            try:
                candidates = [await api.get_webhook(organization, reference)]
            except QoveryNotFound:
                candidates = []
        else:
            candidates = [
                w for w in await api.list_webhooks(organization) if w.id.lower().startswith(reference)
            ]
        matches = self._visible(candidates, own)
        if not matches:
            if len(reference) == _FULL_ID_LENGTH:
                raise UserError(f"The organization has no webhook `{reference}`.")
            raise UserError(f"No webhook of the organization has an id starting with `{reference}`.")
        if len(matches) > 1:
            listed = ", ".join(f"`{w.id}`" for w in matches[:10])
            raise UserError(
                f"`{reference}` starts the ids of several webhooks: {listed}. Give more characters."
            )
        return matches[0]

    async def _own_hooks(self, team_id: str) -> dict[str, Hook]:
        """The workspace's live hooks, by the id of their webhook at Qovery."""
        return {hook.webhook_id: hook for hook in await self._hooks.of_team(team_id) if hook.webhook_id}


def spec_of(webhook: Webhook, secret: str | None) -> WebhookSpec:
    """The webhook as a full request body, as a PUT must send it."""
    try:
        return WebhookSpec(
            kind=webhook.kind,  # type: ignore[arg-type]  # checked by pydantic below
            target_url=webhook.target_url,
            target_secret=secret,
            description=webhook.description,
            enabled=webhook.enabled,
            events=webhook.events,  # type: ignore[arg-type]
            project_names_filter=webhook.project_names_filter,
            environment_types_filter=webhook.environment_types_filter,  # type: ignore[arg-type]
        )
    except ValidationError:
        raise UserError(
            f"Webhook `{short_id(webhook.id)}` uses a kind, event or environment type this bot does not "
            "know: change it in the Qovery console."
        ) from None
