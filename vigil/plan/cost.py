"""What a plan costs CloudFormation: resources per stack and template bytes, estimated in pure Python.

The byte estimate mirrors how the CDK writes a template (`JSON.stringify(template, undefined, 1)`) over the
properties the constructs emit for an alarm; tests/test_shards.py checks it against synthesized templates.
Other kinds of resources (dashboards, log groups, canaries, X-Ray groups, SLO alarms) add their own
`ResourceCost` here and count it with `service_level_cost`, which places them in a service's first stack.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from vigil.plan import naming
from vigil.plan.model import AlarmPlan, MetricQuery, ServicePlan

STACK_OVERHEAD_BYTES = 1000
"""Bytes of a service template outside its resources: description, BootstrapVersion parameter and rule."""
_STANDARD_STATS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})
_ARN_PREFIX_BYTES = 151
"""What an action's `{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:<region>:<account>:<topic>"]]}`
adds to the topic name as a plain string, without region and account."""


@dataclass(frozen=True)
class ResourceCost:
    """CloudFormation resources and estimated template bytes of one spec item (an alarm, a dashboard ...)."""

    resources: int
    template_bytes: int

    def __add__(self, other: ResourceCost) -> ResourceCost:
        return ResourceCost(self.resources + other.resources, self.template_bytes + other.template_bytes)


NOTHING = ResourceCost(0, 0)


XRAY_GROUP_BYTES = 560
"""An AWS::XRay::Group besides its filter expression."""
SAMPLING_RULE_BYTES = 850
"""An AWS::XRay::SamplingRule."""
CANARY_RESOURCES = 4
"""A canary is its artifact bucket, the bucket's policy, its role and the AWS::Synthetics::Canary."""
CANARY_BYTES = 5600
"""A canary's four resources besides its inline script and configuration."""
CANARY_LOG_GROUP_BYTES = 600
"""A canary's log group (owned unless in a local environment), named from the canary's name and id."""


DASHBOARD_BYTES = 300
"""An AWS::CloudWatch::Dashboard besides its body (a JSON string in the template)."""
LOG_GROUP_BYTES = 450
METRIC_FILTER_BYTES = 600
QUERY_BYTES = 450
"""A log group, a metric filter and a saved query, besides their names, patterns and query text."""
RETENTION_RESOURCES, RETENTION_BYTES = 2, 2600
"""Retention of an existing log group: a custom resource and its policy."""
RETENTION_PROVIDER_RESOURCES, RETENTION_PROVIDER_BYTES = 3, 3000
"""The function, its role and its log group behind those custom resources, once per stack."""


def service_level_cost(service: ServicePlan) -> ResourceCost:
    """Resources a service's first stack holds besides its alarms: X-Ray groups and sampling rules, canaries
    (their alarms are alarms), log groups with their filters and queries, dashboards (the SLO dashboard too).
    Any further kind that belongs to the service as a whole adds its cost here."""
    cost = NOTHING
    for dashboard in service.dashboards:
        cost += ResourceCost(1, DASHBOARD_BYTES + _str_size(dashboard.body))
    retention = False
    for group in service.log_groups:
        if not group.existing:
            cost += ResourceCost(1, LOG_GROUP_BYTES + 2 * len(group.name))
        elif group.retention_days is not None:
            retention = True
            cost += ResourceCost(RETENTION_RESOURCES, RETENTION_BYTES + 4 * len(group.name))
        for metric_filter in group.filters:
            dimensions = _dimensions_size(metric_filter.dimensions, 8) if metric_filter.dimensions else 0
            cost += ResourceCost(1, METRIC_FILTER_BYTES + _str_size(metric_filter.pattern) + len(group.name)
                                 + dimensions)
        for query in group.queries:
            cost += ResourceCost(1, QUERY_BYTES + _str_size(query.query) + sum(len(n) + 8 for n in query.log_groups))
    if retention:
        cost += ResourceCost(RETENTION_PROVIDER_RESOURCES, RETENTION_PROVIDER_BYTES)
    for group in service.xray_groups:
        cost += ResourceCost(1, XRAY_GROUP_BYTES + _str_size(group.filter))
    cost += ResourceCost(len(service.sampling_rules), SAMPLING_RULE_BYTES * len(service.sampling_rules))
    for canary in service.canaries:
        cost += ResourceCost(CANARY_RESOURCES, CANARY_BYTES + _str_size(canary.script) + _str_size(canary.config))
        if canary.owns_log_group:
            cost += ResourceCost(1, CANARY_LOG_GROUP_BYTES)
    return cost


