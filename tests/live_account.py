"""A varied CloudWatch account built in moto, shared by the import, verify and drill tests.

moto 5.2.5 does not implement PutCompositeAlarm or X-Ray groups. Composite alarms are therefore added to the
DescribeAlarms pages by `CompositeInjectingSession` (their definitions are test input, not results); X-Ray groups
are left unreadable, and the import must say so.
"""

from __future__ import annotations

import itertools
from typing import Any

from vigil.live.aws import AwsSession

REGION = "us-east-1"
ACCOUNT = "123456789012"

STATS = ["Sum", "Average", "Minimum", "Maximum", "SampleCount", "p50", "p90", "p99", "p99.9", "p95"]
MATH_STATS = ["Sum", "tm90", "TM(10%:90%)", "PR(:2000)", "IQM", "wm95", "SampleCount"]
"""Trimmed means and other extended statistics: moto refuses them as ExtendedStatistic (it accepts only
percentiles), so they appear in metric math, where moto keeps the Stat as given."""
OPERATORS = ["GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
             "LessThanOrEqualToThreshold"]
MISSING = [None, "missing", "notBreaching", "breaching", "ignore"]
PERIODS = [60, 300, 10, 30, 900, 3600, 120]
THRESHOLDS = [5.0, 0.25, -3.0, 1e-05, 2000.0, 99.9, 0.0, 12345.678]


def build_topics(sns: Any) -> dict[str, str]:
    """Topics by severity word, with the subscriptions the environment skeleton should become channels."""
    critical = sns.create_topic(Name="ops-critical-pages")["TopicArn"]
    sns.subscribe(TopicArn=critical, Protocol="https",
                  Endpoint="https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue")
    sns.subscribe(TopicArn=critical, Protocol="email", Endpoint="oncall@example.com")
    warning = sns.create_topic(Name="team-warnings")["TopicArn"]
    sns.subscribe(TopicArn=warning, Protocol="email", Endpoint="team@example.com")
    info = sns.create_topic(Name="digest-info")["TopicArn"]
    sns.subscribe(TopicArn=info, Protocol="email", Endpoint="digest@example.com")
    sns.subscribe(TopicArn=info, Protocol="sms", Endpoint="+15555550100")
    return {"critical": critical, "warning": warning, "info": info}


