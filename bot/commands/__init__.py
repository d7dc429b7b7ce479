"""The slash command: `/qovery <text>` read into a typed command, and the table of use cases that
answer each. Start with `grammar.py` (every subcommand, a line each), then `handlers.py` (which use
case answers it, and the buttons of the answers).

    typed.py     the typed commands
    grammar.py   the table: words, arguments, help, how the arguments are read
    words.py     reading arguments: ids, environments, options (by the option table)
    parser.py    text -> typed command, or a CommandError that names the word
    handlers.py  typed command -> use case (the only module of the core that knows every capability)
    usage.py     the help and the answer to a wrong command
"""

from bot.commands.grammar import GRAMMAR, SUBCOMMANDS, WEBHOOK_ACTIONS, Subcommand
from bot.commands.parser import parse
from bot.commands.typed import (
    Act,
    Command,
    Connect,
    CreateWebhook,
    DeleteWebhook,
    Disconnect,
    Doctor,
    EditWebhook,
    Help,
    ListWebhooks,
    Login,
    Logout,
    SetEnabled,
    ShowDeliveries,
    ShowHistory,
    ShowStatus,
    ShowWebhook,
    Unsubscribe,
)
from bot.errors import CommandError
from bot.subscriptions import ALL_EVENTS, OPTIONS, WebhookOptions, parse_events

__all__ = [
    "ALL_EVENTS",
    "GRAMMAR",
    "OPTIONS",
    "SUBCOMMANDS",
    "WEBHOOK_ACTIONS",
    "Act",
    "Command",
    "CommandError",
    "Connect",
    "CreateWebhook",
    "DeleteWebhook",
    "Disconnect",
    "Doctor",
    "EditWebhook",
    "Help",
    "ListWebhooks",
    "Login",
    "Logout",
    "SetEnabled",
    "ShowDeliveries",
    "ShowHistory",
    "ShowStatus",
    "ShowWebhook",
    "Subcommand",
    "Unsubscribe",
    "WebhookOptions",
    "parse",
    "parse_events",
]
