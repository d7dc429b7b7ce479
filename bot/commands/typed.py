"""The typed commands: what `/qovery <text>` asks for, once read (bot/commands/parser.py reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.actions import ActionKind
from bot.alerts import AlertFilters
from bot.approvals import Policy
from bot.changefeed import ChangeFilters
from bot.freezes import FreezeRequest
from bot.subscriptions import WebhookOptions

__all__ = [
    "Act",
    "AddFreeze",
    "AlertsList",
    "AlertsSubscribe",
    "AlertsTest",
    "AlertsUnsubscribe",
    "Command",
    "Connect",
    "CreateWebhook",
    "DeleteWebhook",
    "Disconnect",
    "Doctor",
    "EditWebhook",
    "FreezesOff",
    "Help",
    "ListFreezes",
    "ListWebhooks",
    "Login",
    "Logout",
    "Promote",
    "RemoveFreeze",
    "SetEnabled",
    "SetPolicy",
    "ShowAudit",
    "ShowDeliveries",
    "ShowHistory",
    "ShowPolicy",
    "ShowStatus",
    "ShowWebhook",
    "Unsubscribe",
]


@dataclass(frozen=True)
class Help:
    """Show the usage."""


@dataclass(frozen=True)
class Connect:
    pass


@dataclass(frozen=True)
class Disconnect:
    pass


@dataclass(frozen=True)
class ListWebhooks:
    pass


@dataclass(frozen=True)
class ShowWebhook:
    webhook: str  # a full id or a prefix of at least 6 characters


@dataclass(frozen=True)
class CreateWebhook:
    options: WebhookOptions  # empty: open the form


@dataclass(frozen=True)
class EditWebhook:
    webhook: str
    options: WebhookOptions  # empty: open the form, filled in


@dataclass(frozen=True)
class SetEnabled:
    webhook: str
    enabled: bool


@dataclass(frozen=True)
class DeleteWebhook:
    webhook: str


@dataclass(frozen=True)
class Unsubscribe:
    pass


@dataclass(frozen=True)
class ShowStatus:
    """The environments' state; `where` is `project[/environment]` as typed, or empty for all."""

    where: str = ""


@dataclass(frozen=True)
class ShowHistory:
    where: str  # project/environment


@dataclass(frozen=True)
class ShowDeliveries:
    """This channel's last deliveries, as the bot saw them."""


@dataclass(frozen=True)
class Act:
    """An action on an environment (SPEC §12), confirmed before it runs."""

    kind: ActionKind
    where: str  # project/environment
    service: str | None = None  # deploy only: one service, at `commit` or `tag`
    commit: str | None = None
    tag: str | None = None


@dataclass(frozen=True)
class Promote:
    """A promotion's plan (bot.promotion): what `target` would run at `source`'s versions."""

    source: str  # project/environment
    target: str  # environment, or project/environment
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class Doctor:
    """What keeps this workspace's subscriptions from notifying, each with its repair."""


@dataclass(frozen=True)
class Login:
    """Open the form for the user's own Qovery token."""


@dataclass(frozen=True)
class Logout:
    pass


@dataclass(frozen=True)
class AlertsSubscribe:
    """This channel's alerts (SPEC §14), kept by its filters."""

    filters: AlertFilters


@dataclass(frozen=True)
class AlertsUnsubscribe:
    pass


@dataclass(frozen=True)
class AlertsList:
    pass


@dataclass(frozen=True)
class AlertsTest:
    pass


@dataclass(frozen=True)
class ShowPolicy:
    pass


@dataclass(frozen=True)
class SetPolicy:
    """A new approval policy (SPEC §16), or none."""

    policy: Policy | None


@dataclass(frozen=True)
class AddFreeze:
    """A release freeze: a weekly window, or a span from now."""

    freeze: FreezeRequest


@dataclass(frozen=True)
class ListFreezes:
    pass


@dataclass(frozen=True)
class RemoveFreeze:
    number: int  # as `policy freeze list` numbers it


@dataclass(frozen=True)
class FreezesOff:
    pass


@dataclass(frozen=True)
class ShowAudit:
    where: str = ""  # project[/environment], or everything
    user_id: str | None = None


@dataclass(frozen=True)
class ChangesSubscribe:
    filters: ChangeFilters


@dataclass(frozen=True)
class ChangesUnsubscribe:
    pass


@dataclass(frozen=True)
class ChangesList:
    pass


@dataclass(frozen=True)
class ShowChanges:
    where: str = ""  # project[/environment], or everything
    since: timedelta = timedelta(days=7)
    user: str | None = None  # an e-mail or a Slack mention


Command = (
    Help
    | Promote
    | Connect
    | Disconnect
    | ListWebhooks
    | ShowWebhook
    | CreateWebhook
    | EditWebhook
    | SetEnabled
    | DeleteWebhook
    | Unsubscribe
    | ShowDeliveries
    | ShowStatus
    | ShowHistory
    | Act
    | Login
    | Logout
    | Doctor
    | AlertsSubscribe
    | AlertsUnsubscribe
    | AlertsList
    | AlertsTest
    | ShowPolicy
    | SetPolicy
    | ShowAudit
    | ChangesSubscribe
    | ChangesUnsubscribe
    | ChangesList
    | ShowChanges
    | AddFreeze
    | ListFreezes
    | RemoveFreeze
    | FreezesOff
)
