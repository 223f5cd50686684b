"""Alarm definitions from CloudFormation and Terraform in the shape DescribeAlarms returns them.

CloudFormation's AWS::CloudWatch::Alarm properties carry the PutMetricAlarm parameters under the same names
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudwatch-alarm.html); Terraform's
aws_cloudwatch_metric_alarm arguments are their snake_case names, with `dimensions` as a map and
`metric_query` blocks for `Metrics`
(https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudwatch_metric_alarm).
DescribeAlarms returns every action list (empty when unset), ActionsEnabled, the alarm's ARN, and Dimensions
for a single-metric alarm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
_METRIC_KEYS = ("AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions",
                "InsufficientDataActions", "MetricName", "Namespace", "Statistic", "ExtendedStatistic",
                "Dimensions", "Period", "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold",
                "ComparisonOperator", "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics",
                "ThresholdMetricId")
_COMPOSITE_KEYS = ("AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions",
                   "InsufficientDataActions", "AlarmRule", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                   "ActionsSuppressorExtensionPeriod")


def dump_corpus(document: dict[str, Any]) -> str:
    """A corpus file as JSON with one alarm per line (compact, and a change shows as one changed line)."""
    head = {k: v for k, v in document.items() if k != "alarms"}
    lines = [json.dumps({**entry, "alarm": _stored(entry["alarm"])}, sort_keys=True, separators=(",", ":"))
             for entry in document["alarms"]]
    return (json.dumps(head, sort_keys=True, indent=1)[:-2] + ',\n "alarms": [\n' + ",\n".join(lines)
            + "\n ]\n}\n")


def _stored(alarm: dict[str, Any]) -> dict[str, Any]:
    """An alarm without what `describe_shape` adds back (its ARN, empty action lists, actions enabled)."""
    defaults = {"AlarmArn": alarm_arn(alarm["AlarmName"]), "ActionsEnabled": True, "AlarmActions": [],
                "OKActions": [], "InsufficientDataActions": []}
    return {k: v for k, v in alarm.items() if defaults.get(k, ...) != v}


def load_corpus(path: Path) -> dict[str, Any]:
    """A corpus file with every alarm in full DescribeAlarms shape."""
    document = json.loads(path.read_text(encoding="utf-8"))
    for entry in document["alarms"]:
        alarm = entry["alarm"]
        kind = "AWS::CloudWatch::CompositeAlarm" if alarm["type"] == "CompositeAlarm" else "AWS::CloudWatch::Alarm"
        entry["alarm"] = describe_shape(kind, {k: v for k, v in alarm.items() if k not in ("type", "AlarmArn")})
    return document


def alarm_arn(name: str) -> str:
    """The ARN of alarm `name` in the corpus account."""
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def describe_shape(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    """A MetricAlarm or CompositeAlarm entry of DescribeAlarms from CloudFormation properties (intrinsics
    already resolved). `kind` is AWS::CloudWatch::Alarm or AWS::CloudWatch::CompositeAlarm."""
    composite = kind == "AWS::CloudWatch::CompositeAlarm"
    keys = _COMPOSITE_KEYS if composite else _METRIC_KEYS
    unknown = set(properties) - set(keys)
    if unknown:
        raise ValueError(f"{properties.get('AlarmName')}: properties {sorted(unknown)} not in DescribeAlarms")
    alarm: dict[str, Any] = {k: properties[k] for k in keys if properties.get(k) is not None}
    alarm["AlarmArn"] = alarm_arn(alarm["AlarmName"])
    alarm.setdefault("ActionsEnabled", True)
    for actions in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        alarm.setdefault(actions, [])
    if composite:
        alarm["type"] = "CompositeAlarm"
        return alarm
    alarm["type"] = "MetricAlarm"
    if "MetricName" in alarm:
        alarm.setdefault("Dimensions", [])
    if "Threshold" in alarm:
        alarm["Threshold"] = float(alarm["Threshold"])
    return alarm


_TERRAFORM_NAMES = {
    "alarm_name": "AlarmName", "alarm_description": "AlarmDescription", "actions_enabled": "ActionsEnabled",
    "alarm_actions": "AlarmActions", "ok_actions": "OKActions",
    "insufficient_data_actions": "InsufficientDataActions", "metric_name": "MetricName", "namespace": "Namespace",
    "statistic": "Statistic", "extended_statistic": "ExtendedStatistic", "period": "Period", "unit": "Unit",
    "evaluation_periods": "EvaluationPeriods", "datapoints_to_alarm": "DatapointsToAlarm",
    "threshold": "Threshold", "comparison_operator": "ComparisonOperator",
    "treat_missing_data": "TreatMissingData",
    "evaluate_low_sample_count_percentiles": "EvaluateLowSampleCountPercentile",
    "threshold_metric_id": "ThresholdMetricId", "alarm_rule": "AlarmRule",
}


def terraform_shape(resource: str, arguments: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(DescribeAlarms entry, tags) of an aws_cloudwatch_metric_alarm or aws_cloudwatch_composite_alarm's
    arguments, references already replaced by values."""
    props: dict[str, Any] = {}
    for name, value in arguments.items():
        if name in _TERRAFORM_NAMES:
            props[_TERRAFORM_NAMES[name]] = value
        elif name == "dimensions":
            props["Dimensions"] = [{"Name": k, "Value": v} for k, v in value.items()]
        elif name == "metric_query":
            props["Metrics"] = [_terraform_query(q) for q in value]
        elif name == "actions_suppressor":
            props.update(ActionsSuppressor=value["alarm"], ActionsSuppressorWaitPeriod=value["wait_period"],
                         ActionsSuppressorExtensionPeriod=value["extension_period"])
        elif name != "tags":
            raise ValueError(f"{arguments.get('alarm_name')}: unknown argument {name}")
    if resource == "aws_cloudwatch_metric_alarm":
        props.setdefault("TreatMissingData", "missing")  # the provider's default, sent on every create
    kind = "AWS::CloudWatch::CompositeAlarm" if resource == "aws_cloudwatch_composite_alarm" else \
        "AWS::CloudWatch::Alarm"
    tags = [{"Key": k, "Value": v} for k, v in (arguments.get("tags") or {}).items()]
    return describe_shape(kind, props), tags


def _terraform_query(query: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"Id": query["id"]}
    for name, key in (("expression", "Expression"), ("label", "Label"), ("period", "Period"),
                      ("account_id", "AccountId")):
        if query.get(name) is not None:
            out[key] = query[name]
    out["ReturnData"] = bool(query.get("return_data", False))
    if query.get("metric"):
        metric = query["metric"]
        inner: dict[str, Any] = {"Namespace": metric["namespace"], "MetricName": metric["metric_name"]}
        if metric.get("dimensions"):
            inner["Dimensions"] = [{"Name": k, "Value": v} for k, v in metric["dimensions"].items()]
        stat: dict[str, Any] = {"Metric": inner, "Period": metric["period"], "Stat": metric["stat"]}
        if metric.get("unit"):
            stat["Unit"] = metric["unit"]
        out["MetricStat"] = stat
    return out
