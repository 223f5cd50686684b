"""Plan a workspace: read the environment and service files, resolve every service for each environment
(vigil/plan/services.py), add dashboards and split services into stacks. Raises one SpecError with every
problem found, before any CDK code runs."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Collection, Iterable
from typing import Any

from vigil import naming
from vigil.gc_paused import cyclic_gc_paused
from vigil.plan.context import ServiceContext
from vigil.plan.dashboards import plan_dashboards
from vigil.plan.deployed_names import name_problems
from vigil.plan.drills import drill_alarms
from vigil.plan.model import EnvironmentPlan, MonitoringPlan, ServicePlan, WorkspacePlan
from vigil.plan.monitoring import (
    plan_monitoring,
    runs_in,
    target_overview,
    with_metrics_account,
    with_widget_account,
)
from vigil.plan.selection import check_environments, environment_names
from vigil.plan.services import resolve_service
from vigil.plan.shards import EMPTY_LOCK, Lock, assign_shards, parse_lock
from vigil.plan.targets import (
    Target,
    declared_targets,
    environment_targets,
    monitoring_selected,
    pinned_here,
    selected_targets,
)
from vigil.plan.tracing import check_unique_names
from vigil.presets.catalog import possible_alarm_keys
from vigil.presets.expand import relocate, with_presets
from vigil.spec.dashboards import DashboardSpec
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.loader import LoadedDocument, load
from vigil.spec.reading import read_environments, read_specs
from vigil.spec.service import ServiceSpec
from vigil.spec.types import SEVERITIES
from vigil.spec.validation import PartialResult, validate_partially
from vigil.spec.workspace import Sources


def plan_workspace(sources: Sources, only: Iterable[str] | None = None, *, lock: Lock | None = None,
                   strict_lock: bool = True, deployments: Collection[tuple[str, str]] | None = None
                   ) -> WorkspacePlan:
    """Validate every environment (or those named in `only`) and resolve their plans.

    Services are split into stacks following `lock` (default: the lock file in `sources`); `strict_lock`
    False accepts unlocked alarms in multi-stack services, for `vigil lock` to write them.
    Raises SpecError listing every problem found, in file and line order, and SelectionError when `only` names
    an environment that has no file.
    The cyclic garbage collector is paused meanwhile (vigil/gc_paused.py).

    Each target of an environment (its `targets`, or its one `account` and `region`) is planned on its own.
    `deployments` ((account, region) pairs) plans only the targets with stacks there, as one CI job deploys
    them (vigil/plan/deployments.py). When its monitoring account is among them, the environment's other
    targets are planned without stacks for its organisation dashboard, which shows every target, and are not
    in the returned plan's `environments`.
    """
    with cyclic_gc_paused():
        return _plan_workspace(sources, only, lock, strict_lock, deployments)


def _plan_workspace(sources: Sources, only: Iterable[str] | None, lock: Lock | None,
                    strict_lock: bool, deployments: Collection[tuple[str, str]] | None = None) -> WorkspacePlan:
    check_environments(only, environment_names(sources))
    problems: list[SpecProblem] = list(sources.problems)
    lock = parse_lock(sources.lock) if lock is None else lock
    environments = read_environments(sources, problems)
    names = sorted(spec.name for spec, _ in environments)
    wanted = set(only) if only else set(names)
    plans: list[EnvironmentPlan] = []
    monitoring: list[MonitoringPlan] = []
    known_targets = {name for spec, _ in environments for name in (spec.targets or {})}
    for spec, document in environments:
        if spec.name in wanted:
            plan = functools.partial(plan_environment, spec, document, sources, names, problems, lock, strict_lock,
                                     known_targets=known_targets)
            planned = {target: plan(target) for target in selected_targets(spec, deployments)}
            if monitoring_selected(spec, deployments):
                # The other targets only for the organisation dashboard: no stacks of theirs are built here,
                # and only their overviews are kept; unless some of their alarms are pinned to a region where
                # this deployment holds them (central routing), which only their plan tells.
                overviews = []
                for target in environment_targets(spec):
                    if target not in planned:
                        overview = target_overview(plan(target, assign_stacks=False))
                        if pinned_here(spec, overview.pinned, deployments):
                            planned[target] = plan(target)  # SpecError lists a problem found twice once
                    overviews.append(target_overview(planned[target]) if target in planned else overview)
                monitoring.extend(plan_monitoring(spec, document, overviews, problems))
            plans.extend(planned[target] for target in environment_targets(spec) if target in planned)
    problems.extend(name_problems(plans, monitoring, {spec.name: document for spec, document in environments}))
    if problems:
        raise SpecError(problems)
    return WorkspacePlan(tuple(plans), tuple(monitoring))


def environment_specs(sources: Sources) -> list[EnvironmentSpec]:
    """The environment files of `sources` that validate (plan_workspace reports the others)."""
    return [spec for spec, _ in read_environments(sources, [])]


def template_context(spec: EnvironmentSpec, target: Target | None = None) -> dict[str, Any]:
    """What Jinja2 templates in service files may use: env, account, region (the target's), target (its name;
    None for an environment with one account and region) and vars."""
    target = target or environment_targets(spec)[0]
    return {"env": spec.name, "account": target.account, "region": target.region, "target": target.name,
            "vars": spec.vars}


@functools.lru_cache(maxsize=4096)
def _validated_service(document: LoadedDocument) -> PartialResult[ServiceSpec]:
    return validate_partially(document, ServiceSpec)


def plan_environment(env: EnvironmentSpec, env_document: LoadedDocument, sources: Sources,
                     env_names: list[str], problems: list[SpecProblem], lock: Lock = EMPTY_LOCK,
                     strict_lock: bool = True, target: Target | None = None,
                     known_targets: Iterable[str] = (), *, assign_stacks: bool = True) -> EnvironmentPlan:
    """The plan of one target of `env` (its only one by default); `known_targets` are the target names of
    every environment, which services may name in `targets`. `assign_stacks` False plans a target whose stacks
    are deployed elsewhere, for what other deployments read of it (the organisation dashboard): its services
    get no stacks (no shards, no lock check), about a quarter of the planning time."""
    target = target or environment_targets(env)[0]
    scope = naming.target_scope(env.name, target.name)
    central = env.routing == "central" and env.monitoring is not None
    alarm_account = env.monitoring.account if central and env.monitoring else target.account
    # Resolvers see the target's account and region; overrides and templates still name the environment.
    here = env.model_copy(update={"account": target.account, "region": target.region})
    services: list[ServicePlan] = []
    specs: dict[str, ServiceSpec] = {}
    documents: dict[str, LoadedDocument] = {}
    first_file: dict[str, str] = {}
    elsewhere: list[str] = []
    context = template_context(env, target)
    # A service with invalid map entries (alarms, slos, ...) is planned without them, so that every problem is
    # reported in one run; problems that only name an entry left out are consequences, not news.
    model_problems: list[SpecProblem] = []
    left_out: set[str] = set()
    planned_from = len(problems)
    known = set(known_targets)
    for source in sources.services:
        declared = declared_targets(source.text) if target.name is not None else None
        if declared is not None and target.name not in declared[1] and known.issuperset(declared[1]):
            # Runs in other targets only: not even rendered for this one. (A name that is no target is loaded
            # everywhere, to be reported.)
            elsewhere.append(declared[0])
            continue
        try:
            document = load(source.path, source.text, context)
            validated = _validated_service(document)
        except SpecError as error:
            model_problems.extend(error.problems)
            continue
        model_problems.extend(validated.problems)
        left_out |= validated.left_out | {key for entry in validated.left_out for key in possible_alarm_keys(entry)}
        spec = validated.model
        if spec is None:
            continue
        if spec.service in first_file:
            problems.append(document.problem(("service",), f'service "{spec.service}" is already defined in '
                                                           f"{first_file[spec.service]}"))
            continue
        for name, resource in spec.resources.items():
            ServiceContext(env, env_names, spec, document, problems).check_override_names(resource.env,
                                                                                         ("resources", name))
        expanded = with_presets(spec, document, account=target.account, region=target.region, env_names=env_names)
        spec, document = expanded.spec, expanded.document
        problems.extend(expanded.problems)
        first_file[spec.service] = source.path
        if not runs_in(spec, document, target, known, problems):
            elsewhere.append(spec.service)
            continue
        specs[spec.service] = spec
        documents[spec.service] = document
        first_problem = len(problems)
        service = resolve_service(ServiceContext(here, env_names, spec, document, problems, expanded.origins,
                                                 scope=scope, metrics_account=target.account if central else None))
        problems[first_problem:] = [relocate(p, expanded.origins) for p in problems[first_problem:]]
        services.append(dataclasses.replace(service, resources=expanded.resources))
    problems.extend(check_unique_names([item for service in services
                                        for item in (*service.xray_groups, *service.sampling_rules)]))
    declared = read_specs(sources.dashboards, DashboardSpec, problems, context)
    declared = [(spec, document) for spec, document in declared if spec.service not in elsewhere]
    # Dashboards are named by the target's scope and live with its alarms (the monitoring account with
    # central routing), whose metric widgets then read the target's account.
    dashboard_view = env.model_copy(update={"name": scope, "account": alarm_account, "region": target.region})
    services, dashboards = plan_dashboards(dashboard_view, declared, services, specs, problems)
    if central:
        services = [with_metrics_account(service, target.account) for service in services]
        dashboards = tuple(with_widget_account(d, target.account) for d in dashboards)
    if assign_stacks:
        services = [assign_shards(service, env=scope, region=target.region, account=alarm_account,
                                  locked=lock.service(scope, service.name), document=documents[service.name],
                                  problems=problems, strict=strict_lock, source_resources=not central)
                    for service in services]
    if left_out:
        problems[planned_from:] = [problem for problem in problems[planned_from:]
                                   if not any(f'"{key}"' in problem.message for key in left_out)]
    problems.extend(model_problems)
    return EnvironmentPlan(
        target=target.name,
        scope=scope,
        alarm_account=alarm_account,
        routing=env.routing == "per-account" and env.stackset is None,
        name=env.name,
        account=target.account,
        region=target.region,
        protected=env.protected,
        routes={severity: tuple(env.routes.get(severity, ())) for severity in SEVERITIES},
        channels=dict(sorted(env.channels.items())),
        tags=tuple(sorted(env.tags.items())),
        services=tuple(sorted(services, key=lambda s: s.name)),
        dashboards=dashboards,
        # With central routing the drills are in the monitoring account's routing (vigil/plan/monitoring.py).
        drills=() if central else drill_alarms(env.name, env_document.file),
        webhook_hosts=tuple(sorted(set(env.allow.webhook_hosts))),
    )
