"""The Slack app manifest: what `qovery-slack manifest` prints and `manifest.yml` holds.

Built here rather than read from `manifest.yml`, so that the installed command needs no file beside it
and the OAuth flow asks for exactly the scopes the manifest declares. A test keeps `manifest.yml`
equal to `render_manifest(PLACEHOLDER_URL, "/qovery")`.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["BOT_SCOPES", "FUNCTIONS", "PLACEHOLDER_URL", "build_manifest", "render_manifest"]

PLACEHOLDER_URL = "https://qovery-slack.example.com"

# commands: the slash command; chat:write: cards and replies; chat:write.public: cards in public
# channels the bot was not invited to; users:read: is the caller a workspace admin or owner;
# users:read.email: `--mention trigger`, the member whose e-mail triggered a deployment at Qovery;
# usergroups:read: is the one who clicks Approve in the policy's approver group; links:read and
# links:write: console links pasted in Slack, unfurled.
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "users:read.email",
    "usergroups:read",
    "links:read",
    "links:write",
)


def _input(kind: str, title: str, description: str) -> dict[str, str]:
    return {"type": kind, "title": title, "description": description}


_ENVIRONMENT = _input(
    "string", "Environment", "project/environment, as Qovery names them: billing/production"
)
_CHANNEL = _input(
    "slack#/types/channel_id",
    "Channel",
    "Where the action's message, its card and any approval request go (else the environment's channel)",
)
# Workflow Builder fills it from whoever started the workflow or pressed a button, and never lets a
# workflow's builder type it: the one person a step acts as.
_USER_CONTEXT = _input("slack#/types/user_context", "Who acts", "The person the step acts as")
_ACTED = {
    "properties": {
        "status": _input("string", "Status", "What Qovery answered"),
        "versions": _input("string", "Versions", "Each service and the version deployed"),
        "card_link": _input("string", "Card link", "The action's message, where the card joins"),
    },
    "required": ["status"],
}


def _step(title: str, description: str, inputs: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": title,
        "description": description,
        "input_parameters": inputs,
        "output_parameters": outputs,
    }


# The Workflow Builder steps (bot/steps/), by callback id.
FUNCTIONS: dict[str, Any] = {
    "deploy": _step(
        "Deploy an environment",
        "Deploy a Qovery environment, or some of its services at a version, as the person acting",
        {
            "properties": {
                "environment": _ENVIRONMENT,
                "services": _input("string", "Services", "Service names, comma separated (else every one)"),
                "version": _input("string", "Version", "A commit or an image tag, for the services named"),
                "channel": _CHANNEL,
                "user_context": _USER_CONTEXT,
            },
            "required": ["environment", "user_context"],
        },
        _ACTED,
    ),
    "promote": _step(
        "Promote an environment",
        "Deploy in one environment the versions another runs (staging to production), as the person acting",
        {
            "properties": {
                "from": _input("string", "From", "project/environment whose versions are promoted"),
                "to": _input("string", "To", "An environment of the same project, or project/environment"),
                "services": _input("string", "Services", "Service names, comma separated (else every one)"),
                "channel": _CHANNEL,
                "user_context": _USER_CONTEXT,
            },
            "required": ["from", "to", "user_context"],
        },
        _ACTED,
    ),
    "rollback": _step(
        "Roll back an environment",
        "Back to the versions of the latest successful deployment before the last one",
        {
            "properties": {"environment": _ENVIRONMENT, "channel": _CHANNEL, "user_context": _USER_CONTEXT},
            "required": ["environment", "user_context"],
        },
        _ACTED,
    ),
    "environment_status": _step(
        "Environment status",
        "A Qovery environment's state, its last deployment and the versions it runs",
        {"properties": {"environment": _ENVIRONMENT}, "required": ["environment"]},
        {
            "properties": {
                "state": _input("string", "State", "The environment's state"),
                "last_status": _input("string", "Last deployment's status", "Its status"),
                "last_triggered_by": _input("string", "Last deployment by", "Who started it"),
                "last_at": _input("string", "Last deployment at", "When it started (ISO 8601, UTC)"),
                "versions": _input("string", "Versions", "Each service and its version"),
            },
            "required": ["state"],
        },
    ),
    "wait_for_deployment": _step(
        "Wait for a deployment",
        "Wait until the environment's running deployment ends, failed included; an error at the timeout",
        {
            "properties": {
                "environment": _ENVIRONMENT,
                "timeout_minutes": _input("integer", "Timeout (minutes)", "From 1 to 60"),
            },
            "required": ["environment", "timeout_minutes"],
        },
        {
            "properties": {
                "final_status": _input("string", "Final status", "How the deployment ended"),
                "duration_seconds": _input("integer", "Duration (seconds)", "How long it took"),
            },
            "required": ["final_status", "duration_seconds"],
        },
    ),
}


def build_manifest(public_url: str, slash_command: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    events_url = f"{base}/slack/events"
    return {
        # Version 2: the shape of the steps' `functions` (their parameters' `properties` and `required`).
        "_metadata": {"major_version": 2, "minor_version": 1},
        "display_information": {
            "name": "Qovery",
            "description": "Qovery deployments in your channels, and the webhooks that send them",
            "background_color": "#642dff",
            "long_description": (
                "Subscribe a channel to Qovery deployment events with one slash command. "
                "Each deployment gets one card, kept up to date from start to finish, with buttons "
                "to open it in the Qovery console, redeploy or roll back after a failure, or cancel while "
                "it runs; deploy, stop and roll back from Slack as yourself, with an audit trail in the "
                "channel. "
                "Webhooks are filtered by event, project and environment type, and every delivery "
                "is stored before it is acknowledged, so a Slack outage loses nothing. The Home tab and "
                "`/qovery doctor` find and repair broken subscriptions."
            ),
        },
        "features": {
            "bot_user": {"display_name": "Qovery", "always_online": True},
            # Console links pasted in Slack unfurl into their environment's state (link_shared).
            "unfurl_domains": ["console.qovery.com"],
            # The Home tab: the connection, the subscriptions, the deliveries and the doctor's findings.
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": False,
                "messages_tab_read_only_enabled": False,
            },
            "slash_commands": [
                {
                    "command": slash_command,
                    "url": events_url,
                    "description": "Qovery deployment notifications for this channel",
                    "usage_hint": "webhook create --events failure --envs production",
                    # Slack sends @name as <@U…|name> and @group as <!subteam^S…|@group>: how
                    # `--mention @alice` names a member for sure.
                    "should_escape": True,
                }
            ],
        },
        "oauth_config": {
            "redirect_urls": [f"{base}/slack/oauth_redirect"],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            # Told when the app is removed or its tokens revoked (the bot then forgets the workspace), and
            # when someone opens the Home tab (the bot then draws it), and when a console link is pasted.
            "event_subscriptions": {
                "request_url": events_url,
                "bot_events": [
                    "app_home_opened",
                    "app_uninstalled",
                    "tokens_revoked",
                    "link_shared",
                    "function_executed",  # a Workflow Builder step runs
                ],
            },
            "interactivity": {"is_enabled": True, "request_url": events_url},
            # Custom steps run by this app's own server, and need an org-ready app.
            "function_runtime": "remote",
            "org_deploy_enabled": True,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
        "functions": FUNCTIONS,
    }


class _NoAliases(yaml.SafeDumper):
    """The steps share parameter dicts: written out in full each time, never as YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def render_manifest(public_url: str, slash_command: str) -> str:
    manifest = build_manifest(public_url, slash_command)
    return "# Slack app manifest of qovery-slack: `qovery-slack manifest` prints it with your URL.\n" + (
        yaml.dump(manifest, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=100)
    )
