"""The Slack app manifest: what `qovery-slack manifest` prints and `manifest.yml` holds.

Built here rather than read from `manifest.yml`, so that the installed command needs no file beside it
and the OAuth flow asks for exactly the scopes the manifest declares. A test keeps `manifest.yml`
equal to `render_manifest(PLACEHOLDER_URL, "/qovery")`.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["BOT_SCOPES", "PLACEHOLDER_URL", "build_manifest", "render_manifest"]

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


def build_manifest(public_url: str, slash_command: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    events_url = f"{base}/slack/events"
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
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
                "bot_events": ["app_home_opened", "app_uninstalled", "tokens_revoked", "link_shared"],
            },
            "interactivity": {"is_enabled": True, "request_url": events_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": False,
            "token_rotation_enabled": False,
        },
    }


def render_manifest(public_url: str, slash_command: str) -> str:
    manifest = build_manifest(public_url, slash_command)
    return "# Slack app manifest of qovery-slack: `qovery-slack manifest` prints it with your URL.\n" + (
        yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=100)
    )
