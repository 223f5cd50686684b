"""Plan a workspace: read the environment and service files, resolve every service for each environment
(vigil/plan/services.py), add dashboards and split services into stacks. Raises one SpecError with every
problem found, before any CDK code runs."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import Any

from vigil.gc_paused import cyclic_gc_paused
from vigil.plan.context import ServiceContext
from vigil.plan.dashboards import plan_dashboards
from vigil.plan.drills import drill_alarms
from vigil.plan.model import EnvironmentPlan, ServicePlan, WorkspacePlan
from vigil.plan.services import resolve_service
from vigil.plan.shards import EMPTY_LOCK, Lock, assign_shards, parse_lock
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
                   strict_lock: bool = True) -> WorkspacePlan:
    """Validate every environment (or those named in `only`) and resolve their plans.

    Services are split into stacks following `lock` (default: the lock file in `sources`); `strict_lock`
    False accepts unlocked alarms in multi-stack services, for `vigil lock` to write them.
    Raises SpecError listing every problem found, in file and line order.
    The cyclic garbage collector is paused meanwhile (vigil/gc_paused.py).
    """
    with cyclic_gc_paused():
        return _plan_workspace(sources, only, lock, strict_lock)


def _plan_workspace(sources: Sources, only: Iterable[str] | None, lock: Lock | None,
                    strict_lock: bool) -> WorkspacePlan:
    problems: list[SpecProblem] = list(sources.problems)
    lock = parse_lock(sources.lock) if lock is None else lock
    environments = read_environments(sources, problems)
    names = sorted(spec.name for spec, _ in environments)
    wanted = set(only) if only else set(names)
    for unknown in sorted(wanted - set(names)):
        problems.append(SpecProblem("environments", 0, "", f'no environment "{unknown}"; found: {", ".join(names)}'))
    plans = []
    for spec, document in environments:
        if spec.name in wanted:
            plans.append(plan_environment(spec, document, sources, names, problems, lock, strict_lock))
    if problems:
        raise SpecError(problems)
    return WorkspacePlan(tuple(plans))


def template_context(spec: EnvironmentSpec) -> dict[str, Any]:
    """What Jinja2 templates in service files may use: env, account, region and vars."""
    return {"env": spec.name, "account": spec.account, "region": spec.region, "vars": spec.vars}


@functools.lru_cache(maxsize=4096)
def _validated_service(document: LoadedDocument) -> PartialResult[ServiceSpec]:
    return validate_partially(document, ServiceSpec)


def plan_environment(env: EnvironmentSpec, env_document: LoadedDocument, sources: Sources,
                      env_names: list[str], problems: list[SpecProblem], lock: Lock = EMPTY_LOCK,
                      strict_lock: bool = True) -> EnvironmentPlan:
    services: list[ServicePlan] = []
    specs: dict[str, ServiceSpec] = {}
    documents: dict[str, LoadedDocument] = {}
    first_file: dict[str, str] = {}
    context = template_context(env)
    # A service with invalid map entries (alarms, slos, ...) is planned without them, so that every problem is
    # reported in one run; problems that only name an entry left out are consequences, not news.
    model_problems: list[SpecProblem] = []
    left_out: set[str] = set()
    planned_from = len(problems)
    for source in sources.services:
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
        expanded = with_presets(spec, document, account=env.account, region=env.region, env_names=env_names)
        spec, document = expanded.spec, expanded.document
        problems.extend(expanded.problems)
        first_file[spec.service] = source.path
        specs[spec.service] = spec
        documents[spec.service] = document
        first_problem = len(problems)
        service = resolve_service(ServiceContext(env, env_names, spec, document, problems, expanded.origins))
        problems[first_problem:] = [relocate(p, expanded.origins) for p in problems[first_problem:]]
        services.append(dataclasses.replace(service, resources=expanded.resources))
    problems.extend(check_unique_names([item for service in services
                                        for item in (*service.xray_groups, *service.sampling_rules)]))
    declared = read_specs(sources.dashboards, DashboardSpec, problems, context)
    services, dashboards = plan_dashboards(env, declared, services, specs, problems)
    services = [assign_shards(service, env=env.name, region=env.region, account=env.account,
                              locked=lock.service(env.name, service.name), document=documents[service.name],
                              problems=problems, strict=strict_lock) for service in services]
    if left_out:
        problems[planned_from:] = [problem for problem in problems[planned_from:]
                                   if not any(f'"{key}"' in problem.message for key in left_out)]
    problems.extend(model_problems)
    return EnvironmentPlan(
        name=env.name,
        account=env.account,
        region=env.region,
        protected=env.protected,
        routes={severity: tuple(env.routes.get(severity, ())) for severity in SEVERITIES},
        channels=dict(sorted(env.channels.items())),
        tags=tuple(sorted(env.tags.items())),
        services=tuple(sorted(services, key=lambda s: s.name)),
        dashboards=dashboards,
        drills=drill_alarms(env.name, env_document.file),
        webhook_hosts=tuple(sorted(set(env.allow.webhook_hosts))),
    )
