"""Which stacks a workspace plan deploys where, for CI: one deployment per environment, account and region,
listing its stacks, and which of them a change affects.

`vigil targets --format json` prints the deployments; the workflow builds its job matrix from them, so no
account or region is written in the workflow. With `--base REV` each deployment also lists the stacks whose
planned content differs from REV's, so that a change to one service deploys only that service's stacks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from vigil import naming
from vigil.plan.model import EnvironmentPlan, MonitoringPlan, ServicePlan, ShardPlan, WorkspacePlan, plain_data


@dataclass(frozen=True)
class PlannedStack:
    """One stack the app synthesizes: its name, where it deploys and a digest of what it holds."""

    name: str
    environment: str
    account: str
    region: str
    digest: str
    target: str | None = None
    """The target whose stack it is (None: the environment's single one, or its monitoring account's)."""


@dataclass(frozen=True)
class Deployment:
    """The stacks of one environment in one account and region: one CI job with one role."""

    environment: str
    account: str
    region: str
    stacks: tuple[str, ...]
    changed: tuple[str, ...] | None = None
    role_variable: str = ""
    targets: tuple[str, ...] = field(default_factory=tuple)
    protected: bool = False


StackKind = Literal["routing", "service", "source", "dashboards", "monitoring"]


@dataclass(frozen=True)
class StackSource:
    """One stack of a plan: its kind, name, where it deploys and what it is built from. `environment` is the
    plan the stack belongs to (a target's; for central routing the monitoring account's routing plan),
    `service` and `shard` those of a service's stacks, `monitoring` a monitoring account's plan in one region.
    A routing stack in another region than its environment's is a regional copy for alarms pinned there."""

    kind: StackKind
    name: str
    account: str
    region: str
    environment: EnvironmentPlan | None = None
    service: ServicePlan | None = None
    shard: ShardPlan | None = None
    monitoring: MonitoringPlan | None = None


def stack_sources(plan: WorkspacePlan) -> list[StackSource]:
    """Every stack of `plan`, in the order vigil/stacks/app.py builds them: per target its routing (and copies
    in the regions its pinned alarms need), each service's stacks (one per shard, and with central routing one
    in the target's account for what lives there), its dashboards; then per region of a monitoring account its
    stack and its central routing."""
    out: list[StackSource] = []
    for env in plan.environments:
        if env.routing:
            out.append(StackSource("routing", naming.routing_stack_name(env.scope), env.account, env.region, env))
            out.extend(StackSource("routing", naming.regional_routing_stack_name(env.scope, region), env.account,
                                   region, env) for region in env.other_regions)
        for service in env.services:
            out.extend(StackSource("service", shard.stack_name, env.alarm_account, shard.region or env.region, env,
                                   service, shard) for shard in service.shards)
            if env.central and service.has_source_resources:
                out.append(StackSource("source", naming.source_stack_name(env.scope, service.name), env.account,
                                       env.region, env, service))
        if env.dashboards:
            out.append(StackSource("dashboards", naming.dashboards_stack_name(env.scope), env.alarm_account,
                                   env.region, env))
    for monitoring in plan.monitoring:
        out.append(StackSource("monitoring", monitoring.stack_name, monitoring.account, monitoring.region,
                               monitoring=monitoring))
        if (routing := monitoring.routing_plan) is not None:
            out.append(StackSource("routing", naming.routing_stack_name(routing.scope), routing.account,
                                   routing.region, routing))
    return out


def planned_stacks(plan: WorkspacePlan, *, digests: bool = True) -> list[PlannedStack]:
    """Every stack of `plan` (stack_sources) with a digest of what it holds; without `digests` their digests
    are left empty (they cost a serialization of the whole plan)."""
    return [PlannedStack(source.name, source.environment.name if source.environment else
                         source.monitoring.environment if source.monitoring else "",
                         source.account, source.region, _digest(_content(source)) if digests else "",
                         source.environment.target if source.environment else None)
            for source in stack_sources(plan)]


