"""Resolve a service's log groups for one environment: retention, KMS key, metric filters and saved queries, and
alarms that name a metric filter instead of a metric."""

from __future__ import annotations

from vigil.plan import naming
from vigil.plan.context import ServiceContext
from vigil.plan.model import LogGroupPlan, MetricFilterPlan, QueryPlan
from vigil.spec.logs import MetricFilterSpec
from vigil.spec.service import AlarmSpec

MAX_FILTERS_PER_GROUP = 100
"""CloudWatch Logs' limit of metric filters per log group."""
MAX_FILTER_DIMENSIONS = 3
"""CloudWatch Logs' limit of dimensions per metric filter."""


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
        if len(group.metric_filters) > MAX_FILTERS_PER_GROUP:
            report((*path, "metric_filters"), f"{len(group.metric_filters)} metric filters; CloudWatch Logs allows "
                                              f"{MAX_FILTERS_PER_GROUP} per log group")
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
    if len(dimensions) > MAX_FILTER_DIMENSIONS:
        report((*path, "dimensions"), f"{len(dimensions)} dimensions; CloudWatch Logs allows "
                                      f"{MAX_FILTER_DIMENSIONS} per metric filter")
    return MetricFilterPlan(key=key, pattern=metric_filter.pattern, namespace=namespace or "",
                            metric=metric_filter.metric, value=metric_filter.value,
                            default_value=metric_filter.default_value, unit=metric_filter.unit,
                            dimensions=tuple(sorted(dimensions.items())))


def alarm_with_filter(context: ServiceContext, key: str, alarm: AlarmSpec) -> AlarmSpec | None:
    """`alarm` with `filter` replaced by the metric filter's metric and namespace (and no dimensions unless the
    alarm sets them), or None after reporting why the reference does not resolve."""
    spec, report = context.spec, context.problem
    path = ("alarms", key, "filter")
    if alarm.filter is None:
        return alarm
    found = [(name, group.metric_filters[alarm.filter]) for name, group in sorted(spec.log_groups.items())
             if alarm.filter in group.metric_filters]
    if not found:
        known = sorted({k for group in spec.log_groups.values() for k in group.metric_filters})
        report(path, f'unknown metric filter "{alarm.filter}"; metric filters of this service: '
                     f"{', '.join(known) or 'none'}")
        return None
    if len(found) > 1:
        report(path, f'metric filter "{alarm.filter}" is defined in several log groups '
                     f"({', '.join(name for name, _ in found)}); rename one of them")
        return None
    metric_filter = found[0][1]
    namespace = metric_filter.namespace or spec.defaults.namespace
    if namespace is None:
        return None  # reported on the filter itself
    if metric_filter.dimensions and alarm.dimensions is None:
        report(path, f"metric filter \"{alarm.filter}\" publishes with dimensions "
                     f"({', '.join(sorted(metric_filter.dimensions))}): set the alarm's dimensions to one value of "
                     "each")
        return None
    return alarm.model_copy(update={"filter": None, "metric": metric_filter.metric, "namespace": namespace,
                                    "dimensions": alarm.dimensions if alarm.dimensions is not None else {}})
