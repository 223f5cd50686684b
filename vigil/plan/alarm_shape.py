"""The CloudFormation shape of one planned alarm: the one place that knows it.

`alarm_resource` turns an `AlarmPlan` into its template resource (AWS::CloudWatch::Alarm or
AWS::CloudWatch::CompositeAlarm): vigil/constructs/alarms.py writes it into the template,
vigil/live/verify.py compares a deployed alarm against its properties, and vigil/plan/template_size.py
measures it. Pure Python: no CDK, no AWS calls.

Property names and values follow the CloudFormation resource reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html and
aws-resource-cloudwatch-compositealarm.html).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from vigil.expressions import EXPRESSION_ID
from vigil.plan.model import AlarmPlan, MetricQuery
from vigil.spec.types import format_number

METRIC_ALARM = "AWS::CloudWatch::Alarm"
COMPOSITE_ALARM = "AWS::CloudWatch::CompositeAlarm"
STANDARD_STATISTICS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})
"""Statistics an alarm names in `Statistic`; any other (p95, tm99, PR(:300) ...) goes in `ExtendedStatistic`."""
ANOMALY_BAND_ID = "band"
"""The id of the ANOMALY_DETECTION_BAND expression in an anomaly alarm's Metrics."""
DEFAULT_PERIOD = 300
"""Alarm period when neither the alarm nor the service defaults set one, in seconds (5 minutes)."""
DEFAULT_STAT = "Average"
"""Statistic of a metric when neither it nor the service defaults set one."""


def alarm_resource(alarm: AlarmPlan, topic_arns: Mapping[str, Any], tags: Sequence[Mapping[str, str]],
                   logical_ids: Mapping[str, str]) -> dict[str, Any]:
    """The template resource of `alarm`: Type, Properties and, when it needs alarms of the same template
    deployed first, DependsOn (their logical ids, from `logical_ids`: full alarm name -> logical id).

    `topic_arns` maps each severity topic name (`vigil-prod-critical`) to its ARN as the template writes it;
    `tags` are the `{"Key": ..., "Value": ...}` pairs set on the alarm.
    """
    resource: dict[str, Any] = {"Type": resource_type(alarm),
                                "Properties": alarm_properties(alarm, topic_arns, tags)}
    depends = [logical_ids[name] for name in needs(alarm) if name in logical_ids]
    if depends:
        resource["DependsOn"] = depends
    return resource


def resource_type(alarm: AlarmPlan) -> str:
    """AWS::CloudWatch::CompositeAlarm for a composite alarm, else AWS::CloudWatch::Alarm."""
    return COMPOSITE_ALARM if alarm.kind == "composite" else METRIC_ALARM


def needs(alarm: AlarmPlan) -> tuple[str, ...]:
    """Full names of the alarms `alarm` refers to, which must exist first: a composite's children and its
    actions suppressor."""
    return (*alarm.children, *filter(None, [alarm.actions_suppressor]))


