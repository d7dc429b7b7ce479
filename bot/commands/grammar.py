"""The slash command's grammar, as a table: each subcommand's words, its arguments and help for the
usage, and how its arguments become a typed command. Adding a subcommand: its command in
bot/commands/typed.py, a line here, and its handler in bot/commands/handlers.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.actions import ActionKind
from bot.commands.typed import (
    Act,
    AlertsList,
    AlertsSubscribe,
    AlertsTest,
    AlertsUnsubscribe,
    ChangesList,
    ChangesSubscribe,
    ChangesUnsubscribe,
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
    ShowPolicy,
    ShowStatus,
    ShowWebhook,
    Unsubscribe,
)
from bot.commands.words import (
    alert_options,
    at_most_one,
    audit,
    change_options,
    changes,
    deploy,
    exactly_one,
    freeze,
    no_more,
    options,
    policy,
    promote,
    webhook_id,
)
from bot.errors import CommandError

__all__ = ["BY_WORDS", "GRAMMAR", "GROUPS", "SUBCOMMANDS", "WEBHOOK_ACTIONS", "Subcommand"]


@dataclass(frozen=True)
class Subcommand:
    """One line of the grammar: the words that name it, how its arguments are read, its usage."""

    words: str  # "webhook edit"
    arguments: str  # "<id> [options]", for the usage
    help: str  # what it does, for the usage
    build: Callable[[str, list[str]], Command]  # (its words, the rest of the text) -> the command


def _bare(command: Command) -> Callable[[str, list[str]], Command]:
    def build(words: str, rest: list[str]) -> Command:
        no_more(words, rest)
        return command

    return build


def _on_webhook(build: Callable[[str, str, list[str]], Command]) -> Callable[[str, list[str]], Command]:
    """A subcommand about one webhook: its id first, then the rest."""

    def read(words: str, rest: list[str]) -> Command:
        if not rest or rest[0].startswith("--"):
            raise CommandError(f"`{words}` needs the webhook's id (or its first 6 characters).")
        return build(words, webhook_id(rest[0]), rest[1:])

    return read


def _one_webhook(command: Callable[[str], Command]) -> Callable[[str, list[str]], Command]:
    def build(words: str, webhook: str, rest: list[str]) -> Command:
        no_more(words, rest)
        return command(webhook)

    return _on_webhook(build)


def _acting(kind: ActionKind) -> Callable[[str, list[str]], Command]:
    def build(words: str, rest: list[str]) -> Command:
        return Act(kind, exactly_one(words, rest, "`billing/production`"))

    return build


# In the order the usage lists it.
GRAMMAR: tuple[Subcommand, ...] = (
    Subcommand("help", "", "this help", _bare(Help())),
    Subcommand("connect", "", "paste a Qovery API token for this workspace (admins)", _bare(Connect())),
    Subcommand("disconnect", "", "forget this workspace's Qovery token (admins)", _bare(Disconnect())),
    Subcommand(
        "webhook list", "", "every webhook of the organization, and the channel each one notifies",
        _bare(ListWebhooks()),
    ),
    Subcommand(
        "webhook create", "[options]", "a webhook that notifies this channel; no options opens a form",
        lambda _, rest: CreateWebhook(options(rest)),
    ),
    Subcommand("webhook show", "<id>", "one webhook and its last 10 deliveries", _one_webhook(ShowWebhook)),
    Subcommand(
        "webhook edit", "<id> [options]", "change only the options given; no options opens a form",
        _on_webhook(lambda _, webhook, rest: EditWebhook(webhook, options(rest))),
    ),
    Subcommand(
        "webhook enable", "<id>", "turn a webhook on", _one_webhook(lambda w: SetEnabled(w, enabled=True))
    ),
    Subcommand(
        "webhook disable", "<id>", "turn a webhook off", _one_webhook(lambda w: SetEnabled(w, enabled=False))
    ),
    Subcommand(
        "webhook delete", "<id>", "delete a webhook, after a confirmation", _one_webhook(DeleteWebhook)
    ),
    Subcommand(
        "subscribe", "[options]", "same as webhook create",
        lambda _, rest: CreateWebhook(options(rest)),
    ),
    Subcommand(
        "unsubscribe", "", "the webhooks that notify this channel, each with a delete button",
        _bare(Unsubscribe()),
    ),
    Subcommand(
        "deliveries", "", "this channel's last 20 deliveries; failed ones can be replayed",
        _bare(ShowDeliveries()),
    ),
    Subcommand(
        "status", "[project[/environment]]", "the environments' state and their last deployment",
        lambda words, rest: ShowStatus(at_most_one(words, rest)),
    ),
    Subcommand(
        "history", "<project>/<environment>", "its last 10 deployments: when, who, what, versions",
        lambda words, rest: ShowHistory(exactly_one(words, rest, "`billing/production`")),
    ),
    Subcommand(
        "deploy", "<project>/<environment> [--service S --commit SHA | --tag T]",
        "every service at its latest version, or one service at a version", lambda _, rest: deploy(rest),
    ),
    Subcommand("redeploy", "<project>/<environment>", "deploy it again", _acting(ActionKind.REDEPLOY)),
    Subcommand(
        "cancel", "<project>/<environment>", "cancel its running deployment", _acting(ActionKind.CANCEL)
    ),
    Subcommand("stop", "<project>/<environment>", "stop its services", _acting(ActionKind.STOP)),
    Subcommand(
        "rollback", "<project>/<environment>", "every service back to its version in the last good one",
        _acting(ActionKind.ROLLBACK),
    ),
    Subcommand(
        "promote", "<project>/<environment> --to <environment> [--services S]",
        "a plan in the channel: the target's services at the versions the source runs, with Promote",
        lambda _, rest: promote(rest),
    ),
    Subcommand(
        "doctor", "", "what keeps subscriptions from notifying (a moved bot, a deleted webhook ...)",
        _bare(Doctor()),
    ),
    Subcommand(
        "alerts subscribe", "[alert options]", "Qovery's alerts in this channel: one live message per firing",
        lambda _, rest: AlertsSubscribe(alert_options(rest)),
    ),
    Subcommand("alerts unsubscribe", "", "no more alerts in this channel", _bare(AlertsUnsubscribe())),
    Subcommand(
        "alerts list", "", "the organization's alert rules, their state, and which channels get them",
        _bare(AlertsList()),
    ),
    Subcommand("alerts test", "", "Qovery sends this channel's alert receiver a test", _bare(AlertsTest())),
    Subcommand("policy show", "", "which actions wait for an approver, and who", _bare(ShowPolicy())),
    Subcommand(
        "policy approvals", '[ENV_TYPES] --approvers "@leads" [--actions deploy,rollback ...] | off',
        "actions on those environments wait for an approver (admins)", lambda _, rest: policy(rest),
    ),
    Subcommand(
        "policy freeze", '"fri 16:00-mon 08:00 Europe/Paris" [ENV_TYPES] --reason R | now 4h ... | list | '
        "remove <n> | off", "release freezes: add (a weekly window) or now, list, remove, off (admins)",
        lambda _, rest: freeze(rest),
    ),
    Subcommand(
        "audit", "[project[/environment]] [--user @x]", "the last 20 actions from Slack, and requests",
        lambda _, rest: audit(rest),
    ),
    Subcommand(
        "changes subscribe", "[--projects P] [--envs TYPES] [--env-names N] [--kinds K] [--mention @x]",
        "the organization's changes (variables, settings, services, access ...) in this channel",
        lambda _, rest: ChangesSubscribe(change_options(rest)),
    ),
    Subcommand("changes unsubscribe", "", "no more changes in this channel", _bare(ChangesUnsubscribe())),
    Subcommand(
        "changes list", "", "the channels that get the change feed, and their filters", _bare(ChangesList())
    ),
    Subcommand(
        "changes", "[project[/environment]] [--since 7d] [--user X]", "the last 20 changes the bot recorded",
        lambda _, rest: changes(rest),
    ),
    Subcommand("login", "", "your own Qovery token: your actions then run as you at Qovery", _bare(Login())),
    Subcommand("logout", "", "forget your own Qovery token", _bare(Logout())),
)  # fmt: skip
BY_WORDS = {subcommand.words: subcommand for subcommand in GRAMMAR}
SUBCOMMANDS = tuple(dict.fromkeys(subcommand.words.split()[0] for subcommand in GRAMMAR))
# Subcommands of two words, by their first (`webhook`, `alerts`): the second word is an action.
GROUPS: dict[str, tuple[str, ...]] = {}
for _line in GRAMMAR:
    if " " in _line.words:
        _group, _action = _line.words.split(" ", 1)
        GROUPS[_group] = (*GROUPS.get(_group, ()), _action)
WEBHOOK_ACTIONS = GROUPS["webhook"]