def alarm_cost(alarm: AlarmPlan, tags: tuple[tuple[str, str], ...], region: str, account: str) -> ResourceCost:
    """One alarm is one resource (AWS::CloudWatch::Alarm or CompositeAlarm); its bytes as synthesized.

    `tags` are the tags the stack applies to every resource (service and environment tags plus managed-by).
    Parts that repeat across alarms (tags, actions, metrics) are sized once.
    """
    arn = len(region) + len(account)
    props: list[tuple[str, int]] = [("ActionsEnabled", 4 if alarm.actions_enabled else 5)]
    if alarm.alarm_actions:
        props.append(("AlarmActions", _actions_size(alarm.alarm_actions, arn)))
    props += [
        ("AlarmDescription", _str_size(alarm.description)),
        ("AlarmName", _str_size(alarm.name)),
    ]
    if alarm.kind == "composite":
        props.append(("AlarmRule", _str_size(alarm.rule or "")))
        if alarm.actions_suppressor:
            props += [("ActionsSuppressor", _str_size(alarm.actions_suppressor)),
                      ("ActionsSuppressorExtensionPeriod", len(str(alarm.suppressor_extension_period))),
                      ("ActionsSuppressorWaitPeriod", len(str(alarm.suppressor_wait_period)))]
    else:
        props += [("ComparisonOperator", len(alarm.operator or "") + 2),
                  ("DatapointsToAlarm", len(str(alarm.datapoints_to_alarm))),
                  ("EvaluationPeriods", len(str(alarm.evaluation_periods)))]
        if alarm.kind == "anomaly" and alarm.metric is not None:
            band = {"Expression": f"ANOMALY_DETECTION_BAND({alarm.metric.id}, {_js_number(alarm.band or 0)})",
                    "Id": "band", "Label": f"{alarm.metric.metric} (expected band)", "ReturnData": True}
            props += [("Metrics", _list_size([_query_size(alarm.metric, True), json_size(band, _ITEM)])),
                      ("ThresholdMetricId", 6)]
        elif alarm.metric is not None:
            metric = alarm.metric
            if metric.dimensions:
                props.append(("Dimensions", _dimensions_size(metric.dimensions, _PROPERTY)))
            stat = "ExtendedStatistic" if metric.stat not in _STANDARD_STATS else "Statistic"
            props += [("MetricName", _str_size(metric.metric)), ("Namespace", _str_size(metric.namespace)),
                      ("Period", len(str(metric.period))), (stat, _str_size(metric.stat))]
        else:
            expression = {"Expression": alarm.expression, "Id": "expr", "Label": alarm.key, "ReturnData": True}
            props.append(("Metrics", _list_size([*(_query_size(m, False) for m in alarm.metrics),
                                                 json_size(expression, _ITEM)])))
    if alarm.ok_actions:
        props.append(("OKActions", _actions_size(alarm.ok_actions, arn)))
    props.append(("Tags", _tags_size(tags)))
    if alarm.threshold is not None:
        props.append(("Threshold", len(_js_number(alarm.threshold))))
    if alarm.kind != "composite":
        props.append(("TreatMissingData", len(alarm.missing_data) + 2))
    kind = "AWS::CloudWatch::CompositeAlarm" if alarm.kind == "composite" else "AWS::CloudWatch::Alarm"
    resource = [("Type", json_size(kind)), ("Properties", _object_size(props, _PROPERTIES))]
    needs = (*alarm.children, *filter(None, [alarm.actions_suppressor]))
    if needs:
        prefix = len(alarm.name) - len(alarm.key)
        depends = [_logical_id(child[prefix:]) for child in needs]
        resource.append(("DependsOn", json_size(depends, _PROPERTIES)))
    size = 2 + len(_logical_id(alarm.key)) + 2 + 2 + _object_size(resource, _RESOURCE) + 2
    return ResourceCost(1, size)


