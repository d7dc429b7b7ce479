"""The services of every kind Qovery lists, as `listServicesByEnvironmentId` and the deployment history
return them, for the fake Qovery to serve: what each kind's response schema requires beyond the common
fields (HelmResponse, JobResponse, TerraformResponse, ArgocdAppResponse, AgenticWorkflowResponse), and
each kind's `details` in a deployment (DeploymentHistoryServiceDetails). A kind the spec does not know
(`QUANTUM_THING`, what Qovery may add tomorrow) gets nothing more: the fake serves it off the spec.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["EVERY_KIND", "history_details", "service_fields"]

# One service of each kind, by name: what a test environment of every kind holds.
EVERY_KIND = {
    "api": "APPLICATION",
    "worker": "CONTAINER",
    "db": "DATABASE",
    "nightly": "JOB",
    "chart": "HELM",
    "infra": "TERRAFORM",
    "argo": "ARGOCD_APP",
    "agent": "AGENTIC_WORKFLOW",
    "quantum": "QUANTUM_THING",
}
_REPOSITORY = {
    "provider": "GITHUB",
    "owner": "acme",
    "name": "platform",
    "url": "https://github.com/acme/platform",
}


def _id() -> str:
    return str(uuid.uuid4())


def service_fields(service_type: str, environment_id: str, name: str) -> dict[str, Any]:
    """What a service of a kind other than an application, a container or a database carries."""
    match service_type:
        case "JOB":
            return {
                "maximum_cpu": 4000, "maximum_memory": 8192, "maximum_gpu": 0, "cpu": 500, "memory": 512,
                "gpu": 0, "auto_preview": False, "healthchecks": {}, "job_type": "CRON",
                "source": {"image": {"image_name": f"ghcr.io/acme/{name}", "tag": "2.1.0", "registry": {
                    "id": _id(), "name": "GitHub", "url": "https://ghcr.io", "kind": "GITHUB_CR"}}},
                "schedule": {"cronjob": {"timezone": "UTC", "scheduled_at": "0 3 * * *"}},
            }  # fmt: skip
        case "HELM":
            return {
                "auto_preview": False, "auto_deploy": False, "arguments": [],
                "allow_cluster_wide_resources": False, "values_override": {},
                "source": {"git": {"git_repository": _REPOSITORY}},
            }  # fmt: skip
        case "TERRAFORM":
            return {
                "timeout_sec": 1800, "auto_deploy": False, "engine": "TERRAFORM",
                "backend": {"kubernetes": {}},
                "terraform_variables_source": {"tf_var_file_paths": [], "tf_vars": []},
                "provider_version": {"explicit_version": "1.9.0"},
                "job_resources": {"cpu_milli": 500, "ram_mib": 512, "gpu": 0, "storage_gib": 1},
                "use_cluster_credentials": False, "action_extra_arguments": {},
            }  # fmt: skip
        case "ARGOCD_APP":
            return {"namespace": name, "environment_id": environment_id, "cluster_id": _id()}
        case "AGENTIC_WORKFLOW":
            return {
                "slug": name, "description": "Triage of failed deployments", "webhook_ip_allowlist": [],
                "docker_fragment": "", "enabled": True, "mcp": "{}", "mcp_server_ids": [], "outputs": [],
                "model": {"type": "CLAUDE", "settings": "{}"}, "project_repositories": [],
                "agent_prompt": "Find why it failed.", "governance": {"host_allowlist": []},
                "resources": {"cpu_milli": 500, "ram_mib": 512, "gpu": 0, "storage_gib": 1},
                "webhook": {"url": f"https://agents.qovery.com/{name}"},
            }  # fmt: skip
    return {}  # a kind the spec does not describe: nothing more is known of it


def history_details(service_type: str, commit: dict[str, Any]) -> dict[str, Any]:
    """A deployment's `details` of a service of that kind, as DeploymentHistoryServiceDetails has them:
    a job's image and tag, a Helm chart's name and version, a Terraform service's commit; nothing for
    the kinds the description has no details for."""
    match service_type:
        case "JOB":
            return {"image_name": "ghcr.io/acme/nightly", "tag": "2.1.0", "job_type": "CRON"}
        case "HELM":
            return {"repository": {"chart_name": "acme-chart", "chart_version": "1.2.0"}}
        case "TERRAFORM":
            return {"commit": commit}
    return {}
