"""`manifest.yml` is a valid Slack app manifest, and `qovery-slack manifest` fills in the URLs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from adapters.slack.manifest import BOT_SCOPES, PLACEHOLDER_URL, render_manifest
from bot.steps import STEPS

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parents[1] / "data/slack"


def validate(manifest: dict[str, Any]) -> None:
    """Against Slack's schema of the manifest's own `_metadata.major_version`."""
    version = manifest["_metadata"]["major_version"]
    schema = json.loads((DATA / f"manifest.schema.{version}.0.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(manifest)


def test_manifest_file_is_valid() -> None:
    validate(yaml.safe_load((ROOT / "manifest.yml").read_text()))


def test_manifest_file_is_what_the_command_prints_with_placeholders() -> None:
    assert (ROOT / "manifest.yml").read_text() == render_manifest(PLACEHOLDER_URL, "/qovery")


def test_manifest_declares_command_interactivity_and_only_the_needed_scopes() -> None:
    manifest = yaml.safe_load(render_manifest("https://bot.example.org/", "/deploys"))
    validate(manifest)
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/deploys"
    assert command["url"] == "https://bot.example.org/slack/events"
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://bot.example.org/slack/events",
    }
    assert manifest["oauth_config"]["redirect_urls"] == ["https://bot.example.org/slack/oauth_redirect"]
    assert manifest["oauth_config"]["scopes"] == {"bot": list(BOT_SCOPES)}
    assert set(BOT_SCOPES) == {
        "commands",
        "chat:write",
        "chat:write.public",
        "users:read",
        "users:read.email",
        "usergroups:read",  # whether who clicks Approve is in the approvers' user group
        "links:read",  # console links pasted in Slack (link_shared) ...
        "links:write",  # ... unfurled (chat.unfurl)
    }
    assert manifest["features"]["unfurl_domains"] == ["console.qovery.com"]
    assert "link_shared" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert command["should_escape"] is True  # @alice comes as <@U…|alice>: who --mention names, for sure


def test_schema_rejects_a_broken_manifest() -> None:
    # The check has teeth: a misspelt setting is not a manifest Slack would take.
    manifest = yaml.safe_load(render_manifest(PLACEHOLDER_URL, "/qovery"))
    manifest["settings"]["interactivity"]["is_enabld"] = True
    try:
        validate(manifest)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a misspelt key")


def test_manifest_declares_the_workflow_builder_steps_run_by_this_server() -> None:
    manifest = yaml.safe_load(render_manifest(PLACEHOLDER_URL, "/qovery"))
    validate(manifest)
    assert manifest["_metadata"]["major_version"] == 2
    assert set(manifest["functions"]) == set(STEPS)
    assert manifest["settings"]["function_runtime"] == "remote"
    assert manifest["settings"]["org_deploy_enabled"] is True
    assert "function_executed" in manifest["settings"]["event_subscriptions"]["bot_events"]
    for step in ("deploy", "promote", "rollback"):
        inputs = manifest["functions"][step]["input_parameters"]
        # Who acts comes from the one input Workflow Builder fills, never from a typed user id.
        assert inputs["properties"]["user_context"]["type"] == "slack#/types/user_context"
        assert "user_context" in inputs["required"]
        assert not any(p["type"] == "slack#/types/user_id" for p in inputs["properties"].values())
        assert inputs["properties"]["channel"]["type"] == "slack#/types/channel_id"
    wait = manifest["functions"]["wait_for_deployment"]["output_parameters"]["properties"]
    assert wait["duration_seconds"]["type"] == "integer"


def test_the_version_2_schema_rejects_functions_in_the_version_1_shape() -> None:
    manifest = yaml.safe_load(render_manifest(PLACEHOLDER_URL, "/qovery"))
    step = manifest["functions"]["environment_status"]
    step["input_parameters"] = step["input_parameters"]["properties"]  # v1's flat shape
    try:
        validate(manifest)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted parameters without `properties`")
