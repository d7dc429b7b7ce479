"""Qovery console links, read (SPEC §18): which environment, and which service in it, a link pasted in
Slack names. Only `https://console.qovery.com` and ids shaped like Qovery's are taken; anything else is
no link of Qovery's. Pure.

The forms read: an environment's pages (`/organization/{org}/project/{project}/environment/{env}/overview`,
`/services`, `/deployments`, `/logs/...`), a service's (`.../environment/{env}/application/{id}/general`,
and likewise `container`, `database`, `job`, `helm`, `service`), and the older
`/platform/organization/{org}/projects/{project}/environments/{env}/applications/{id}/...`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.qovery import is_qovery_id

__all__ = ["ConsoleLink", "read_link"]

_HOST = "console.qovery.com"
# A service's page, or its logs (`/logs/{service id}/deployment-logs/...`).
_SERVICE_KINDS = {"application", "container", "database", "job", "helm", "service", "lifecycle", "log"}
_MOST_CHARACTERS = 2000  # a link longer than this is no console link


@dataclass(frozen=True)
class ConsoleLink:
    url: str  # as it was shared: the key of its unfurl
    organization_id: str
    project_id: str
    environment_id: str
    service_id: str | None = None


def _pairs(segments: list[str]) -> dict[str, str]:
    """`organization/{id}/project/{id}/...` as {"organization": id, "project": id, ...}: the first id
    after each word, the word's plural taken as the word."""
    found: dict[str, str] = {}
    for word, value in itertools.pairwise(segments):
        key = word.lower().removesuffix("s")
        if key not in found and is_qovery_id(value):
            found[key] = value.lower()
    return found


def read_link(url: str) -> ConsoleLink | None:
    """The environment (and service) a console link names; None for anything else."""
    if len(url) > _MOST_CHARACTERS or not url.isascii():
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname != _HOST or parts.port is not None or parts.username:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments[:1] == ["platform"]:
        segments = segments[1:]  # the console's older paths
    if len(segments) < 6 or segments[0] != "organization":
        return None
    found = _pairs(segments)
    if not {"organization", "project", "environment"} <= set(found):
        return None
    if re.search(r"[^\w\-./]", parts.path):
        return None
    service = next((found[kind] for kind in sorted(_SERVICE_KINDS) if kind in found), None)
    return ConsoleLink(url, found["organization"], found["project"], found["environment"], service)
