"""The kinds of service Qovery runs in an environment (its `ServiceTypeEnum`), read tolerantly at the edge.

Qovery adds kinds (Helm charts and Terraform services, then Argo CD applications and agentic workflows):
a kind the bot does not know is kept as the string Qovery sent, cut short, so that the service is still
shown by its name and that word, never dropped and never the reason a whole answer is refused.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = ["AnyServiceType", "ServiceType", "read_service_type", "type_words"]

_LONGEST = 40  # of a kind the bot does not know, as it is shown


class ServiceType(StrEnum):
    APPLICATION = "APPLICATION"
    CONTAINER = "CONTAINER"
    DATABASE = "DATABASE"
    JOB = "JOB"
    HELM = "HELM"
    TERRAFORM = "TERRAFORM"
    ARGOCD_APP = "ARGOCD_APP"
    AGENTIC_WORKFLOW = "AGENTIC_WORKFLOW"

    @property
    def words(self) -> str:
        return _WORDS[self]

    @property
    def pinnable(self) -> bool:
        """Whether the bot can deploy it at a given version (deployAllServices): an application's commit,
        a container's image tag, a job's either. Qovery also takes a Helm chart's and a Terraform
        service's, but their history does not say which of their sources a commit is of."""
        return self in (ServiceType.APPLICATION, ServiceType.CONTAINER, ServiceType.JOB)


_WORDS = {
    ServiceType.APPLICATION: "application",
    ServiceType.CONTAINER: "container",
    ServiceType.DATABASE: "database",
    ServiceType.JOB: "job",
    ServiceType.HELM: "Helm chart",
    ServiceType.TERRAFORM: "Terraform",
    ServiceType.ARGOCD_APP: "Argo CD application",
    ServiceType.AGENTIC_WORKFLOW: "agentic workflow",
}


def read_service_type(value: Any) -> ServiceType | str:
    """A kind as Qovery sent it: a known one in any case, else the string itself, stripped and cut;
    anything but a string is no kind at all ("")."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    try:
        return ServiceType(text.upper())
    except ValueError:
        return text[:_LONGEST]


def type_words(kind: str | None) -> str:
    """`Helm chart`: a kind in words; one the bot does not know as Qovery spells it (not escaped); ""
    for none."""
    found = read_service_type(kind)
    return found.words if isinstance(found, ServiceType) else found


# A model's service kind from Qovery: a ServiceType, or the unknown kind's own (bounded) string.
AnyServiceType = Annotated[ServiceType | str, BeforeValidator(read_service_type)]
