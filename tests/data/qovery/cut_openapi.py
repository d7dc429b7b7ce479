"""Cut from Qovery's OpenAPI description the operations the bot uses, with every schema they reach.

    python tests/data/qovery/cut_openapi.py ../shared/qovery/openapi.yaml > tests/data/qovery/openapi.yaml

The source is Qovery's published description (Qovery/qovery-openapi-spec, commit 651aed5, 2026-08-20,
spec version 1.0.4), kept beside the project in `shared/qovery/openapi.yaml`. Nothing is changed in
what is kept, but for four things: a second server, the loopback address where the tests' fake runs;
`DeploymentHistoryServiceDetails`, whose `oneOf` no application's or container's details can pass (its
Helm variant requires no field, so it matches every object and "exactly one" always fails): it is
checked as `anyOf`, what Qovery's own answers satisfy; and `AlertTargetType`, whose first value is
spelled `" CLUSTER"` with a leading space (a slip: every other value and Qovery's console say
`CLUSTER`): it is checked as `CLUSTER`; and `OrganizationEventResponse.timestamp`, described as a
`date-time` while Qovery answers nanoseconds since the epoch as digits (the format its own parameters
`fromTimestamp` and `continueToken` name): it is checked as either; and a response declared with
`content: {}` (a body of no media type, which no answer can be: `cancelDeploymentRequest`'s 202),
checked as the empty answer it is.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

# (path, method) of every operation the bot's Qovery client calls.
OPERATIONS = [
    ("/organization", "get"),
    ("/organization/{organizationId}/webhook", "get"),
    ("/organization/{organizationId}/webhook", "post"),
    ("/organization/{organizationId}/webhook/{webhookId}", "get"),
    ("/organization/{organizationId}/webhook/{webhookId}", "put"),
    ("/organization/{organizationId}/webhook/{webhookId}", "delete"),
    ("/organization/{organizationId}/webhook/{webhookId}/event", "get"),
    ("/organization/{organizationId}/project", "get"),
    ("/project/{projectId}/environment", "get"),
    ("/environment/{environmentId}", "get"),
    ("/environment/{environmentId}/status", "get"),
    ("/environment/{environmentId}/services", "get"),
    ("/environment/{environmentId}/deploy", "post"),
    ("/environment/{environmentId}/stop", "post"),
    ("/environment/{environmentId}/redeploy", "post"),
    ("/environment/{environmentId}/service/deploy", "post"),
    ("/environment/{environmentId}/cancelDeployment", "post"),
    ("/environment/{environmentId}/deploymentHistoryV2", "get"),
    ("/environment/{environmentId}/logs", "get"),
    ("/environment/{environmentId}/link", "get"),
    ("/environment/{environmentId}/deploymentQueue", "get"),
    ("/deploymentQueue/{deploymentRequestId}/cancelDeployment", "post"),
    ("/organization/{organizationId}/alert-rules", "get"),
    ("/alert-rules/{alertRuleId}", "get"),
    ("/alert-rules/{alertRuleId}", "put"),
    ("/alert-receivers", "post"),
    ("/alert-receivers/{alertReceiverId}", "delete"),
    ("/alert-receivers/{alertReceiverId}/validate", "post"),
    ("/application/{applicationId}/commit", "get"),
    ("/job/{jobId}/commit", "get"),
    ("/helm/{helmId}/commit", "get"),
    ("/terraform/{terraformId}/commit", "get"),
    ("/organization/{organizationId}/events", "get"),
    ("/application/{applicationId}", "get"),
    ("/container/{containerId}", "get"),
]
SOURCE = "Qovery/qovery-openapi-spec commit 651aed5 (2026-08-20), spec version 1.0.4"


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(value) for value in node))
    return set()


def cut(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        item = spec["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        kept[method] = item[method]
        for response in kept[method].get("responses", {}).values():
            if response.get("content") == {}:
                del response["content"]
    components: dict[str, Any] = {"securitySchemes": spec["components"]["securitySchemes"]}
    pending = refs(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        node = spec["components"][section][name]
        components.setdefault(section, {})[name] = node
        pending |= refs(node) - seen
    details = components.get("schemas", {}).get("DeploymentHistoryServiceDetails")
    if details is not None and "oneOf" in details:
        components["schemas"]["DeploymentHistoryServiceDetails"] = {
            ("anyOf" if key == "oneOf" else key): value for key, value in details.items()
        }
    target_type = components.get("schemas", {}).get("AlertTargetType")
    if target_type is not None:
        target_type["enum"] = [value.strip() for value in target_type["enum"]]
    event = components.get("schemas", {}).get("OrganizationEventResponse")
    if event is not None:
        described = event["properties"]["timestamp"]
        event["properties"]["timestamp"] = {
            "anyOf": [described, {"type": "string", "pattern": "^[0-9]{1,20}$"}]
        }
    for section in components:
        components[section] = dict(sorted(components[section].items()))
    return {
        "openapi": spec["openapi"],
        "info": {**spec["info"], "x-cut-from": SOURCE},
        "servers": [
            *spec["servers"],
            {"url": "http://127.0.0.1:{port}", "variables": {"port": {"default": "80"}}},
        ],
        "security": spec["security"],
        "paths": paths,
        "components": components,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as source:
        full = yaml.safe_load(source)
    sys.stdout.write(f"# Cut by tests/data/qovery/cut_openapi.py from {SOURCE}.\n")
    yaml.safe_dump(cut(full), sys.stdout, sort_keys=False, allow_unicode=True, width=110)
