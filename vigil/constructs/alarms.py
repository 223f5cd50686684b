"""CloudWatch metric, math, anomaly and composite alarms of one service, as L1 resources (one jsii call each)."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from vigil.plan.model import AlarmPlan, MetricQuery
from vigil.plan.resolve import RESERVED_EXPRESSION_ID

_STANDARD_STATS = {"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
ANOMALY_BAND_ID = "band"


class ServiceAlarms(Construct):
    """Every alarm of a service. Construct ids are alarm keys, so reordering a spec changes nothing.

    `topic_arns` maps a severity topic name (`vigil-prod-critical`) to its ARN.
    """

    def __init__(self, scope: Construct, construct_id: str, *, alarms: tuple[AlarmPlan, ...],
                 topic_arns: dict[str, str]) -> None:
        super().__init__(scope, construct_id)
        self.alarms: dict[str, cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm] = {}
        for alarm in alarms:
            common = {
                "alarm_name": alarm.name,
                "alarm_description": alarm.description,
                "actions_enabled": alarm.actions_enabled,
                "alarm_actions": [topic_arns[t] for t in alarm.alarm_actions] or None,
                "ok_actions": [topic_arns[t] for t in alarm.ok_actions] or None,
            }
            if alarm.kind == "composite":
                if alarm.actions_suppressor:
                    common.update(actions_suppressor=alarm.actions_suppressor,
                                  actions_suppressor_wait_period=alarm.suppressor_wait_period,
                                  actions_suppressor_extension_period=alarm.suppressor_extension_period)
                self.alarms[alarm.name] = cloudwatch.CfnCompositeAlarm(
                    self, alarm.key, alarm_rule=alarm.rule or "", **common)
            else:
                self.alarms[alarm.name] = cloudwatch.CfnAlarm(self, alarm.key, **common, **metric_alarm_props(alarm))
        for alarm in alarms:
            for child in (*alarm.children, *filter(None, [alarm.actions_suppressor])):
                self.alarms[alarm.name].add_resource_dependency(self.alarms[child])


def metric_alarm_props(alarm: AlarmPlan) -> dict[str, Any]:
    """CfnAlarm properties for a threshold or anomaly alarm on one metric or on metric math."""
    props: dict[str, Any] = {
        "comparison_operator": alarm.operator,
        "evaluation_periods": alarm.evaluation_periods,
        "datapoints_to_alarm": alarm.datapoints_to_alarm,
        "treat_missing_data": alarm.missing_data,
    }
    if alarm.kind == "anomaly" and alarm.metric is not None:
        props["metrics"] = [
            _query(alarm.metric, return_data=True),
            {"id": ANOMALY_BAND_ID, "expression": f"ANOMALY_DETECTION_BAND({alarm.metric.id}, {_number(alarm.band)})",
             "label": f"{alarm.metric.metric} (expected band)", "returnData": True},
        ]
        props["threshold_metric_id"] = ANOMALY_BAND_ID
        return props
    props["threshold"] = alarm.threshold
    if alarm.metric is not None:
        metric = alarm.metric
        props.update(
            namespace=metric.namespace,
            metric_name=metric.metric,
            dimensions=[{"name": k, "value": v} for k, v in metric.dimensions] or None,
            period=metric.period,
        )
        props["statistic" if metric.stat in _STANDARD_STATS else "extended_statistic"] = metric.stat
        return props
    props["metrics"] = [_query(m, return_data=False) for m in alarm.metrics] + [
        {"id": RESERVED_EXPRESSION_ID, "expression": alarm.expression, "label": alarm.key, "returnData": True}
    ]
    return props


def _query(metric: MetricQuery, *, return_data: bool) -> dict[str, Any]:
    stat: dict[str, Any] = {
        "metric": {"namespace": metric.namespace, "metricName": metric.metric},
        "period": metric.period,
        "stat": metric.stat,
    }
    if metric.dimensions:
        stat["metric"]["dimensions"] = [{"name": k, "value": v} for k, v in metric.dimensions]
    return {"id": metric.id, "metricStat": stat, "returnData": return_data}


def _number(value: float | None) -> str:
    value = value or 0
    return str(int(value)) if float(value).is_integer() else repr(value)
