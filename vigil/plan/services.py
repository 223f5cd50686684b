"""Resolve one service file for one environment into its `ServicePlan`: alarms, SLOs, canaries, X-Ray groups
and sampling rules, and log groups, each by its own resolver over one `ServiceContext`."""

from __future__ import annotations

from vigil.plan.alarms import resolve_alarms
from vigil.plan.canaries import resolve_canaries
from vigil.plan.context import ServiceContext
from vigil.plan.logs import resolve_log_groups
from vigil.plan.model import ServicePlan
from vigil.plan.slo import resolve_slos
from vigil.plan.tracing import resolve_tracing


def resolve_service(context: ServiceContext) -> ServicePlan:
    """The service in the context's environment, before dashboards and stacks are added; problems go to the
    context."""
    spec, env = context.spec, context.env
    alarms = resolve_alarms(context)
    slo_alarms, slos = resolve_slos(context)
    groups, rules = resolve_tracing(context)
    canaries, canary_alarms = resolve_canaries(context)
    tags = {"service": spec.service, "owner": spec.owner, "environment": env.name}
    return ServicePlan(
        name=spec.service,
        owner=spec.owner,
        source=context.source,
        tags=tuple(sorted({**env.tags, **spec.tags, **tags}.items())),
        alarms=(*alarms, *slo_alarms, *canary_alarms),
        xray_groups=groups,
        sampling_rules=rules,
        canaries=canaries,
        slos=tuple(slos),
        log_groups=resolve_log_groups(context),
    )