def build_alarms(cloudwatch: Any, topics: dict[str, str]) -> list[str]:
    """At least 50 expressible metric alarms across three services, plus a few vigil cannot express.

    Returns the names of the alarms that must be skipped (listed, not written): CloudWatch would refuse them."""
    severities = itertools.cycle(["critical", "warning", "info"])
    counter = itertools.count()
    services = [("prod-orders-", {}), ("payments_", {}), ("Search-", {"service": "search"})]

    def actions(severity: str) -> dict[str, Any]:
        topic = topics[severity]
        return {"AlarmActions": [topic], "OKActions": [topic] if severity != "info" else []}

    def common(i: int) -> dict[str, Any]:
        prefix, tags = services[i % 3]
        extra: dict[str, Any] = {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}
        evaluation = 1 + i % 5
        period = PERIODS[i % len(PERIODS)]
        while period * evaluation > (86400 if period < 3600 else 604800):
            evaluation -= 1
        out: dict[str, Any] = {"AlarmName": f"{prefix}alarm-{i:02d}", "EvaluationPeriods": evaluation,
                               **actions(next(severities)), **extra}
        if i % 2:
            out["DatapointsToAlarm"] = max(1, evaluation - 1)
        if MISSING[i % len(MISSING)]:
            out["TreatMissingData"] = MISSING[i % len(MISSING)]
        if i % 4 == 0:
            out["AlarmDescription"] = f"Alarm {i}: something about {prefix.strip('-_')} is wrong"
        return out

    for _ in range(30):  # single metrics
        i = next(counter)
        stat = STATS[i % len(STATS)]
        statistic = {"Statistic": stat} if stat in ("Sum", "Average", "Minimum", "Maximum", "SampleCount") else {
            "ExtendedStatistic": stat}
        dims = [{"Name": f"D{d}", "Value": f"v{i}-{d}"} for d in range(i % 4)]
        cloudwatch.put_metric_alarm(**common(i), Namespace="App/Orders" if i % 3 == 0 else f"App/S{i % 3}",
                                    MetricName=f"Metric{i}", Dimensions=dims, Period=PERIODS[i % len(PERIODS)],
                                    Threshold=THRESHOLDS[i % len(THRESHOLDS)],
                                    ComparisonOperator=OPERATORS[i % 4], **statistic)
    for _ in range(12):  # metric math
        i = next(counter)
        period = PERIODS[i % len(PERIODS)]
        metrics = [{"Id": "errors", "ReturnData": False, "MetricStat": {
                        "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": "5XXError",
                                   "Dimensions": [{"Name": "ApiName", "Value": f"api-{i}"}]},
                        "Period": period, "Stat": "Sum"}},
                   {"Id": "requests", "ReturnData": False, "MetricStat": {
                        "Metric": {"Namespace": "AWS/ApiGateway", "MetricName": "Count",
                                   "Dimensions": [{"Name": "ApiName", "Value": f"api-{i}"}]},
                        "Period": period, "Stat": MATH_STATS[i % len(MATH_STATS)]}}]
        expression = "100 * errors / requests" if i % 2 else "IF(requests > 10, errors / requests, 0)"
        if i % 3 == 0:
            metrics.append({"Id": "m_three", "ReturnData": False, "MetricStat": {
                "Metric": {"Namespace": "App/Orders", "MetricName": "Timeouts"}, "Period": period, "Stat": "p99"}})
            expression = "(errors + m_three) / requests"
        metrics.insert(i % 2, {"Id": "e1", "Expression": expression, "ReturnData": True})
        cloudwatch.put_metric_alarm(**common(i), Metrics=metrics, Threshold=THRESHOLDS[i % len(THRESHOLDS)],
                                    ComparisonOperator=OPERATORS[i % 4])
    bands = ["ANOMALY_DETECTION_BAND(m1, 2)", "ANOMALY_DETECTION_BAND(m1, 2.5)", "ANOMALY_DETECTION_BAND(m1)",
             "ANOMALY_DETECTION_BAND(m1,3)", "ANOMALY_DETECTION_BAND(m1, 1)"]
    directions = ["LessThanLowerOrGreaterThanUpperThreshold", "GreaterThanUpperThreshold", "LessThanLowerThreshold"]
    for n in range(10):  # anomaly bands
        i = next(counter)
        cloudwatch.put_metric_alarm(**common(i), ThresholdMetricId="ad1", ComparisonOperator=directions[n % 3],
                                    Metrics=[{"Id": "m1", "ReturnData": True, "MetricStat": {
                                        "Metric": {"Namespace": "App/Orders", "MetricName": f"Traffic{n}",
                                                   "Dimensions": [{"Name": "Route", "Value": f"/r{n}"}]},
                                        "Period": 300, "Stat": STATS[n % 6]}},
                                        {"Id": "ad1", "Expression": bands[n % len(bands)], "ReturnData": True}])
    # Alarms CloudWatch itself would refuse (moto keeps them): listed as skipped, with CloudWatch's rule.
    cloudwatch.put_metric_alarm(AlarmName="prod-orders-search", EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold", Metrics=[
                                    {"Id": "e1", "Expression": "MAX(SEARCH('{App/Orders} X', 'Sum', 60))",
                                     "ReturnData": True, "Period": 60}])
    cloudwatch.put_metric_alarm(AlarmName="prod-orders-band-wrong-operator", EvaluationPeriods=1,
                                ThresholdMetricId="ad1", ComparisonOperator="GreaterThanThreshold", Metrics=[
                                    {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)", "ReturnData": True},
                                    {"Id": "m1", "ReturnData": True, "MetricStat": {
                                        "Metric": {"Namespace": "App/Orders", "MetricName": "X"},
                                        "Period": 60, "Stat": "Sum"}}])
    # Expressible, with an approximation: an Auto Scaling action is dropped (listed).
    cloudwatch.put_metric_alarm(AlarmName="prod-orders-scale-out", MetricName="CPUUtilization",
                                Namespace="AWS/EC2", Statistic="Average", Period=60, EvaluationPeriods=3,
                                Threshold=70, ComparisonOperator="GreaterThanThreshold",
                                AlarmActions=[topics["warning"], "arn:aws:autoscaling:us-east-1:123456789012:"
                                              "scalingPolicy:1a2b:autoScalingGroupName/web:policyName/out"],
                                OKActions=[topics["warning"]])
    return ["prod-orders-search", "prod-orders-band-wrong-operator"]


