"""A step's inputs, as Workflow Builder sends them: read as hostile as a command's arguments. Names are
matched against what Qovery lists (never put in a path), versions keep to a commit's or a tag's
characters, and who acts comes only from the `user_context` input, which a workflow's builder cannot
type."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.blocks import escape
from bot.errors import UserError

__all__ = [
    "DEPLOY",
    "ENVIRONMENT_STATUS",
    "PROMOTE",
    "ROLLBACK",
    "STEPS",
    "WAIT_FOR_DEPLOYMENT",
    "StepInputs",
]

DEPLOY = "deploy"
PROMOTE = "promote"
ROLLBACK = "rollback"
ENVIRONMENT_STATUS = "environment_status"
WAIT_FOR_DEPLOYMENT = "wait_for_deployment"
STEPS = (DEPLOY, PROMOTE, ROLLBACK, ENVIRONMENT_STATUS, WAIT_FOR_DEPLOYMENT)

_NAME = 200  # characters of a project, environment or service name
_SERVICES = 20
_COMMIT = re.compile(r"[0-9a-fA-F]{7,40}")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}")
_SLACK_ID = re.compile(r"[A-Z0-9]{2,20}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class StepInputs:
    """What one run was given, read."""

    environment: str = ""  # `project/environment`
    source: str = ""  # a promotion's `project/environment`
    target: str = ""  # a promotion's: an environment of the same project, or `project/environment`
    services: tuple[str, ...] = ()
    commit: str | None = None
    tag: str | None = None
    channel_id: str | None = None
    user_id: str | None = None  # of the user context: who acts
    timeout_minutes: int | None = None

    @classmethod
    def read(cls, inputs: object) -> StepInputs:
        given: Mapping[str, object] = inputs if isinstance(inputs, Mapping) else {}
        version = _text(given.get("version"), "version", 128)
        commit = tag = None
        if version is not None:
            if _COMMIT.fullmatch(version):
                commit = version
            elif _TAG.fullmatch(version):
                tag = version
            else:
                raise UserError(
                    f"The version `{escape(version[:40])}` is neither a commit nor an image tag: "
                    "nothing was done."
                )
        services = tuple(
            s.strip() for s in (_text(given.get("services"), "services", 2000) or "").split(",") if s.strip()
        )
        if len(services) > _SERVICES:
            raise UserError(f"A step deploys at most {_SERVICES} services by name: nothing was done.")
        if any(len(s) > _NAME for s in services):
            raise UserError("A service's name is too long: nothing was done.")
        return cls(
            environment=_text(given.get("environment"), "environment", 2 * _NAME + 1) or "",
            source=_text(given.get("from"), "environment to promote from", 2 * _NAME + 1) or "",
            target=_text(given.get("to"), "environment to promote to", 2 * _NAME + 1) or "",
            services=services,
            commit=commit,
            tag=tag,
            channel_id=_slack_id(given.get("channel"), "channel"),
            user_id=_user(given.get("user_context")),
            timeout_minutes=_minutes(given.get("timeout_minutes")),
        )

    def where(self, given: str | None = None) -> str:
        """`project/environment`, else a UserError: the step needs both."""
        text = self.environment if given is None else given
        project, slash, environment = text.partition("/")
        if not slash or not project.strip() or not environment.strip():
            raise UserError(
                "The environment is given as `project/environment` (for example `billing/production`): "
                "nothing was done."
            )
        return text


def _text(value: object, name: str, limit: int) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit or _CONTROL.search(value):
        raise UserError(
            f"The {name} given is not a line of text of at most {limit} characters: nothing was done."
        )
    return value.strip() or None


def _slack_id(value: object, name: str) -> str | None:
    text = _text(value, name, 20)
    if text is not None and not _SLACK_ID.fullmatch(text):
        raise UserError(f"The {name} given is not a Slack id: nothing was done.")
    return text


def _user(value: object) -> str | None:
    """The user context's person: Workflow Builder fills it, `{"id": "U…", "secret": …}`."""
    if not isinstance(value, Mapping):
        return None
    return _slack_id(value.get("id"), "user context")


def _minutes(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise UserError("The timeout is a number of minutes, from 1 to 60.")
    try:
        minutes = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer too large for a float
        raise UserError("The timeout is a number of minutes, from 1 to 60.") from None
    if not minutes.is_integer() or not 1 <= minutes <= 60:
        raise UserError("The timeout is a number of minutes, from 1 to 60.")
    return int(minutes)
