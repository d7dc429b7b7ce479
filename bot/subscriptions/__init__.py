"""Subscriptions: a channel's webhooks at Qovery and the bot's hooks that receive them. Start with
`options.py` (every option of create and edit, one table: the parser, the usage, the form, `webhook
show` and the settings the bot keeps all read it), then `webhooks.py` (the use cases).

    options.py, option_values.py   the option table; the values and how each is read
    times.py                       quiet hours and digest schedules: times of day in a zone
    hooks.py                       the hook: the bot's end of one webhook, in one channel
    webhooks.py                    list, show, create, edit, enable, delete, unsubscribe
    webhook_views.py, form.py      what those answer, and the create/edit form
    ports.py                       the hooks kept
"""

from bot.subscriptions.form import webhook_form
from bot.subscriptions.hooks import Hook, HookKind, new_hook
from bot.subscriptions.option_values import (
    choice,
    environment_types,
    joined,
    mentions,
    names_of,
    project_names,
    promotion_target,
)
from bot.subscriptions.options import (
    ALL_EVENTS,
    OPTIONS,
    TABLE,
    DisplayMode,
    Field,
    HookSettings,
    Mention,
    Only,
    Option,
    QuietFailures,
    WebhookOptions,
    option_named,
    parse_events,
)
from bot.subscriptions.ports import Hooks
from bot.subscriptions.times import DAYS, DigestSchedule, QuietHours, wall_instant, wall_instants, zone_named
from bot.subscriptions.webhook_views import DELETE_ACTION, KEEP_ACTION, UNSUBSCRIBE_ACTION, describe
from bot.subscriptions.webhooks import WebhookCommands, spec_of

__all__ = [
    "ALL_EVENTS",
    "DAYS",
    "DELETE_ACTION",
    "KEEP_ACTION",
    "OPTIONS",
    "TABLE",
    "UNSUBSCRIBE_ACTION",
    "DigestSchedule",
    "DisplayMode",
    "Field",
    "Hook",
    "HookKind",
    "HookSettings",
    "Hooks",
    "Mention",
    "Only",
    "Option",
    "QuietFailures",
    "QuietHours",
    "WebhookCommands",
    "WebhookOptions",
    "choice",
    "describe",
    "environment_types",
    "joined",
    "mentions",
    "names_of",
    "new_hook",
    "option_named",
    "parse_events",
    "project_names",
    "promotion_target",
    "spec_of",
    "wall_instant",
    "wall_instants",
    "webhook_form",
    "zone_named",
]
