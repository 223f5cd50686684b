"""Targets: the accounts and regions one environment deploys to.

An environment names one `account` and `region` (one implicit target, whose names and stacks are those vigil
always had) or several `targets` (the environment model checks them). Each target is planned on its own
(vigil/plan/resolve.py); this module lists them, says which regions the monitoring account serves and which
targets a deployment needs, and reads a service file's `targets` cheaply.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from vigil import naming
from vigil.presets.catalog import PINNED_REGIONS
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.loader import reads_as_text


@dataclass(frozen=True)
class Target:
    """One account and region of an environment; `name` None for an environment's single implicit target."""

    name: str | None
    account: str
    region: str


def environment_targets(spec: EnvironmentSpec) -> tuple[Target, ...]:
    """The targets of `spec` in name order: its `targets`, or its `account` and `region` as the only one."""
    if spec.targets:
        return tuple(Target(name, target.account, target.region) for name, target in sorted(spec.targets.items()))
    return (Target(None, spec.account or "", spec.region or ""),)


def target_scopes(spec: EnvironmentSpec) -> tuple[str, ...]:
    """What the names (and lock entries) of each target of `spec` start with (naming.target_scope)."""
    return tuple(naming.target_scope(spec.name, t.name) for t in environment_targets(spec))


def monitoring_regions(spec: EnvironmentSpec, pinned: Iterable[str] = ()) -> tuple[str, ...]:
    """The regions where the monitoring account needs a sink (and, with central routing, routing): every
    target's region, every StackSet region and, where alarms outside the targets' accounts need them, the
    regions that `pinned` names, sorted. CloudWatch alarms and OAM links stay in their region.

    `pinned` are the regions some of the targets' alarms are pinned to (EnvironmentPlan.other_regions: preset
    alarms on metrics that exist in us-east-1 only), known once the targets are planned. They are the
    monitoring account's with central routing (the alarms live there, on the targets' metrics, and notify its
    topics) and wherever a StackSet carries the routing or the links (every account needs them there)."""
    regions = {target.region for target in environment_targets(spec)}
    if spec.stackset and spec.stackset.regions:
        regions.update(spec.stackset.regions)
    if spec.monitoring is not None and (spec.routing == "central" or spec.stackset is not None):
        regions.update(pinned)
    return tuple(sorted(regions))


_TARGET = r"[a-z][a-z0-9-]{0,19}"
_COMMENT = r"(?: +#[^\n]*)?"
_TOP_LEVEL_TARGETS = re.compile(rf"^targets: +\[ *({_TARGET}(?: *, *{_TARGET})*) *\] *{_COMMENT}$", re.MULTILINE)
_TOP_LEVEL_SERVICE = re.compile(rf"^service: +([a-z][a-z0-9-]{{0,39}}) *{_COMMENT}$", re.MULTILINE)
_PLAIN_EXPRESSION = re.compile(r"\{\{-? *[A-Za-z_][A-Za-z0-9_.]* *-?\}\}")
"""A Jinja2 expression that only names a value (`{{ env }}`, `{{ vars.api_host }}`): it adds no line of its own
(values with line breaks aside) and cannot hide or make a top-level `service:` or `targets:` line."""


@functools.lru_cache(maxsize=4096)
def declared_targets(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A service file's name and `targets`, read from its text without rendering or parsing it, when both are
    plain one-line top-level entries (`service: orders`, `targets: [a, b]`) of names that YAML reads as text,
    and the file has no Jinja2 statement, comment or expression other than a plain value that could hide or
    make one; else None, and the file is loaded as usual (tests/test_declared_targets.py checks that the two
    never disagree). It lets a target skip the files of services that run elsewhere: in an organisation most
    files run in few targets. Cached: every target of an environment asks about every file."""
    if "{%" in text or "{#" in text or "{{" in _PLAIN_EXPRESSION.sub("", text):
        return None
    targets = _TOP_LEVEL_TARGETS.findall(text)
    service = _TOP_LEVEL_SERVICE.findall(text)
    if len(targets) != 1 or len(service) != 1:
        return None
    names = tuple(name.strip() for name in targets[0].split(","))
    if not all(reads_as_text(name) for name in (service[0], *names)):
        return None
    return service[0], names


def selected_targets(spec: EnvironmentSpec, deployments: Collection[tuple[str, str]] | None) -> tuple[Target, ...]:
    """The targets of `spec` that may have stacks in `deployments` ((account, region) pairs; None: all): a
    target's own account, or with central routing the monitoring account, in its region; with per-account
    routing also its own account in a region preset alarms may be pinned to (PINNED_REGIONS; whether some are
    is known only once the target is planned). With central routing such alarms live in the monitoring account,
    whose deployments plan every target anyway (monitoring_selected, pinned_here)."""
    targets = environment_targets(spec)
    if deployments is None:
        return targets
    wanted = set(deployments)
    monitoring = spec.monitoring
    if monitoring is not None and spec.routing == "central":
        return tuple(t for t in targets if (t.account, t.region) in wanted or (monitoring.account, t.region) in wanted)
    return tuple(t for t in targets if any((t.account, region) in wanted for region in (t.region, *PINNED_REGIONS)))


def monitoring_selected(spec: EnvironmentSpec, deployments: Collection[tuple[str, str]] | None) -> bool:
    """Whether `deployments` (None: all) include the monitoring account of `spec` in one of its regions, whose
    stacks need a view of every target (the organisation dashboard shows them all); among them the regions
    that preset alarms may be pinned to, where the monitoring account may serve them (monitoring_regions)."""
    monitoring = spec.monitoring
    if monitoring is None:
        return False
    return deployments is None or any((monitoring.account, region) in set(deployments)
                                      for region in monitoring_regions(spec, PINNED_REGIONS))


def pinned_here(spec: EnvironmentSpec, pinned: Iterable[tuple[str, object]],
                deployments: Collection[tuple[str, str]] | None) -> bool:
    """Whether, with central routing, `deployments` (None: all) hold alarms that a target of `spec` pins to
    other regions (`pinned`: TargetOverview.pinned, (region, ...) pairs): the monitoring account in one of
    those regions."""
    monitoring = spec.monitoring
    if monitoring is None or spec.routing != "central":
        return False
    return deployments is None or any((monitoring.account, region) in set(deployments) for region, _ in pinned)


def deployment_places(spec: EnvironmentSpec) -> tuple[tuple[str, str], ...]:
    """The (account, region) pairs `spec` deploys stacks to, sorted, from the environment file alone: each
    target's (with central routing only where it has a source stack), and the monitoring account in each of
    its regions. Regions that only pinned preset alarms need are not known from the file alone:
    vigil/plan/deployments.py lists the stacks per place once planned."""
    places = {(t.account, t.region) for t in environment_targets(spec)}
    if spec.monitoring is not None:
        places |= {(spec.monitoring.account, region) for region in monitoring_regions(spec)}
    return tuple(sorted(places))