COMPOSITES: list[dict[str, Any]] = [
    {"AlarmName": "prod-orders-p0", "AlarmRule": 'ALARM("prod-orders-alarm-00") OR ALARM("prod-orders-alarm-03")',
     "severity": "critical"},
    {"AlarmName": "orders-degraded",
     "AlarmRule": "ALARM(prod-orders-alarm-06) AND NOT OK(prod-orders-alarm-09)", "severity": "warning"},
    {"AlarmName": "payments-any",
     "AlarmRule": ('(ALARM("arn:aws:cloudwatch:us-east-1:123456789012:alarm:payments_alarm-01") OR '
                   'INSUFFICIENT_DATA("payments_alarm-04")) AND TRUE'), "severity": "info"},
    {"AlarmName": "search-p0", "AlarmRule": 'ALARM("Search-alarm-02") OR ALARM("Search-alarm-05")',
     "severity": "critical"},
    {"AlarmName": "prod-orders-p0-or-degraded", "AlarmRule": 'ALARM("prod-orders-p0") OR ALARM("orders-degraded")',
     "severity": "warning"},
    {"AlarmName": "cross-service", "AlarmRule": 'ALARM("prod-orders-alarm-00") AND ALARM("payments_alarm-01")',
     "severity": "critical"},
]
"""Composite alarms (moto cannot create them); the last spans two services and must be skipped."""


def composite_alarm(spec: dict[str, Any], topics: dict[str, str]) -> dict[str, Any]:
    """A DescribeAlarms CompositeAlarms entry as CloudWatch returns it."""
    topic = topics[spec["severity"]]
    return {"AlarmName": spec["AlarmName"], "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:"
            f"{spec['AlarmName']}", "AlarmRule": spec["AlarmRule"], "ActionsEnabled": True,
            "AlarmActions": [topic], "OKActions": [topic] if spec["severity"] != "info" else [],
            "InsufficientDataActions": [], "StateValue": "OK"}


class _CloudWatchWithComposites:
    """The moto CloudWatch client, with composite alarms appended to the last DescribeAlarms page and their tags
    (by alarm name; none by default) answered by ListTagsForResource."""

    def __init__(self, client: Any, composites: list[dict[str, Any]],
                 tags: dict[str, list[dict[str, str]]] | None = None) -> None:
        self._client = client
        self._composites = composites
        self._tags = tags or {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_paginator(self, operation: str) -> Any:
        paginator = self._client.get_paginator(operation)
        if operation != "describe_alarms":
            return paginator
        composites = self._composites

        class _Paginator:
            def paginate(self, **kwargs: Any) -> Any:
                page_list = list(paginator.paginate(**kwargs))
                if "CompositeAlarm" in kwargs.get("AlarmTypes", []):
                    page_list[-1] = {**page_list[-1], "CompositeAlarms": composites}
                return page_list

        return _Paginator()

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:
        for composite in self._composites:
            if composite["AlarmArn"] == ResourceARN:
                return {"Tags": self._tags.get(composite["AlarmName"], [])}
        return self._client.list_tags_for_resource(ResourceARN=ResourceARN)


class CompositeInjectingSession(AwsSession):
    """An AwsSession whose CloudWatch client also returns `composites` from DescribeAlarms, with `tags` (by alarm
    name) for them."""

    def __init__(self, region: str, composites: list[dict[str, Any]],
                 tags: dict[str, list[dict[str, str]]] | None = None) -> None:
        super().__init__(region)
        self.composites = composites
        self._tags = tags

    def client(self, service: str) -> Any:
        client = super().client(service)
        return _CloudWatchWithComposites(client, self.composites, self._tags) if service == "cloudwatch" else client
