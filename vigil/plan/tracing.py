"""Resolve a service's `tracing` section for one environment: X-Ray groups and sampling rules with their names,
checked against X-Ray's limits before any CDK code runs."""

from __future__ import annotations

from collections.abc import Iterable

from vigil import naming
from vigil.limits import MAX_XRAY_NAME
from vigil.plan.context import ServiceContext, enabled_in
from vigil.plan.model import SamplingRulePlan, XRayGroupPlan
from vigil.spec.errors import SpecProblem


def resolve_tracing(context: ServiceContext) -> tuple[tuple[XRayGroupPlan, ...], tuple[SamplingRulePlan, ...]]:
    """The groups and sampling rules of the service enabled in the context's environment, in key order."""
    tracing, env, env_names, document = context.spec.tracing, context.env_name, context.env_names, context.document
    problem = context.problem
    groups: list[XRayGroupPlan] = []
    rules: list[SamplingRulePlan] = []

    longest = max(env_names, key=len, default=env)
    for section, items in (("groups", tracing.groups), ("sampling", tracing.sampling)):
        what = "group" if section == "groups" else "sampling rule"
        for key, item in items.items():
            context.check_override_names(item.env, ("tracing", section, key))
            name = naming.xray_name(longest, key)
            if len(name) > MAX_XRAY_NAME:  # checked for the longest environment name, so reported once
                problem(("tracing", section, key),
                        f"{what} name {name} is {len(name)} characters; X-Ray allows {MAX_XRAY_NAME}: shorten "
                        f"the key to at most {MAX_XRAY_NAME - len(longest) - 1} characters")

    for key, group in sorted(tracing.groups.items()):
        path = ("tracing", "groups", key)
        if not enabled_in(group.enabled, group.env.get(env)):
            continue
        groups.append(XRayGroupPlan(key, naming.xray_name(env, key), group.filter.strip(), group.insights,
                                    group.notifications, document.file, document.line_of(path)))

    for key, rule in sorted(tracing.sampling.items()):
        path = ("tracing", "sampling", key)
        if not enabled_in(rule.enabled, rule.env.get(env)):
            continue
        rules.append(SamplingRulePlan(
            key=key, name=naming.xray_name(env, key), priority=rule.priority, fixed_rate=rule.fixed_rate,
            reservoir=rule.reservoir, service=rule.service, service_type=rule.service_type, host=rule.host,
            method=rule.method.upper(), url_path=rule.url_path, resource_arn=rule.resource_arn,
            attributes=tuple(sorted(rule.attributes.items())), source=document.file, line=document.line_of(path)))
    return tuple(groups), tuple(rules)


def check_unique_names(items: Iterable[XRayGroupPlan | SamplingRulePlan]) -> list[SpecProblem]:
    """X-Ray names are unique per account and region: two services of one environment may not use one key."""
    problems = []
    seen: dict[tuple[str, str], XRayGroupPlan | SamplingRulePlan] = {}
    for item in items:
        kind = "groups" if isinstance(item, XRayGroupPlan) else "sampling"
        first = seen.setdefault((kind, item.name), item)
        if first is not item:
            what = "group" if kind == "groups" else "sampling rule"
            problems.append(SpecProblem(item.source, item.line, f"tracing.{kind}.{item.key}",
                                        f'{what} "{item.key}" is already defined in {first.source}:{first.line}; '
                                        f"X-Ray names ({{env}}-{{key}}) are unique per account and region"))
    return problems
