"""What `/qovery help` answers, and the usage shown beside every error in a command."""

from __future__ import annotations

from bot.blocks import Message, context, escape, header, section
from bot.commands import CommandError

__all__ = ["error_message", "help_message", "usage_line"]

# (arguments, what it does) for each subcommand, in the specification's order.
_SUBCOMMANDS = (
    ("help", "this help"),
    ("connect", "paste a Qovery API token for this workspace (admins)"),
    ("disconnect", "forget this workspace's Qovery token (admins)"),
    ("webhook list", "every webhook of the organization, and the channel each one notifies"),
    ("webhook create [options]", "a webhook that notifies this channel; no options opens a form"),
    ("webhook show <id>", "one webhook and its last 10 deliveries"),
    ("webhook edit <id> [options]", "change only the options given; no options opens a form"),
    ("webhook enable <id>", "turn a webhook on"),
    ("webhook disable <id>", "turn a webhook off"),
    ("webhook delete <id>", "delete a webhook, after a confirmation"),
    ("subscribe [options]", "same as webhook create"),
    ("unsubscribe", "the webhooks that notify this channel, each with a delete button"),
    ("deliveries", "this channel's last 20 deliveries; failed ones can be replayed"),
)

_OPTIONS = (
    ("--events", "started,successful,failure,cancelled or all (default all)"),
    ("--projects", "project names, a trailing * is a wildcard"),
    ("--envs", "production,staging,development,preview"),
    ("--description", "text (default: Slack #channel)"),
    ("--kind", "slack (default) or standard"),
    ("--enabled", "true (default) or false"),
    ("--mode", "update (default: one card edited in place), thread or post"),
)

_EXAMPLES = (
    "webhook create --events failure,cancelled --envs production",
    'webhook create --projects "billing*,web" --mode thread',
    "webhook edit 3f2a9c --enabled false",
)


def usage_line(command: str) -> str:
    return f"Usage: `{command} <subcommand> [arguments]` (try `{command} help`)"


def help_message(command: str) -> Message:
    commands = "\n".join(f"`{command} {args}`  {what}" for args, what in _SUBCOMMANDS)
    options = "\n".join(f"`{name}`  {values}" for name, values in _OPTIONS)
    examples = "\n".join(f"`{command} {example}`" for example in _EXAMPLES)
    text = f"{command}: manage the Qovery webhooks that notify this channel"
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [
            header("Qovery deployments in Slack"),
            section(f"*Commands*\n{commands}"),
            section(f"*Options of create, edit and subscribe*\n{options}"),
            section(f"*Examples*\n{examples}"),
            context(
                "`<id>` is a webhook's full id or the first 6 or more characters of it. "
                "Options take `--name value` or `--name=value`; an empty value clears a filter."
            ),
        ],
    }


def error_message(command: str, error: CommandError) -> Message:
    lines = [f":warning: {escape(error.message)}"]
    if error.accepted:
        lines.append("Accepted: " + ", ".join(f"`{word}`" for word in error.accepted))
    lines.append(usage_line(command))
    text = "\n".join(lines)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
