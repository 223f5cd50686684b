"""CloudWatch metric, math, anomaly and composite alarms of one service, included as one CloudFormation
fragment.

The properties of each alarm are computed here in plain Python, in the template's own shape. All alarms of a
construct are then written as one template fragment and added with `CfnInclude`: one call into the CDK per
stack instead of one per alarm, which for thousands of alarms was most of the synthesis time (`make bench`).
Each alarm keeps the logical id the CDK gives a construct at `{construct id}/{alarm key}`
(`naming.logical_id`), so deployed alarms keep their identity. The CDK renders the included alarms as typed
L1 resources: tags sorted as on every other resource, DependsOn in construct order. cfn-lint checks every
example template in the tests.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import cloudformation_include as cfn_include
from constructs import Construct

from vigil.plan import naming
from vigil.plan.model import AlarmPlan, MetricQuery
from vigil.plan.resolve import RESERVED_EXPRESSION_ID

_STANDARD_STATS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
ANOMALY_BAND_ID = "band"
METRIC_ALARM = "AWS::CloudWatch::Alarm"
COMPOSITE_ALARM = "AWS::CloudWatch::CompositeAlarm"


class ServiceAlarms(cfn_include.CfnInclude):
    """Every alarm of a service: a `CfnInclude` whose resources are the alarms, so that `cdk diff` shows each
    at `{construct id}/{logical id}`. Logical ids come from the construct's path and the alarm keys, so
    reordering a spec changes nothing.

    `topic_arns` maps a severity topic name (`vigil-prod-critical`) to its ARN; the `tags` (key, value) pairs
    are set on every alarm. A composite alarm depends on those of its children in the same
    construct (children in another stack of the service are a stack dependency).
    """

    def __init__(self, scope: Construct, construct_id: str, *, alarms: tuple[AlarmPlan, ...],
                 topic_arns: dict[str, str], tags: tuple[tuple[str, str], ...] = ()) -> None:
        stack_path, scope_path = cdk.Stack.of(scope).node.path, scope.node.path
        path = (*filter(None, scope_path.removeprefix(stack_path).split("/")), construct_id)
        logical_ids = {alarm.name: naming.logical_id((*path, alarm.key)) for alarm in alarms}
        resource_tags = [{"Key": key, "Value": value} for key, value in tags]
        resources: dict[str, dict[str, Any]] = {}
        for alarm in alarms:
            resource: dict[str, Any] = {
                "Type": COMPOSITE_ALARM if alarm.kind == "composite" else METRIC_ALARM,
                "Properties": alarm_properties(alarm, topic_arns, resource_tags),
            }
            needs = [logical_ids[child] for child in (*alarm.children, *filter(None, [alarm.actions_suppressor]))
                     if child in logical_ids]
            if needs:
                resource["DependsOn"] = needs
            resources[logical_ids[alarm.name]] = resource
        # Topic ARNs may hold CDK tokens (the partition, a topic's Ref): as strings, they pass through the file
        # unchanged and are resolved at synthesis like any other token.
        with tempfile.TemporaryDirectory(prefix="vigil-alarms-") as directory:
            fragment = Path(directory) / "alarms.json"
            text = json.dumps({"Resources": resources}, separators=(",", ":"), allow_nan=False)
            fragment.write_text(text, encoding="utf-8")
            super().__init__(scope, construct_id, template_file=str(fragment))


def alarm_properties(alarm: AlarmPlan, topic_arns: dict[str, str], tags: list[dict[str, str]]) -> dict[str, Any]:
    """CloudFormation properties of one alarm, keys sorted."""
    properties: dict[str, Any] = {
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmDescription": alarm.description,
        "AlarmName": alarm.name,
    }
    if alarm.alarm_actions:
        properties["AlarmActions"] = [topic_arns[t] for t in alarm.alarm_actions]
    if alarm.ok_actions:
        properties["OKActions"] = [topic_arns[t] for t in alarm.ok_actions]
    if tags:
        properties["Tags"] = tags
    if alarm.kind == "composite":
        properties["AlarmRule"] = alarm.rule or ""
        if alarm.actions_suppressor:
            properties.update(ActionsSuppressor=alarm.actions_suppressor,
                              ActionsSuppressorWaitPeriod=alarm.suppressor_wait_period,
                              ActionsSuppressorExtensionPeriod=alarm.suppressor_extension_period)
    else:
        properties.update(metric_alarm_properties(alarm))
    return dict(sorted(properties.items()))


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
    if alarm.metric is not None and alarm.metric.account is not None:
        # A single metric of another account needs the Metrics form: only a MetricDataQuery has AccountId.
        props["Metrics"] = [_query(alarm.metric, return_data=True)]
        return props
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
    query = {"Id": metric.id, "MetricStat": {"Metric": inner, "Period": metric.period, "Stat": metric.stat},
             "ReturnData": return_data}
    if metric.account is not None:  # a cross-account alarm in the monitoring account (CloudWatch cross-account
        query["AccountId"] = metric.account  # observability): the account whose metric this is
    return dict(sorted(query.items()))


def _number(value: float | None) -> str:
    value = value or 0
    return str(int(value)) if float(value).is_integer() else repr(value)
