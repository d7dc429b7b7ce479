"""A promotion's plan (pure): per service matched by name, the version the target runs (its latest
successful deployment) and the one the source runs, and what lies between.

Only a service whose versions differ, that both environments have, from the same source (image name,
git repository) and of a kind deployAllServices can pin, is deployed; every other one is named with why
it is left as it is. The plan's changes are `bot.actions.ServiceChange`s: what is stored, shown in the
confirmation and the request for approval, and sent to Qovery is the one list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.actions import ServiceChange
from bot.contents import Change, ServiceVersion, walk
from bot.deliveries import matches
from bot.qovery import Commit, Service, ServiceType

__all__ = [
    "ALREADY_THE_SAME",
    "PlannedService",
    "Sources",
    "plan_services",
    "to_commit_walk",
]

ALREADY_THE_SAME = "already the same"
_ONLY_IN_SOURCE = "only in {source}: skipped"
_ONLY_IN_TARGET = "only in {target}"
_NO_VERSION = "no successful deployment of it in {source} gives a version"
_OTHER_SOURCE = "built from another {what} ({source}: {one}, {target}: {other}): not promoted"
_CANNOT_PIN = "the bot cannot pin its version"
_SHARED_NAME = "{count} services of {environment} are named {name}: not promoted (rename one)"


@dataclass(frozen=True)
class Sources:
    """Where each service's code comes from, by service id: a git repository's URL or an image name."""

    repositories: Mapping[str, str]
    images: Mapping[str, str]


@dataclass(frozen=True)
class PlannedService:
    """One line of the plan: the change stored (`left` when it is not deployed) and what it carries."""

    change: ServiceChange
    carried: str | None = None  # "5 commits", "rolls back 2 commits" ...

    @property
    def promoted(self) -> bool:
        return self.change.deployed


def to_commit_walk(source: ServiceVersion, target: ServiceVersion) -> tuple[str, str] | None:
    """(previous, deployed) when the service's commits can be walked: both sides built from git."""
    if source.sha and target.sha and source.has_commits and source.sha != target.sha:
        return target.sha, source.sha
    return None


def _carried(name: str, kind: str, commits: Sequence[Commit] | None, previous: str, deployed: str) -> str:
    if commits is None:
        return "its commits could not be read"
    found = walk(name, kind, commits, previous, deployed)
    count = len(found.commits)
    plural = "commit" if count == 1 else "commits"
    match found.change:
        case Change.COMMITS:
            return f"{count} {plural}"
        case Change.ROLLBACK:
            return f"rolls back {count} {plural}"
        case _:
            return "more than 100 commits, or history rewritten"


def _pinnable(kind: str) -> bool:
    return kind in ServiceType.__members__ and ServiceType(kind).pinnable


def _left(service: Service, why: str) -> PlannedService:
    return PlannedService(ServiceChange(service.id, service.name, service.service_type, left=why))


def _other_source(source: Service, target: Service, sources: Sources, names: tuple[str, str]) -> str | None:
    """Why the two services are not the same code (another repository or image), else None."""
    for what, known in (("git repository", sources.repositories), ("image", sources.images)):
        one, other = known.get(source.id), known.get(target.id)
        if one is not None and other is not None and one.rstrip("/").lower() != other.rstrip("/").lower():
            return _OTHER_SOURCE.format(what=what, source=names[0], one=one, target=names[1], other=other)
    return None


def _shared(services: Sequence[Service]) -> Counter[str]:
    """How many services bear each name matched case-insensitively, for the names more than one bears."""
    counted = Counter(s.name.lower() for s in services)
    return Counter({name: count for name, count in counted.items() if count > 1})


def plan_services(
    names: tuple[str, str],
    source_services: Sequence[Service],
    target_services: Sequence[Service],
    versions: tuple[Mapping[str, ServiceVersion], Mapping[str, ServiceVersion]],
    sources: Sources,
    commits: Mapping[str, Sequence[Commit] | None],
    only: Sequence[str] = (),
) -> tuple[PlannedService, ...]:
    """Every service of the source (those `only` names, when given) from the target's version to the
    source's, then the target's services the source lacks. `names` are the two environments' names,
    `versions` each environment's latest successful deployment by service id, `commits` the source
    services' commits by id (None: Qovery did not answer)."""
    source_name, target_name = names
    source_versions, target_versions = versions
    by_name = {s.name.lower(): s for s in target_services}
    chosen = [s for s in sorted(source_services, key=lambda s: s.name) if not only or matches(only, s.name)]
    shared = (_shared(source_services), _shared(target_services))
    found: list[PlannedService] = []
    for service in chosen:
        # A name two services share on either side matches none: deploying one of them is a guess.
        name = service.name.lower()
        if (count := shared[0][name] or shared[1][name]) > 1:
            environment = source_name if shared[0][name] else target_name
            why = _SHARED_NAME.format(count=count, environment=environment, name=name)
            found.append(_left(service, why))
            continue
        target = by_name.get(service.name.lower())
        if target is None:
            found.append(_left(service, _ONLY_IN_SOURCE.format(source=source_name)))
            continue
        if not _pinnable(service.service_type) or target.service_type != service.service_type:
            found.append(_left(target, _CANNOT_PIN))
            continue
        if (other := _other_source(service, target, sources, names)) is not None:
            found.append(_left(target, other))
            continue
        new, old = source_versions.get(service.id), target_versions.get(target.id)
        if new is None or new.version is None:
            found.append(_left(target, _NO_VERSION.format(source=source_name)))
            continue
        if old is not None and old.image and new.image and old.image != new.image:
            why = _OTHER_SOURCE.format(
                what="image", source=source_name, one=new.image, target=target_name, other=old.image
            )
            found.append(_left(target, why))
            continue
        if old is not None and old.version == new.version:
            found.append(
                PlannedService(
                    ServiceChange(
                        target.id, target.name, target.service_type, old.version, left=ALREADY_THE_SAME
                    )
                )
            )
            continue
        before = old.version if old else None
        change = ServiceChange(target.id, target.name, target.service_type, before=before, after=new.version)
        walked = to_commit_walk(new, old) if old else None
        carried = (
            _carried(service.name, service.service_type, commits.get(service.id), *walked) if walked else None
        )
        found.append(PlannedService(change, carried))
    if not only:  # a service only in the target: named, and left as it is
        source_names = {s.name.lower() for s in source_services}
        found += [
            _left(t, _ONLY_IN_TARGET.format(target=target_name))
            for t in sorted(target_services, key=lambda s: s.name)
            if t.name.lower() not in source_names
        ]
    return tuple(found)
