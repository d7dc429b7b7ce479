"""What `/qovery help` answers (from the grammar and the option table), and a command's error."""

from __future__ import annotations

from bot.alerts import ALERT_TABLE
from bot.blocks import Message, context, header, section
from bot.commands.grammar import GRAMMAR
from bot.errors import CommandError, usage_line, user_words
from bot.subscriptions import TABLE

__all__ = ["error_message", "help_message", "usage_line"]

_EXAMPLES = (
    "webhook create --events failure,cancelled --envs production",
    'webhook create --projects "billing*,web" --mode thread',
    "webhook edit 3f2a9c --enabled false",
    "deploy billing/staging --service worker --tag 1.5.0",
    "rollback billing/production",
    "alerts subscribe --envs production --severity high --mention @oncall",
)


def help_message(command: str) -> Message:
    commands = "\n".join(
        f"`{' '.join(filter(None, (command, line.words, line.arguments)))}`  {line.help}" for line in GRAMMAR
    )
    options = "\n".join(f"`--{option.name}`  {option.help}" for option in TABLE)
    alert_options = "\n".join(f"`--{option.name}`  {option.help}" for option in ALERT_TABLE)
    examples = "\n".join(f"`{command} {example}`" for example in _EXAMPLES)
    text = f"{command}: manage the Qovery webhooks that notify this channel, and act on environments"
    return {
        "response_type": "ephemeral",
        "text": text,
        "blocks": [
            header("Qovery deployments in Slack"),
            section(f"*Commands*\n{commands}"),
            section(f"*Options of create, edit and subscribe*\n{options}"),
            section(f"*Alert options* (of `alerts subscribe`)\n{alert_options}"),
            section(f"*Examples*\n{examples}"),
            context(
                "`<id>` is a webhook's full id or the first 6 or more characters of it. "
                "Options take `--name value` or `--name=value`; an empty value clears a filter. "
                "Every action on an environment asks for a confirmation first."
            ),
        ],
    }


def error_message(command: str, error: CommandError) -> Message:
    text = user_words(error, command)
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text)]}
