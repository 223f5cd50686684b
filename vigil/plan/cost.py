"""What a plan costs CloudFormation: resources per stack and template bytes, estimated in pure Python.

The byte estimate mirrors how the CDK writes a template (`JSON.stringify(template, undefined, 1)`) over the
properties the constructs emit for an alarm; tests/test_shards.py checks it against synthesized templates.
Other kinds of resources (dashboards, log groups, canaries, X-Ray groups, SLO alarms) add their own
`ResourceCost` here and count it with `service_level_cost`, which places them in a service's first stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vigil.plan.model import AlarmPlan, ServicePlan

STACK_OVERHEAD_BYTES = 1000
"""Bytes of a service template outside its resources: description, BootstrapVersion parameter and rule."""
_STANDARD_STATS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})
_ARN_PREFIX_BYTES = 151
"""`{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:<region>:<account>:` at its indentation,
without the region, the topic name and the line's closing brackets."""


@dataclass(frozen=True)
class ResourceCost:
    """CloudFormation resources and estimated template bytes of one spec item (an alarm, a dashboard ...)."""

    resources: int
    template_bytes: int

    def __add__(self, other: ResourceCost) -> ResourceCost:
        return ResourceCost(self.resources + other.resources, self.template_bytes + other.template_bytes)


NOTHING = ResourceCost(0, 0)


def service_level_cost(service: ServicePlan) -> ResourceCost:
    """Resources a service's first stack holds besides its alarms. None yet: the hook for dashboards, log groups,
    canaries and X-Ray groups, which belong to the service as a whole rather than to one alarm."""
    del service
    return NOTHING


def alarm_cost(alarm: AlarmPlan, tags: tuple[tuple[str, str], ...], region: str, account: str) -> ResourceCost:
    """One alarm is one resource (AWS::CloudWatch::Alarm or CompositeAlarm); its bytes as synthesized.

    `tags` are the tags the stack applies to every resource (service and environment tags plus managed-by).
    """
    properties: dict[str, Any] = {
        "ActionsEnabled": True,
        "AlarmActions": alarm.alarm_actions,
        "AlarmDescription": alarm.description,
        "AlarmName": alarm.name,
    }
    if alarm.kind == "composite":
        properties["AlarmRule"] = alarm.rule
    else:
        properties.update(ComparisonOperator=alarm.operator, DatapointsToAlarm=alarm.datapoints_to_alarm,
                          EvaluationPeriods=alarm.evaluation_periods)
        if alarm.kind == "anomaly" and alarm.metric is not None:
            properties["Metrics"] = [_query(alarm.metric, True),
                                     {"Expression": f"ANOMALY_DETECTION_BAND({alarm.metric.id}, 2)",
                                      "Id": "band", "Label": f"{alarm.metric.metric} (expected band)",
                                      "ReturnData": True}]
            properties["ThresholdMetricId"] = "band"
        elif alarm.metric is not None:
            metric = alarm.metric
            if metric.dimensions:
                properties["Dimensions"] = [{"Name": k, "Value": v} for k, v in metric.dimensions]
            properties.update(MetricName=metric.metric, Namespace=metric.namespace, Period=metric.period,
                              **{"ExtendedStatistic" if metric.stat not in _STANDARD_STATS else "Statistic": metric.stat})
        else:
            properties["Metrics"] = [*(_query(m, False) for m in alarm.metrics),
                                     {"Expression": alarm.expression, "Id": "expr", "Label": alarm.key,
                                      "ReturnData": True}]
    if alarm.ok_actions:
        properties["OKActions"] = alarm.ok_actions
    properties["Tags"] = [{"Key": k, "Value": v} for k, v in tags]
    if alarm.threshold is not None:
        properties["Threshold"] = alarm.threshold
    if alarm.kind != "composite":
        properties["TreatMissingData"] = alarm.missing_data
    kind = "AWS::CloudWatch::CompositeAlarm" if alarm.kind == "composite" else "AWS::CloudWatch::Alarm"
    resource: dict[str, Any] = {"Type": kind, "Properties": properties}
    if alarm.children:
        prefix = len(alarm.name) - len(alarm.key)
        resource["DependsOn"] = [_logical_id(child[prefix:]) for child in alarm.children]
    size = 2 + json_size(_logical_id(alarm.key)) + 2 + json_size(resource, 2) + 2
    # each action is an Fn::Join building the ARN from the partition, estimated as a string of the topic name
    actions = len(alarm.alarm_actions) + len(alarm.ok_actions)
    size += actions * (_ARN_PREFIX_BYTES + len(region) + len(account))
    return ResourceCost(1, size)


def _logical_id(key: str) -> str:
    """The shape of an alarm's logical id: `Alarms` + the key's letters and digits + an 8-digit hash."""
    return "Alarms" + "".join(c for c in key if c.isalnum()) + "0" * 8


def _query(metric: Any, return_data: bool) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    if metric.dimensions:
        inner["Dimensions"] = [{"Name": k, "Value": v} for k, v in metric.dimensions]
    inner.update(MetricName=metric.metric, Namespace=metric.namespace)
    return {"Id": metric.id, "MetricStat": {"Metric": inner, "Period": metric.period, "Stat": metric.stat},
            "ReturnData": return_data}


def json_size(value: Any, depth: int = 0) -> int:
    """Bytes of `value` written as JSON with one space of indentation per level, starting at `depth`."""
    if isinstance(value, str):
        return len(value.encode()) + 2 + value.count("\n") + value.count('"') + value.count("\\")
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
