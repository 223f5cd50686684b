"""Resolve a service's log groups for one environment: retention, KMS key, metric filters and saved queries, and
alarms that name a metric filter instead of a metric."""

from __future__ import annotations

from vigil import naming
from vigil.plan.context import ServiceContext
from vigil.plan.model import LogGroupPlan, MetricFilterPlan, QueryPlan
from vigil.spec.logs import MetricFilterSpec
from vigil.spec.service import AlarmSpec


def resolve_log_groups(context: ServiceContext) -> tuple[LogGroupPlan, ...]:
    """The log groups of the service in the context's environment, sorted by name.

    In local environments (LocalStack cannot run the Lambda-backed custom resource that sets it) existing
    groups keep whatever retention they have.
    """
    spec, region, report = context.spec, context.env.region, context.problem
    manage_existing_retention = not context.env.local
    plans = []
    for name, group in sorted(spec.log_groups.items()):
        path = ("log_groups", name)
        if group.kms_key is not None and not group.existing and group.kms_key.split(":")[3] != region:
            report((*path, "kms_key"), f"the key is in {group.kms_key.split(':')[3]}; CloudWatch Logs in "
                                       f"{region} needs a key in the same region")
        filters = tuple(_filter(context, key, f, (*path, "metric_filters", key))
                        for key, f in sorted(group.metric_filters.items()))
        queries = tuple(QueryPlan(key=key, name=naming.query_definition_name(context.env_name, spec.service, key),
                                  query=text, log_groups=(name,))
                        for key, text in sorted(group.queries.items()))
        retention = group.retention if manage_existing_retention or not group.existing else None
        plans.append(LogGroupPlan(name=name, existing=group.existing, retention_days=retention,
                                  kms_key=group.kms_key, filters=filters, queries=queries))
    return tuple(plans)


def _filter(context: ServiceContext, key: str, metric_filter: MetricFilterSpec,
            path: tuple[str, ...]) -> MetricFilterPlan:
    spec, report = context.spec, context.problem
    namespace = metric_filter.namespace or spec.defaults.namespace
    if namespace is None:
        report((*path, "namespace"), "required field is missing: set namespace here or in defaults.namespace")
    dimensions = metric_filter.dimensions or {}
    return MetricFilterPlan(key=key, pattern=metric_filter.pattern, namespace=namespace or "",
                            metric=metric_filter.metric, value=metric_filter.value,
                            default_value=metric_filter.default_value, unit=metric_filter.unit,
                            dimensions=tuple(sorted(dimensions.items())))


def alarm_with_filter(context: ServiceContext, alarm: AlarmSpec) -> AlarmSpec | None:
    """`alarm` with `filter` replaced by the metric filter's metric and namespace (and no dimensions unless the
    alarm sets them); None when the filter has no namespace (reported on the filter). The spec model checked
    that the filter is the service's, in one log group, and that the alarm picks its dimensions."""
    spec = context.spec
    if alarm.filter is None:
        return alarm
    metric_filter = next(group.metric_filters[alarm.filter] for group in spec.log_groups.values()
                         if alarm.filter in group.metric_filters)
    namespace = metric_filter.namespace or spec.defaults.namespace
    if namespace is None:
        return None
    return alarm.model_copy(update={"filter": None, "metric": metric_filter.metric, "namespace": namespace,
                                    "dimensions": alarm.dimensions if alarm.dimensions is not None else {}})