_RESOURCE, _PROPERTIES, _PROPERTY, _ITEM = 2, 3, 4, 5
"""Indentation depths in a template: a resource, its Properties, one property's value, a list item's value."""


def _object_size(entries: list[tuple[str, int]], depth: int) -> int:
    """Bytes of an object at `depth` whose values (at depth + 1) have the given sizes."""
    inner = depth + 1
    return 2 + sum(inner + len(key) + 2 + 2 + size + 2 for key, size in entries) - 1 + depth + 1


def _list_size(sizes: list[int], depth: int = _PROPERTY) -> int:
    """Bytes of a non-empty list at `depth` whose items have the given sizes."""
    return 2 + sum(depth + 1 + size + 2 for size in sizes) - 1 + depth + 1


@functools.lru_cache(maxsize=1024)
def _actions_size(actions: tuple[str, ...], arn: int) -> int:
    # each action is an Fn::Join of the partition and the rest of the ARN; the topic name is the variable part
    return json_size(list(actions), _PROPERTY) + len(actions) * (_ARN_PREFIX_BYTES + arn)


@functools.lru_cache(maxsize=1024)
def _tags_size(tags: tuple[tuple[str, str], ...]) -> int:
    return json_size([{"Key": k, "Value": v} for k, v in tags], _PROPERTY)


@functools.lru_cache(maxsize=4096)
def _dimensions_size(dimensions: tuple[tuple[str, str], ...], depth: int) -> int:
    return json_size([{"Name": k, "Value": v} for k, v in dimensions], depth)


@functools.lru_cache(maxsize=65536)
def _query_size(metric: MetricQuery, return_data: bool) -> int:
    inner: dict[str, Any] = {"MetricName": metric.metric, "Namespace": metric.namespace}
    sizes = [(k, json_size(v, 8)) for k, v in inner.items()]
    if metric.dimensions:
        sizes.insert(0, ("Dimensions", _dimensions_size(metric.dimensions, 8)))
    metric_stat = _object_size([("Metric", _object_size(sizes, 7)), ("Period", len(str(metric.period))),
                                ("Stat", json_size(metric.stat))], 6)
    return _object_size([("Id", json_size(metric.id)), ("MetricStat", metric_stat),
                         ("ReturnData", 4 if return_data else 5)], _ITEM)


def _logical_id(key: str) -> str:
    return naming.logical_id((naming.ALARMS_CONSTRUCT_ID, key))


def _str_size(text: str) -> int:
    """Bytes of a JSON string: UTF-8, quoted, with newlines, quotes and backslashes escaped."""
    size = len(text) if text.isascii() else len(text.encode())
    return size + 2 + text.count("\n") + text.count('"') + text.count("\\")


def json_size(value: Any, depth: int = 0) -> int:
    """Bytes of `value` written as JSON with one space of indentation per level, starting at `depth`."""
    if isinstance(value, str):
        return _str_size(value)
    if value is True:
        return 4
    if value is False:
        return 5
    if isinstance(value, int | float):
        return len(_js_number(value))
    if isinstance(value, dict):
        if not value:
            return 2
        inner = depth + 1
        return 2 + sum(inner + json_size(k) + 2 + json_size(v, inner) + 2 for k, v in value.items()) - 1 + depth + 1
    if isinstance(value, list | tuple):
        if not value:
            return 2
        inner = depth + 1
        return 2 + sum(inner + json_size(v, inner) + 2 for v in value) - 1 + depth + 1
    return 4  # null


def _js_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)