def alarm_properties(alarm: AlarmPlan, topic_arns: Mapping[str, Any],
                     tags: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """CloudFormation properties of one alarm, keys sorted. Empty action lists and tags are left out."""
    properties: dict[str, Any] = {
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmDescription": alarm.description,
        "AlarmName": alarm.name,
    }
    for name, actions in (("AlarmActions", alarm.alarm_actions), ("OKActions", alarm.ok_actions),
                          ("InsufficientDataActions", alarm.insufficient_data_actions)):
        if actions:
            properties[name] = [action_arn(action, topic_arns) for action in actions]
    if tags:
        properties["Tags"] = list(tags)
    if alarm.kind == "composite":
        properties["AlarmRule"] = alarm.rule or ""
        if alarm.actions_suppressor:
            properties.update(ActionsSuppressor=alarm.actions_suppressor,
                              ActionsSuppressorWaitPeriod=alarm.suppressor_wait_period,
                              ActionsSuppressorExtensionPeriod=alarm.suppressor_extension_period)
    else:
        properties.update(metric_alarm_properties(alarm))
    return dict(sorted(properties.items()))


def action_arn(action: str, topic_arns: Mapping[str, Any]) -> Any:
    """An alarm action as the template writes it: an ARN as it is, a severity topic name as its ARN."""
    return action if action.startswith("arn:") else topic_arns[action]


def metric_alarm_properties(alarm: AlarmPlan) -> dict[str, Any]:
    """The properties of a threshold or anomaly alarm that say what it watches and when it breaches: on one
    metric (MetricName, Namespace ..., or a one-entry Metrics when the metric has a label or another account)
    or on metric math, Metrics Insights queries and anomaly bands (Metrics)."""
    props: dict[str, Any] = {
        "ComparisonOperator": alarm.operator,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "TreatMissingData": alarm.missing_data,
    }
    if alarm.evaluate_low_sample_count_percentile:
        props["EvaluateLowSampleCountPercentile"] = alarm.evaluate_low_sample_count_percentile
    if alarm.kind == "anomaly":
        if alarm.metric is not None:
            queries, watched, what = [metric_stat_query(alarm.metric, return_data=True)], alarm.metric.id, \
                alarm.metric.metric
        else:
            queries, watched, what = math_queries(alarm), EXPRESSION_ID, alarm.key
        queries.append({"Expression": anomaly_band_expression(watched, alarm.band or 0), "Id": ANOMALY_BAND_ID,
                        "Label": alarm.band_label or f"{what} (expected band)", "ReturnData": True})
        props["Metrics"] = queries
        props["ThresholdMetricId"] = ANOMALY_BAND_ID
        return props
    props["Threshold"] = alarm.threshold
    if alarm.metric is not None and alarm.metric.account is not None:
        # A single metric of another account needs the Metrics form: only a MetricDataQuery has AccountId.
        props["Metrics"] = [metric_stat_query(alarm.metric, return_data=True)]
        return props
    if alarm.metric is not None:
        metric = alarm.metric
        if metric.label is not None or metric.account is not None:
            props["Metrics"] = [metric_stat_query(metric, return_data=True)]
            return props
        if metric.dimensions:
            props["Dimensions"] = dimensions(metric.dimensions)
        props.update(Namespace=metric.namespace, MetricName=metric.metric, Period=metric.period)
        props[statistic_property(metric.stat)] = metric.stat
        if metric.unit:
            props["Unit"] = metric.unit
        return props
    props["Metrics"] = math_queries(alarm)
    return props


def math_queries(alarm: AlarmPlan) -> list[dict[str, Any]]:
    """The Metrics of a metric-math or Metrics Insights alarm: its metrics and intermediate expressions, which
    return no data, then its expression, which does."""
    queries = [metric_stat_query(m, return_data=False) for m in alarm.metrics]
    for intermediate in alarm.expressions:
        query: dict[str, Any] = {"Expression": intermediate.expression, "Id": intermediate.id}
        if intermediate.label is not None:
            query["Label"] = intermediate.label
        if intermediate.period is not None:
            query["Period"] = intermediate.period
        queries.append({**query, "ReturnData": False})
    returned: dict[str, Any] = {"Expression": alarm.expression, "Id": EXPRESSION_ID,
                                "Label": alarm.label or alarm.key}
    if alarm.expression_period is not None:
        returned["Period"] = alarm.expression_period
    return [*queries, {**returned, "ReturnData": True}]


def anomaly_band_expression(watched: str, band: float) -> str:
    """The metric math of an anomaly band `band` standard deviations wide around the query `watched` (an id)."""
    return f"ANOMALY_DETECTION_BAND({watched}, {format_number(band)})"


def statistic_property(stat: str) -> str:
    """`Statistic` for the standard statistics, `ExtendedStatistic` for percentiles and the like."""
    return "Statistic" if stat in STANDARD_STATISTICS else "ExtendedStatistic"


def metric_stat_query(metric: MetricQuery, *, return_data: bool) -> dict[str, Any]:
    """One entry of an alarm's Metrics: the metric with its period and statistic."""
    inner: dict[str, Any] = {}
    if metric.dimensions:
        inner["Dimensions"] = dimensions(metric.dimensions)
    inner.update(MetricName=metric.metric, Namespace=metric.namespace)
    stat: dict[str, Any] = {"Metric": inner, "Period": metric.period, "Stat": metric.stat}
    if metric.unit:
        stat["Unit"] = metric.unit
    query: dict[str, Any] = {"Id": metric.id, "MetricStat": stat, "ReturnData": return_data}
    if metric.label is not None:
        query["Label"] = metric.label
    if metric.account is not None:  # an alarm on another account's metric (cross-account observability)
        query["AccountId"] = metric.account
    return query


def dimensions(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """Dimensions as CloudFormation and CloudWatch write them: `{"Name": ..., "Value": ...}` entries."""
    return [{"Name": name, "Value": value} for name, value in pairs]
