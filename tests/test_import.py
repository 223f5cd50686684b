"""`python -m vigil import`: a varied moto account round-trips through spec files and synthesis unchanged, and
whatever vigil cannot express is listed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml

from tests.live_account import (
    ACCOUNT,
    COMPOSITES,
    REGION,
    CompositeInjectingSession,
    build_alarms,
    build_topics,
    composite_alarm,
)
from tests.synth import synth_repo
from vigil.cli import main
from vigil.live.import_result import ImportOptions
from vigil.live.importer import import_account, write_files

_SEVERITY_OF_TOPIC = {"ops-critical-pages": "critical", "team-warnings": "warning", "digest-info": "info"}

FILTERS: dict[tuple[str, str, str], list[dict[str, Any]]] = {
    ("/aws/lambda/orders-api", "errors", "ERROR"): [
        {"metricName": "LogErrors", "metricNamespace": "App/Orders", "metricValue": "1"}],
    ("/aws/lambda/orders-api", "Latency by route", "{ $.latency > 0 }"): [
        {"metricName": "Latency", "metricNamespace": "App/Orders", "metricValue": "$.latency",
         "unit": "Milliseconds", "dimensions": {"Route": "$.route"}}],
    ("/aws/lambda/orders-api", "json-errors", '{ $.level = "error" }'): [
        {"metricName": "JsonErrors", "metricNamespace": "App/Shared", "metricValue": "2.5", "defaultValue": 0.0}],
    ("/aws/lambda/orders-api", "everything", ""): [
        {"metricName": "Lines", "metricNamespace": "App/Orders", "metricValue": "1"}],
}
"""Metric filters by (log group, filter name, pattern): a renamed one (spaces), a default value, a filter on
every event (an empty pattern, which vigil cannot express)."""

DASHBOARD_BODY: dict[str, Any] = {"start": "-PT6H", "widgets": [
    {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": {"markdown": "# Orders"}},
    {"type": "metric", "x": 0, "y": 2, "width": 12, "height": 6, "properties": {
        "region": REGION, "view": "timeSeries", "stacked": False, "period": 300, "stat": "Sum",
        "title": "Error rate (%)", "metrics": [
            ["App/Orders", "Errors", "Service", "Orders", {"stat": "Sum", "period": 300, "id": "errors",
                                                          "visible": False}],
            ["App/Orders", "Requests", {"stat": "Sum", "period": 60, "id": "requests", "visible": False}],
            ["App/Orders", "Latency", {"stat": "p99", "period": 300, "label": "p99", "yAxis": "right"}],
            [{"expression": "100 * errors / requests", "id": "rate", "label": "Error rate"}]],
        "annotations": {"horizontal": [{"value": 5, "label": "limit", "fill": "above"}]},
        "yAxis": {"left": {"label": "%", "min": 0, "showUnits": False}, "right": {"min": 0}}}},
    {"type": "alarm", "x": 12, "y": 2, "width": 12, "height": 4, "properties": {
        "title": "Alarms", "alarms": [f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:prod-orders-alarm-00",
                                      f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:payments_alarm-01"]}},
    {"type": "log", "x": 0, "y": 8, "width": 24, "height": 6, "properties": {
        "query": "SOURCE '/aws/lambda/orders-api' | fields @timestamp, @message | limit 20", "region": REGION,
        "view": "table", "title": "Recent"}},
]}
"""A dashboard laid out the way vigil lays out rows, with every widget kind the dashboard spec has."""


@pytest.fixture
def account(aws: None) -> dict[str, Any]:
    """The varied account: topics, metric alarms, composites, a dashboard and a log group with a filter."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    topics = build_topics(boto3.client("sns", region_name=REGION))
    unexpressible = build_alarms(cloudwatch, topics)
    cloudwatch.put_dashboard(DashboardName="orders-overview", DashboardBody='{"widgets": []}')
    cloudwatch.put_dashboard(DashboardName="prod-orders-main", DashboardBody=json.dumps(DASHBOARD_BODY))
    cloudwatch.put_dashboard(DashboardName="gappy", DashboardBody=json.dumps({"widgets": [
        {"type": "text", "x": 2, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "# off grid"}}]}))
    logs = boto3.client("logs", region_name=REGION)
    for name, transformations in FILTERS.items():
        if name[0] not in {g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]}:
            logs.create_log_group(logGroupName=name[0])
        logs.put_metric_filter(logGroupName=name[0], filterName=name[1], filterPattern=name[2],
                               metricTransformations=transformations)
    key = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="/vigil/payments/audit", kmsKeyId=key,
                          tags={"managed-by": "vigil", "service": "payments"})
    logs.put_metric_filter(logGroupName="/vigil/payments/audit", filterName="denied",
                           filterPattern="[ip, user, status = 403]",
                           metricTransformations=[{"metricName": "Denied", "metricNamespace": "App/Payments",
                                                   "metricValue": "1", "unit": "Count"}])
    logs.create_log_group(logGroupName="/ecs/search-indexer")
    for group, days in (("/aws/lambda/orders-api", 30), ("/vigil/payments/audit", 90)):
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)
    composites = [composite_alarm(c, topics) for c in COMPOSITES]
    originals = [a for page in cloudwatch.get_paginator("describe_alarms").paginate()
                 for a in page["MetricAlarms"]]
    return {"session": CompositeInjectingSession(REGION, composites), "originals": originals,
            "composites": composites, "unexpressible": unexpressible, "topics": topics,
            "log_groups": logs.describe_log_groups()["logGroups"],
            "filters": logs.describe_metric_filters()["metricFilters"], "kms_key": key}


