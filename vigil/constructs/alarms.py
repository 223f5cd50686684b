"""CloudWatch metric, math, anomaly and composite alarms of one service, as L1 resources (one jsii call each).

Each alarm is a `CfnResource` whose CloudFormation properties are computed here in plain Python, in the
template's own shape (keys sorted as the CDK writes them, so templates are the same as with the typed
`CfnAlarm`): the typed class converts each nested property into jsii structs and back, which for thousands
of alarms costs Python time for nothing the plan has not already checked. cfn-lint checks every example
template in the tests.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from vigil.plan.model import AlarmPlan, MetricQuery
from vigil.plan.resolve import RESERVED_EXPRESSION_ID

_STANDARD_STATS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
ANOMALY_BAND_ID = "band"
METRIC_ALARM = "AWS::CloudWatch::Alarm"
COMPOSITE_ALARM = "AWS::CloudWatch::CompositeAlarm"


class ServiceAlarms(Construct):
    """Every alarm of a service. Construct ids are alarm keys, so reordering a spec changes nothing.

    `topic_arns` maps a severity topic name (`vigil-prod-critical`) to its ARN; `tags` (key, value) pairs,
    sorted by key, are set on every alarm (a `CfnResource` is not reached by `Tags.of`).
    """

    def __init__(self, scope: Construct, construct_id: str, *, alarms: tuple[AlarmPlan, ...],
                 topic_arns: dict[str, str], tags: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(scope, construct_id)
        self.alarms: dict[str, cdk.CfnResource] = {}
        resource_tags = [{"Key": key, "Value": value} for key, value in tags]
        for alarm in alarms:
            properties: dict[str, Any] = {
                "ActionsEnabled": alarm.actions_enabled,
                "AlarmDescription": alarm.description,
                "AlarmName": alarm.name,
            }
            if alarm.alarm_actions:
                properties["AlarmActions"] = [topic_arns[t] for t in alarm.alarm_actions]
            if alarm.ok_actions:
                properties["OKActions"] = [topic_arns[t] for t in alarm.ok_actions]
            if resource_tags:
                properties["Tags"] = resource_tags
            if alarm.kind == "composite":
                properties["AlarmRule"] = alarm.rule or ""
                if alarm.actions_suppressor:
                    properties.update(ActionsSuppressor=alarm.actions_suppressor,
                                      ActionsSuppressorWaitPeriod=alarm.suppressor_wait_period,
                                      ActionsSuppressorExtensionPeriod=alarm.suppressor_extension_period)
            else:
                properties.update(metric_alarm_properties(alarm))
            self.alarms[alarm.name] = cdk.CfnResource(
                self, alarm.key, type=COMPOSITE_ALARM if alarm.kind == "composite" else METRIC_ALARM,
                properties=dict(sorted(properties.items())))
        for alarm in alarms:
            for child in (*alarm.children, *filter(None, [alarm.actions_suppressor])):
                if child in self.alarms:  # children in another stack of the service: a stack dependency
                    self.alarms[alarm.name].add_resource_dependency(self.alarms[child])


def metric_alarm_properties(alarm: AlarmPlan) -> dict[str, Any]:
    """CloudFormation properties of a threshold or anomaly alarm on one metric or on metric math."""
    props: dict[str, Any] = {
        "ComparisonOperator": alarm.operator,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "TreatMissingData": alarm.missing_data,
    }
    if alarm.kind == "anomaly" and alarm.metric is not None:
        props["Metrics"] = [
            _query(alarm.metric, return_data=True),
            {"Expression": f"ANOMALY_DETECTION_BAND({alarm.metric.id}, {_number(alarm.band)})",
             "Id": ANOMALY_BAND_ID, "Label": f"{alarm.metric.metric} (expected band)", "ReturnData": True},
        ]
        props["ThresholdMetricId"] = ANOMALY_BAND_ID
        return props
    props["Threshold"] = alarm.threshold
    if alarm.metric is not None:
        metric = alarm.metric
        if metric.dimensions:
            props["Dimensions"] = [{"Name": k, "Value": v} for k, v in metric.dimensions]
        props.update(Namespace=metric.namespace, MetricName=metric.metric, Period=metric.period)
        props["Statistic" if metric.stat in _STANDARD_STATS else "ExtendedStatistic"] = metric.stat
        return props
    props["Metrics"] = [_query(m, return_data=False) for m in alarm.metrics] + [
        {"Expression": alarm.expression, "Id": RESERVED_EXPRESSION_ID, "Label": alarm.key, "ReturnData": True}
    ]
    return props


def _query(metric: MetricQuery, *, return_data: bool) -> dict[str, Any]:
    inner: dict[str, Any] = {}
    if metric.dimensions:
        inner["Dimensions"] = [{"Name": k, "Value": v} for k, v in metric.dimensions]
    inner.update(MetricName=metric.metric, Namespace=metric.namespace)
    return {"Id": metric.id, "MetricStat": {"Metric": inner, "Period": metric.period, "Stat": metric.stat},
            "ReturnData": return_data}


def _number(value: float | None) -> str:
    value = value or 0
    return str(int(value)) if float(value).is_integer() else repr(value)
