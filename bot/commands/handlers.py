"""The slash command's table: each typed command and the use case that answers it.

Like cosmic python's `COMMAND_HANDLERS`. A handler says how the answer comes, and the Slack adapter
only carries it out:

    Reply      words to answer with at once, in the acknowledgement (nothing slow happened)
    Respond    acknowledged at once; the use case's message follows through the response_url
    OpenForm   acknowledged at once, then a modal opened with the command's trigger (3 seconds):
               `view` at once, or a "loading" view that `fill` replaces

Each use case checks its own permission; a failure becomes the user's words (`bot.errors.user_words`).
Adding a subcommand: its command (bot/commands/typed.py), its line in the grammar
(bot/commands/grammar.py), its handler here, its use case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.access import Caller
from bot.actions import (
    CANCEL_REQUEST_ACTION,
    CONFIRM_ACTION,
    DISMISS_ACTION,
    ActionRequest,
    EnvironmentActions,
    EnvironmentViews,
    QueuedRequests,
    read_where,
)
from bot.actions import Login as LoginUseCase
from bot.alerts import (
    ACKNOWLEDGE_ACTION,
    ALERT_ROLLBACK_ACTION,
    SILENCE_ACTION,
    UNSILENCE_ACTION,
    AlertClicks,
    AlertCommands,
)
from bot.approvals import APPROVE_ACTION, REJECT_ACTION, WITHDRAW_ACTION, Approvals, Audit
from bot.blocks import Message, plain
from bot.changefeed import ChangeCommands
from bot.commands.parser import parse
from bot.commands.typed import (
    Act,
    AddFreeze,
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
    FreezesOff,
    Help,
    ListFreezes,
    ListWebhooks,
    Login,
    Logout,
    Promote,
    RemoveFreeze,
    SetEnabled,
    SetPolicy,
    ShowAudit,
    ShowChanges,
    ShowDeliveries,
    ShowHistory,
    ShowPolicy,
    ShowStatus,
    ShowWebhook,
    Unsubscribe,
)
from bot.commands.usage import error_message, help_message
from bot.connection import Connection
from bot.deliveries import CANCEL_ACTION, REDEPLOY_ACTION, REPLAY_ACTION, ROLLBACK_ACTION, DeliveryLog
from bot.doctor import DOCTOR_ACTION, REPAIR_ACTION
from bot.doctor import Doctor as DoctorUseCase
from bot.errors import CommandError, UserError, user_words
from bot.forms import connect_form, login_form, notice_form
from bot.freezes import EXCEPTION_ACTION, Freezes
from bot.promotion import (
    CANCEL_PROMOTION_ACTION,
    PROMOTE_ACTION,
    PROMOTE_CARD_ACTION,
    PromotionRequest,
    Promotions,
)
from bot.qovery import QoveryError
from bot.subscriptions import DELETE_ACTION, KEEP_ACTION, UNSUBSCRIBE_ACTION, WebhookCommands, webhook_form

__all__ = ["Button", "OpenForm", "Outcome", "Reply", "Respond", "SlashCommands", "answer"]

View = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    message: Message


@dataclass(frozen=True)
class Respond:
    work: Callable[[], Awaitable[Message]]


@dataclass(frozen=True)
class OpenForm:
    title: str
    view: View | None = None
    fill: Callable[[], Awaitable[View]] | None = None


Outcome = Reply | Respond | OpenForm


@dataclass(frozen=True)
class Button:
    """A button of the bot's own: the use case its click runs (with the click's value, which it must
    check), and whether its answer to the one who clicked (None: nothing more to say to them) replaces
    the message that held the button. A click that `opens_form` answers with a modal to open (with the
    click's trigger), or with words when it will not."""

    click: Callable[[Caller, object], Awaitable[Message | None]]
    replace_original: bool = False
    opens_form: bool = False


async def answer(work: Awaitable[Message], slash_command: str) -> Message:
    """The use case's message, or the words for what went wrong; never a traceback."""
    try:
        return await work
    except (UserError, QoveryError) as error:
        return plain(user_words(error, slash_command))


class SlashCommands:
    """`/qovery ...`: the typed command to the use case, through the table."""

    def __init__(
        self,
        slash_command: str,
        webhooks: WebhookCommands,
        connection: Connection,
        delivery_log: DeliveryLog,
        actions: EnvironmentActions,
        views: EnvironmentViews,
        login: LoginUseCase,
        doctor: DoctorUseCase,
        alerts: AlertCommands,
        alert_clicks: AlertClicks,
        approvals: Approvals,
        audit: Audit,
        changes: ChangeCommands,
        promotions: Promotions,
        freezes: Freezes,
        queue: QueuedRequests,
    ) -> None:
        self._queue = queue
        self._command = slash_command
        self._webhooks = webhooks
        self._delivery_log = delivery_log
        self._actions = actions
        self._doctor = doctor
        self._alert_clicks = alert_clicks
        self._approvals = approvals
        self._promotions = promotions
        self._table: dict[type[Any], Callable[[Any, Caller, dict[str, str]], Outcome]] = {
            Help: lambda _, __, ___: Reply(help_message(slash_command)),
            Connect: lambda _, __, where: OpenForm("Connect Qovery", view=connect_form(where)),
            Disconnect: lambda _, who, __: self._respond(lambda: connection.disconnect(who)),
            ListWebhooks: lambda _, who, __: self._respond(lambda: webhooks.list_webhooks(who)),
            ShowWebhook: lambda c, who, __: self._respond(lambda: webhooks.show(who, c.webhook)),
            CreateWebhook: self._create,
            EditWebhook: self._edit,
            SetEnabled: lambda c, who, __: self._respond(
                lambda: webhooks.set_enabled(who, c.webhook, c.enabled)
            ),
            DeleteWebhook: lambda c, who, __: self._respond(lambda: webhooks.confirm_delete(who, c.webhook)),
            Unsubscribe: lambda _, who, __: self._respond(lambda: webhooks.unsubscribe(who)),
            ShowDeliveries: lambda _, who, __: self._respond(lambda: delivery_log.recent(who)),
            ShowStatus: lambda c, who, __: self._respond(lambda: views.status(who, read_where(c.where))),
            ShowHistory: lambda c, who, __: self._respond(lambda: views.history(who, read_where(c.where))),
            Act: lambda c, who, __: self._respond(
                lambda: actions.propose(who, ActionRequest(c.kind, c.where, c.service, c.commit, c.tag))
            ),
            Login: lambda _, __, where: OpenForm("Log in to Qovery", view=login_form(where)),
            Logout: lambda _, who, __: self._respond(lambda: login.logout(who)),
            Doctor: lambda _, who, __: self._respond(lambda: doctor.report(who)),
            AlertsSubscribe: lambda c, who, __: self._respond(lambda: alerts.subscribe(who, c.filters)),
            AlertsUnsubscribe: lambda _, who, __: self._respond(lambda: alerts.unsubscribe(who)),
            AlertsList: lambda _, who, __: self._respond(lambda: alerts.list_rules(who)),
            AlertsTest: lambda _, who, __: self._respond(lambda: alerts.test(who)),
            ShowPolicy: lambda _, who, __: self._respond(lambda: approvals.show(who)),
            SetPolicy: lambda c, who, __: self._respond(lambda: approvals.set_policy(who, c.policy)),
            ShowAudit: lambda c, who, __: self._respond(lambda: audit.recent(who, c.where, c.user_id)),
            ChangesSubscribe: lambda c, who, __: self._respond(lambda: changes.subscribe(who, c.filters)),
            ChangesUnsubscribe: lambda _, who, __: self._respond(lambda: changes.unsubscribe(who)),
            ChangesList: lambda _, who, __: self._respond(lambda: changes.list_channels(who)),
            ShowChanges: lambda c, who, __: self._respond(
                lambda: changes.recent(who, c.where, c.since, c.user)
            ),
            Promote: lambda c, who, __: self._respond(
                lambda: promotions.propose(who, PromotionRequest(c.source, c.target, c.services))
            ),
            AddFreeze: lambda c, who, __: self._respond(lambda: freezes.add(who, c.freeze)),
            ListFreezes: lambda _, who, __: self._respond(lambda: freezes.listed(who)),
            RemoveFreeze: lambda c, who, __: self._respond(lambda: freezes.remove(who, c.number)),
            FreezesOff: lambda _, who, __: self._respond(lambda: freezes.off(who)),
        }

    def buttons(self) -> dict[str, Button]:
        """The buttons of the command's answers, by action id; Slack's adapter registers each."""
        webhooks, command = self._webhooks, self._command

        async def delete(caller: Caller, value: object) -> Message:
            return await answer(webhooks.delete(caller, str(value)), command)

        async def keep(_: Caller, __: object) -> Message:
            return plain("Nothing was deleted.")

        async def replay(caller: Caller, value: object) -> Message:
            return await answer(self._delivery_log.replay(caller, value), command)

        def said(use_case: Callable[[Caller, object], Awaitable[Message | None]]) -> Button:
            async def click(caller: Caller, value: object) -> Message | None:
                try:
                    return await use_case(caller, value)
                except (UserError, QoveryError) as error:
                    return plain(user_words(error, command))

            return Button(click)

        actions = self._actions
        return {
            DELETE_ACTION: Button(delete, replace_original=True),  # a confirmation gives way to its outcome
            UNSUBSCRIBE_ACTION: Button(delete),  # the list stays, the outcome comes below it
            KEEP_ACTION: Button(keep, replace_original=True),
            REPLAY_ACTION: Button(replay),
            # A card stays as it is: what the one who clicked should read comes beside it.
            REDEPLOY_ACTION: said(actions.redeploy_card),
            CANCEL_ACTION: said(actions.cancel_card),
            ROLLBACK_ACTION: said(actions.rollback_card),
            CONFIRM_ACTION: replace(said(actions.confirm), replace_original=True),
            DISMISS_ACTION: replace(said(actions.dismiss), replace_original=True),
            REPAIR_ACTION: said(self._doctor.repair),
            DOCTOR_ACTION: said(self._doctor.look),
            # An alert's message is drawn again for everyone; the one who clicked reads only a refusal.
            ACKNOWLEDGE_ACTION: said(self._alert_clicks.acknowledge),
            SILENCE_ACTION: said(self._alert_clicks.silence),
            UNSILENCE_ACTION: said(self._alert_clicks.unsilence),
            ALERT_ROLLBACK_ACTION: said(self._alert_clicks.rollback),
            # A request is edited for everyone; the one who clicked reads only a refusal.
            APPROVE_ACTION: said(self._approvals.approve),
            REJECT_ACTION: said(self._approvals.reject),
            WITHDRAW_ACTION: said(self._approvals.withdraw),
            # A plan is edited for everyone; the one who pressed reads what happened, or a refusal.
            PROMOTE_ACTION: said(self._promotions.promote),
            CANCEL_PROMOTION_ACTION: said(self._promotions.cancel),
            PROMOTE_CARD_ACTION: said(self._promotions.from_card),
            EXCEPTION_ACTION: replace(said(self._approvals.exception_form), opens_form=True),
            # A queued action's message is edited for everyone; the one who clicked reads only a refusal.
            CANCEL_REQUEST_ACTION: said(self._queue.cancel),
        }

    async def exception_asked(self, caller: Caller, value: object, reason: object) -> Message:
        """The exception form's submission: the request in the channel, or why not."""
        return await answer(self._approvals.ask_exception(caller, value, reason), self._command)

    def outcome(self, text: str, caller: Caller, where: dict[str, str]) -> Outcome:
        """How to answer `/qovery <text>`; `where` is what a form must carry back (channel, response_url)."""
        try:
            command: Command = parse(text)
        except CommandError as error:
            return Reply(error_message(self._command, error))  # nothing was sent to Qovery
        return self._table[type(command)](command, caller, where)

    def _respond(self, work: Callable[[], Awaitable[Message]]) -> Respond:
        async def answered() -> Message:
            return await answer(work(), self._command)

        return Respond(answered)

    def _create(self, command: CreateWebhook, caller: Caller, where: dict[str, str]) -> Outcome:
        if command.options.is_empty():
            return OpenForm("New webhook", view=webhook_form("New webhook", where))
        return self._respond(lambda: self._webhooks.create(caller, command.options))

    def _edit(self, command: EditWebhook, caller: Caller, where: dict[str, str]) -> Outcome:
        if not command.options.is_empty():
            return self._respond(lambda: self._webhooks.edit(caller, command.webhook, command.options))

        async def filled_in() -> View:
            try:
                webhook_id, values = await self._webhooks.form_values(caller, command.webhook)
            except (UserError, QoveryError) as error:
                return notice_form("Edit webhook", user_words(error, self._command))
            return webhook_form("Edit webhook", where | {"webhook_id": webhook_id}, values)

        return OpenForm("Edit webhook", fill=filled_in)