@pytest.fixture
def imported(account: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    result = import_account(account["session"], ImportOptions(env="prod"))
    root = tmp_path / "repo"
    write_files(result, root)
    return {**account, "result": result, "root": root}


def _template_alarms(templates: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["AlarmName"]: r["Properties"] for t in templates.values()
            for r in t["Resources"].values()
            if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")}


def _topic(value: Any) -> str:
    """`vigil-prod-critical` from the Fn::Join the service stacks build topic ARNs with."""
    return value["Fn::Join"][1][-1].rsplit(":", 1)[-1]


def _metric(stat_block: dict[str, Any]) -> tuple[Any, ...]:
    metric = stat_block["Metric"] if "Metric" in stat_block else stat_block["metric"]
    namespace = metric.get("Namespace", metric.get("namespace"))
    name = metric.get("MetricName", metric.get("metricName"))
    dims = {(d.get("Name", d.get("name")), d.get("Value", d.get("value"))) for d in metric.get("Dimensions",
                                                                                               metric.get(
                                                                                                   "dimensions", []))}
    return (namespace, name, frozenset(dims), stat_block.get("Period", stat_block.get("period")),
            stat_block.get("Stat", stat_block.get("stat")))


def test_round_trip_keeps_every_alarm_property(imported: dict[str, Any], tmp_path: Path) -> None:
    result = imported["result"]
    templates = synth_repo(imported["root"], tmp_path / "out")
    deployed = _template_alarms(templates)
    originals = [a for a in imported["originals"] if a["AlarmName"] not in imported["unexpressible"]]
    assert len(originals) >= 50
    checked = 0
    for original in originals:
        props = deployed[result.names[original["AlarmName"]]]
        severity = _SEVERITY_OF_TOPIC[original["AlarmActions"][0].rsplit(":", 1)[-1]]
        assert [_topic(a) for a in props["AlarmActions"]] == [f"vigil-prod-{severity}"]
        assert [_topic(a) for a in props.get("OKActions", [])] == ([f"vigil-prod-{severity}"]
                                                                    if severity != "info" else [])
        assert props["ComparisonOperator"] == original["ComparisonOperator"]
        assert props["EvaluationPeriods"] == original["EvaluationPeriods"]
        assert props["DatapointsToAlarm"] == original.get("DatapointsToAlarm", original["EvaluationPeriods"])
        assert props["TreatMissingData"] == original.get("TreatMissingData", "missing")
        if original.get("AlarmDescription"):
            assert f"Summary: {original['AlarmDescription']}\n" in props["AlarmDescription"]
        if original.get("MetricName"):
            assert props["Threshold"] == original["Threshold"]
            assert (props["Namespace"], props["MetricName"], props["Period"]) == (
                original["Namespace"], original["MetricName"], original["Period"])
            assert ({(d["Name"], d["Value"]) for d in props.get("Dimensions", [])}
                    == {(d["Name"], d["Value"]) for d in original["Dimensions"]})
            assert props.get("Statistic") == original.get("Statistic")
            assert props.get("ExtendedStatistic") == original.get("ExtendedStatistic")
        elif original.get("ThresholdMetricId"):  # anomaly band: same metric, same band width
            assert "Threshold" not in props
            band = next(q for q in original["Metrics"] if q["Id"] == original["ThresholdMetricId"])
            width = re.search(r",\s*([0-9.]+)\)", band["Expression"])
            (metric,) = [q for q in original["Metrics"] if "MetricStat" in q]
            (vigil_metric,) = [q for q in props["Metrics"] if "MetricStat" in q]
            assert _metric(vigil_metric["MetricStat"]) == _metric(metric["MetricStat"])
            vigil_band = next(q for q in props["Metrics"] if q["Id"] == props["ThresholdMetricId"])
            assert vigil_band["Expression"] == (f"ANOMALY_DETECTION_BAND({vigil_metric['Id']}, "
                                                f"{width.group(1) if width else '2'})")
        else:  # metric math: the same metrics under the same ids, the same expression
            assert props["Threshold"] == original["Threshold"]
            want = {q["Id"]: (_metric(q["MetricStat"]), q["ReturnData"]) for q in original["Metrics"]
                    if "MetricStat" in q}
            got = {q["Id"]: (_metric(q["MetricStat"]), q["ReturnData"]) for q in props["Metrics"]
                   if "MetricStat" in q}
            assert got == want
            assert [(q["Expression"], q["ReturnData"]) for q in props["Metrics"] if "Expression" in q] == [
                (q["Expression"], True) for q in original["Metrics"] if "Expression" in q]
        checked += 1
    composites = [c for c in imported["composites"] if c["AlarmName"] != "cross-service"]
    for original in composites:
        props = deployed[result.names[original["AlarmName"]]]
        expected = re.sub(r'(ALARM|OK|INSUFFICIENT_DATA)\("?([^()"]*?)"?\)',
                          lambda m: f'{m.group(1)}("{result.names[m.group(2).split(":alarm:")[-1]]}")',
                          original["AlarmRule"])
        assert props["AlarmRule"] == expected
        assert [_topic(a) for a in props["AlarmActions"]] == [
            f"vigil-prod-{_SEVERITY_OF_TOPIC[original['AlarmActions'][0].rsplit(':', 1)[-1]]}"]
        checked += 1
    assert checked == len(originals) + len(composites) == len(result.names)


def test_nothing_is_dropped_silently(imported: dict[str, Any]) -> None:
    result = imported["result"]
    every = {a["AlarmName"] for a in imported["originals"]} | {c["AlarmName"] for c in imported["composites"]}
    skipped = {n.subject: n.message for n in result.notes if n.kind == "skipped" and n.subject in every}
    assert set(result.names) | set(skipped) == every
    assert set(skipped) == {"prod-orders-search", "prod-orders-band-wrong-operator", "cross-service"}
    assert skipped["cross-service"] == ("its rule spans services orders, payments; vigil composites combine alarms "
                                        "of one service")
    assert skipped["prod-orders-search"] == ("a SEARCH expression, which CloudWatch does not evaluate in alarms (it "
                                             "returns many time series)")
    assert skipped["prod-orders-band-wrong-operator"].startswith("an anomaly band with comparison "
                                                                 "GreaterThanThreshold, which CloudWatch refuses")
    approximated = [(n.subject, n.message) for n in result.notes if n.kind == "approximated"]
    assert ("prod-orders-scale-out", "alarm action arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1a2b:"
            "autoScalingGroupName/web:policyName/out dropped: not a Lambda, Systems Manager, EC2 or Auto Scaling "
            "action vigil can state") in approximated  # an Auto Scaling policy id is a UUID
    skipped_other = {n.subject: n.message for n in result.notes if n.kind == "skipped" and n.subject not in every}
    assert skipped_other == {
        "subscription sms:+15555550100 of topic digest-info":
            "vigil has no channel for this protocol (channels: pagerduty, slack, email)",
        "metric filter everything of log group /aws/lambda/orders-api":
            "an empty pattern (every event); vigil needs a filter pattern"}
    not_imported = {n.subject: n.message for n in result.notes if n.kind == "not-imported"}
    assert not_imported == {
        "dashboard gappy": "not expressible in the dashboard spec: the widget at x=2, y=0 does not follow the one "
                           "to its left (x=0); vigil lays out widgets left to right without gaps",
        "dashboard orders-overview": "not expressible in the dashboard spec: it has no widgets",
        "X-Ray groups": not_imported["X-Ray groups"]}
    assert not_imported["X-Ray groups"].startswith("could not be read:")  # moto 5.2.5 lacks GetGroups
    renamed = {n.subject: n.message for n in result.notes if n.kind == "renamed"}
    assert renamed["metric filter Latency by route of log group /aws/lambda/orders-api"] == (
        "deployed as Latency-by-route (filter names are spec keys); delete the original once the new one is deployed")
    assert "dashboard prod-orders-main" not in renamed
    assert result.counts["dashboards_imported"] == 1


def test_services_keys_and_names_follow_vigil_naming(imported: dict[str, Any]) -> None:
    result = imported["result"]
    assert sorted(result.files) == ["alarm_specs/orders.yaml", "alarm_specs/payments.yaml",
                                    "alarm_specs/search.yaml", "dashboards/orders-main.yaml",
                                    "environments/prod.yaml"]
    assert result.names["prod-orders-alarm-00"] == "prod-orders-alarm-00"  # already vigil's name: kept
    assert result.names["payments_alarm-01"] == "prod-payments-alarm-01"  # name prefix -> service
    assert result.names["Search-alarm-02"] == "prod-search-alarm-02"  # tag service=search
    assert result.names["orders-degraded"] == "prod-orders-degraded"
    renamed = {n.subject for n in result.notes if n.kind == "renamed"}
    assert "payments_alarm-01" in renamed and "prod-orders-alarm-00" not in renamed
    orders = yaml.safe_load((imported["root"] / "alarm_specs/orders.yaml").read_text())
    assert orders["alarms"]["p0-or-degraded"] == {"severity": "warning",
                                                  "composite": "ALARM(p0) OR ALARM(degraded)"}
    assert orders["defaults"] == {"namespace": "App/Orders"}


def test_environment_skeleton_routes_topics_and_never_copies_secrets(imported: dict[str, Any]) -> None:
    text = (imported["root"] / "environments/prod.yaml").read_text()
    assert "0123456789abcdef" not in text
    env = yaml.safe_load(text)
    assert (env["account"], env["region"]) == (ACCOUNT, REGION)
    assert env["routes"] == {
        "critical": ["email-ops-critical-pages-oncall", "pagerduty-ops-critical-pages"],
        "warning": ["email-team-warnings-team"],
        "info": ["email-digest-info-digest"],
    }
    assert env["channels"]["pagerduty-ops-critical-pages"] == {
        "type": "pagerduty", "integration_key": {"secret": "CHANGE-ME/pagerduty-ops-critical-pages"}}
    todo = [n.message for n in imported["result"].notes if n.kind == "todo"]
    assert any("CHANGE-ME/pagerduty-ops-critical-pages" in m for m in todo)


def test_cli_import_writes_files_and_reports(account: dict[str, Any], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "imported"
    assert main(["import", "--env", "prod", "--region", REGION, "--out", str(out), "--format", "json",
                 "--prefix", "payments_=payments"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["counts"]["metric_alarms"] == len(account["originals"])
    assert (out / "alarm_specs" / "payments.yaml").is_file()
    assert captured.err == ""  # progress is drawn on a terminal only (vigil/progress.py), never in logs
    assert main(["import", "--env", "prod", "--region", REGION, "--out", str(out)]) == 1
    assert "would overwrite" in capsys.readouterr().err


def test_values_with_template_syntax_stay_literal(aws: None, tmp_path: Path) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    cloudwatch.put_metric_alarm(AlarmName="prod-web-odd", MetricName="Errors", Namespace="Web", Statistic="Sum",
                                Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold", AlarmDescription="see {{ wiki }}")
    result = import_account(CompositeInjectingSession(REGION, []), ImportOptions(env="prod"))
    write_files(result, tmp_path)
    templates = synth_repo(tmp_path, tmp_path / "out")
    assert "Summary: see {{ wiki }}" in _template_alarms(templates)["prod-web-odd"]["AlarmDescription"]


def _imported_filters(templates: dict[str, dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Metric filters by (log group name, filter name); an owned group's name is resolved from its Ref."""
    groups = {logical: r["Properties"].get("LogGroupName") for t in templates.values()
              for logical, r in t["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup"}
    out = {}
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Logs::MetricFilter":
                props = resource["Properties"]
                group = props["LogGroupName"]
                group = groups[group["Ref"]] if isinstance(group, dict) else group
                out[(group, props["FilterName"])] = props
    return out


def test_round_trip_keeps_log_groups_and_metric_filters(imported: dict[str, Any], tmp_path: Path) -> None:
    templates = synth_repo(imported["root"], tmp_path / "out")
    owned = {r["Properties"]["LogGroupName"]: r["Properties"] for t in templates.values()
             for r in t["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"
             and "LogGroupName" in r["Properties"]}  # the others are the retention function's own logs
    assert owned == {"/vigil/payments/audit": {"LogGroupName": "/vigil/payments/audit", "RetentionInDays": 90,
                                               "KmsKeyId": imported["kms_key"],
                                               "Tags": owned["/vigil/payments/audit"]["Tags"]}}
    retention = {}
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "Custom::AWS":
                call = json.loads(resource["Properties"]["Create"])
                retention[call["parameters"]["logGroupName"]] = (call["action"], call["parameters"].get(
                    "retentionInDays"))
    # the existing group with a retention gets it set; the one that never expires is left alone
    assert retention == {"/aws/lambda/orders-api": ("putRetentionPolicy", 30)}
    spec = yaml.safe_load((imported["root"] / "alarm_specs/search.yaml").read_text())
    assert spec["log_groups"] == {"/ecs/search-indexer": {"existing": True}}
    deployed = _imported_filters(templates)
    renames = {"Latency by route": "Latency-by-route"}
    originals = [f for f in imported["filters"] if f["filterPattern"]]
    assert len(deployed) == len(originals) == 4
    for original in originals:
        props = deployed[(original["logGroupName"], renames.get(original["filterName"], original["filterName"]))]
        assert props["FilterPattern"] == original["filterPattern"]
        (want,) = original["metricTransformations"]
        (deployed_transformation,) = props["MetricTransformations"]
        got = {k[0].lower() + k[1:]: v for k, v in deployed_transformation.items()}  # CloudFormation capitalizes
        assert {k: v for k, v in got.items() if k != "dimensions"} == {
            k: v for k, v in want.items() if k != "dimensions"}
        assert {d["Key"]: d["Value"] for d in got.get("dimensions", [])} == want.get("dimensions", {})
    orders = yaml.safe_load((imported["root"] / "alarm_specs/orders.yaml").read_text())
    assert orders["log_groups"]["/aws/lambda/orders-api"]["metric_filters"]["json-errors"] == {
        "pattern": '{ $.level = "error" }', "metric": "JsonErrors", "namespace": "App/Shared", "value": 2.5,
        "default_value": 0}  # App/Orders, the service's namespace, is left to the defaults


def test_round_trip_keeps_an_expressible_dashboard(imported: dict[str, Any], tmp_path: Path) -> None:
    templates = synth_repo(imported["root"], tmp_path / "out")
    (dashboard,) = [r["Properties"] for t in templates.values() for r in t["Resources"].values()
                    if r["Type"] == "AWS::CloudWatch::Dashboard" and r["Properties"]["DashboardName"] ==
                    "prod-orders-main"]
    body = json.loads(dashboard["DashboardBody"])
    expected = json.loads(json.dumps(DASHBOARD_BODY).replace(":alarm:payments_alarm-01",
                                                             ":alarm:prod-payments-alarm-01"))
    assert body == expected
    spec = yaml.safe_load((imported["root"] / "dashboards/orders-main.yaml").read_text())
    assert spec["rows"][1][1] == {"type": "alarms", "title": "Alarms", "alarms": ["orders/alarm-00",
                                                                                  "payments/alarm-01"],
                                  "width": 12, "height": 4}


XRAY_GROUPS: list[dict[str, Any]] = [  # as GetGroups returns them
    {"GroupName": "Default", "GroupARN": "arn:aws:xray:us-east-1:123456789012:group/Default/1"},
    {"GroupName": "prod-orders-slow", "GroupARN": "arn:aws:xray:us-east-1:123456789012:group/prod-orders-slow/2",
     "FilterExpression": 'service("orders") AND responsetime > 2',
     "InsightsConfiguration": {"InsightsEnabled": True, "NotificationsEnabled": False}},
    {"GroupName": "faults", "GroupARN": "arn:aws:xray:us-east-1:123456789012:group/faults/3",
     "FilterExpression": "fault = true",
     "InsightsConfiguration": {"InsightsEnabled": True, "NotificationsEnabled": True}},
    {"GroupName": "a-group-name-too-long-for-prod", "FilterExpression": "error = true"},
]
XRAY_TAGS = {"arn:aws:xray:us-east-1:123456789012:group/faults/3": [{"Key": "service", "Value": "payments"}]}


class _XRayStub:
    """X-Ray GetGroups and ListTagsForResource as X-Ray answers them (moto 5.2.5 implements neither)."""

    def get_paginator(self, operation: str) -> Any:
        assert operation == "get_groups"
        groups = XRAY_GROUPS

        class _Pages:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                return [{"Groups": groups[:2]}, {"Groups": groups[2:]}]

        return _Pages()

    def list_tags_for_resource(self, ResourceARN: str) -> dict[str, Any]:
        return {"Tags": XRAY_TAGS.get(ResourceARN, [])}


class _XRaySession(CompositeInjectingSession):
    def client(self, service: str) -> Any:
        return _XRayStub() if service == "xray" else super().client(service)


def test_xray_groups_round_trip(account: dict[str, Any], tmp_path: Path) -> None:
    # moto 5.2.5 does not implement GetGroups: the groups are test input from a stub, as X-Ray returns them.
    result = import_account(_XRaySession(REGION, account["composites"]), ImportOptions(env="prod"))
    write_files(result, tmp_path)
    orders = yaml.safe_load((tmp_path / "alarm_specs/orders.yaml").read_text())
    payments = yaml.safe_load((tmp_path / "alarm_specs/payments.yaml").read_text())
    assert orders["tracing"] == {"groups": {"orders-slow": {"filter": 'service("orders") AND responsetime > 2',
                                                            "insights": True}}}
    assert payments["tracing"] == {"groups": {"faults": {"filter": "fault = true", "insights": True,
                                                         "notifications": True}}}
    notes = {(n.kind, n.subject): n.message for n in result.notes}
    assert notes[("renamed", "X-Ray group faults")] == ("deployed as prod-faults (key faults); delete the original "
                                                        "once the new one is deployed")
    assert notes[("skipped", "X-Ray group a-group-name-too-long-for-prod")] == (
        "it would deploy as prod-a-group-name-too-long-for-prod, longer than X-Ray's 32 characters")
    templates = synth_repo(tmp_path, tmp_path / "out")
    groups = {r["Properties"]["GroupName"]: r["Properties"] for t in templates.values()
              for r in t["Resources"].values() if r["Type"] == "AWS::XRay::Group"}
    originals = {g["GroupName"]: g for g in XRAY_GROUPS}
    assert set(groups) == {"prod-orders-slow", "prod-faults"}
    for deployed, original in (("prod-orders-slow", "prod-orders-slow"), ("prod-faults", "faults")):
        assert groups[deployed]["FilterExpression"] == originals[original]["FilterExpression"]
        insights = originals[original]["InsightsConfiguration"]
        assert groups[deployed]["InsightsConfiguration"] == {"InsightsEnabled": insights["InsightsEnabled"],
                                                             "NotificationsEnabled": insights["NotificationsEnabled"]}