def _content(source: StackSource) -> Any:
    """What a stack's digest covers: the part of the plan it is built from."""
    env, service, shard = source.environment, source.service, source.shard
    if source.kind == "monitoring" and source.monitoring is not None:
        return _monitoring_content(source.monitoring)
    assert env is not None
    if source.kind == "routing":
        return _routing_content(env)
    if source.kind == "service" and service is not None and shard is not None:
        return _shard_content(env, service, shard.number)
    if source.kind == "source" and service is not None:
        return _source_content(service)
    return env.dashboards


def deployments(plan: WorkspacePlan, base: WorkspacePlan | None = None, *,
                everything_changed: bool = False) -> list[Deployment]:
    """The stacks of `plan` grouped by environment, account and region. With `base`, `changed` lists the stacks
    whose content differs from `base`'s (new stacks included); `everything_changed` marks them all (when code,
    not only specs, changed)."""
    before = {s.name: s.digest for s in planned_stacks(base)} if base is not None else None
    groups: dict[tuple[str, str, str], list[PlannedStack]] = {}
    for stack in planned_stacks(plan):
        groups.setdefault((stack.environment, stack.account, stack.region), []).append(stack)
    targets: dict[tuple[str, str, str], set[str]] = {}
    multi = {e.name for e in plan.environments if e.target is not None}
    protected = {e.name for e in plan.environments if e.protected}
    for environment in plan.environments:
        if environment.target is not None:
            for account in {environment.account, environment.alarm_account}:
                targets.setdefault((environment.name, account, environment.region), set()).add(environment.target)
    out = []
    for key in sorted(groups):
        environment, account, region = key
        names = tuple(s.name for s in groups[key])
        changed = None
        if before is not None or everything_changed:
            changed = names if everything_changed or before is None else tuple(
                s.name for s in groups[key] if before.get(s.name) != s.digest)
        role = naming.role_variable(environment, account if environment in multi else None)
        out.append(Deployment(environment, account, region, names, changed, role,
                              tuple(sorted(targets.get(key, ()))), environment in protected))
    return out


def deployments_data(items: list[Deployment]) -> list[dict[str, Any]]:
    """JSON-ready deployments: one CI matrix entry each, with `stacks` (and `changed`) joined by spaces as
    `cdk deploy` takes them, `id` a short job name, `role_variable` the repository variable holding the role
    to assume there (VIGIL_ROLE_{ENV}, or VIGIL_ROLE_{ENV}_{ACCOUNT} in an environment with targets) and
    `protected` whether the environment is (the workflow deploys those after all others)."""
    out = []
    for item in items:
        entry: dict[str, Any] = {"id": f"{item.environment}-{item.account}-{item.region}",
                                 "environment": item.environment, "account": item.account, "region": item.region,
                                 "role_variable": item.role_variable, "targets": list(item.targets),
                                 "protected": item.protected,
                                 "stacks": " ".join(item.stacks)}
        if item.changed is not None:
            entry["changed"] = " ".join(item.changed)
        out.append(entry)
    return out


def _routing_content(environment: EnvironmentPlan) -> Any:
    return {"routes": environment.routes, "channels": {k: c.model_dump(mode="json") for k, c in
                                                       environment.channels.items()},
            "drills": environment.drills, "tags": environment.tags, "protected": environment.protected}


def _shard_content(environment: EnvironmentPlan, service: ServicePlan, number: int) -> Any:
    shard = next(s for s in service.shards if s.number == number)
    keys = set(shard.alarms)
    content: dict[str, Any] = {"alarms": [a for a in service.alarms if a.key in keys], "tags": service.tags,
                               "depends_on": shard.depends_on, "protected": environment.protected}
    if number == 1:
        content["dashboards"] = service.dashboards
        if not environment.central:
            content["source"] = _source_content(service)
    return content


def _source_content(service: ServicePlan) -> Any:
    return {"xray": service.xray_groups, "sampling": service.sampling_rules, "canaries": service.canaries,
            "logs": service.log_groups, "tags": service.tags}


def _monitoring_content(monitoring: MonitoringPlan) -> Any:
    return replace(monitoring, routing_plan=None)


def _digest(content: Any) -> str:
    text = json.dumps(plain_data(content), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
