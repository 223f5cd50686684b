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
from vigil.live.importer import ImportOptions, import_account, write_files

_SEVERITY_OF_TOPIC = {"ops-critical-pages": "critical", "team-warnings": "warning", "digest-info": "info"}


@pytest.fixture
def account(aws: None) -> dict[str, Any]:
    """The varied account: topics, metric alarms, composites, a dashboard and a log group with a filter."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    topics = build_topics(boto3.client("sns", region_name=REGION))
    unexpressible = build_alarms(cloudwatch, topics)
    cloudwatch.put_dashboard(DashboardName="orders-overview", DashboardBody='{"widgets": []}')
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/aws/lambda/orders-api")
    logs.put_retention_policy(logGroupName="/aws/lambda/orders-api", retentionInDays=30)
    logs.put_metric_filter(logGroupName="/aws/lambda/orders-api", filterName="errors", filterPattern="ERROR",
                           metricTransformations=[{"metricName": "LogErrors", "metricNamespace": "App/Orders",
                                                   "metricValue": "1"}])
    composites = [composite_alarm(c, topics) for c in COMPOSITES]
    originals = [a for page in cloudwatch.get_paginator("describe_alarms").paginate()
                 for a in page["MetricAlarms"]]
    return {"session": CompositeInjectingSession(REGION, composites), "originals": originals,
            "composites": composites, "unexpressible": unexpressible, "topics": topics}


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
    assert set(skipped) == {"prod-orders-nested-math", "prod-orders-band-on-math", "cross-service"}
    assert skipped["cross-service"] == ("its rule spans services orders, payments; vigil composites combine alarms "
                                        "of one service")
    assert skipped["prod-orders-nested-math"].startswith("metric math with 2 expressions")
    approximated = [(n.subject, n.message) for n in result.notes if n.kind == "approximated"]
    assert ("prod-orders-scale-out", "alarm action arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1a2b:"
            "autoScalingGroupName/web:policyName/out dropped: vigil routes alarms to SNS severity topics only"
            ) in approximated
    skipped_other = {n.subject: n.message for n in result.notes if n.kind == "skipped" and n.subject not in every}
    assert skipped_other == {"subscription sms:+15555550100 of topic digest-info":
                             "vigil has no channel for this protocol (channels: pagerduty, slack, email)"}
    not_imported = {n.subject: n.message for n in result.notes if n.kind == "not-imported"}
    assert not_imported["log group /aws/lambda/orders-api"] == (
        "retention 30d; metric filters: errors (ERROR -> App/Orders/LogErrors=1); this vigil version has no log "
        "group spec")
    assert "dashboard orders-overview" in not_imported
    assert not_imported["X-Ray groups"].startswith("could not be read:")  # moto 5.2.5 lacks GetGroups


def test_services_keys_and_names_follow_vigil_naming(imported: dict[str, Any]) -> None:
    result = imported["result"]
    assert sorted(result.files) == ["alarm_specs/orders.yaml", "alarm_specs/payments.yaml",
                                    "alarm_specs/search.yaml", "environments/prod.yaml"]
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
    assert "import: read" in captured.err  # progress goes to stderr
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
