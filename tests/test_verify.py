"""`python -m vigil verify`: the synthesized templates deployed into moto verify clean; every kind of drift and
dead alarm is found; drill alarms are part of the routing stack."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML, SERVICE_YAML, _write
from tests.synth import synth_repo
from vigil.cli import main
from vigil.live.aws import AwsSession
from vigil.live.verify import verify_environment
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

REGION = "us-east-1"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The DESIGN.md example, planned and synthesized once (prod)."""
    root = tmp_path_factory.mktemp("verify")
    for name, account in ACCOUNTS.items():
        _write(root / "environments" / f"{name}.yaml", ENVIRONMENT_YAML.format(name=name, account=account))
    _write(root / "alarm_specs" / "coaching.yaml", SERVICE_YAML)
    templates = synth_repo(root, tmp_path_factory.mktemp("verify-out"), only=["prod"])
    plan = plan_workspace(read_sources(root), only=["prod"]).environments[0]
    return {"root": root, "templates": templates, "plan": plan}


def _resolve(value: Any, template: dict[str, Any]) -> Any:
    """Template intrinsics as CloudFormation resolves them in account 123456789012, us-east-1."""
    if isinstance(value, list):
        return [_resolve(v, template) for v in value]
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(_resolve(p, template) for p in parts)
        if "Ref" in value:
            if value["Ref"] == "AWS::Partition":
                return "aws"
            topic = template["Resources"][value["Ref"]]["Properties"]["TopicName"]
            return f"arn:aws:sns:{REGION}:{ACCOUNTS['prod']}:{topic}"
        return {k: _resolve(v, template) for k, v in value.items()}
    return value


def deploy(templates: dict[str, dict[str, Any]]) -> list[str]:
    """Create every metric alarm of the templates in moto with its template properties, as CloudFormation
    would. Returns the composite alarms left out: moto 5.2.5 has no PutCompositeAlarm."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    skipped = []
    for template in templates.values():
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                cloudwatch.put_metric_alarm(**_resolve(resource["Properties"], template))
            elif resource["Type"] == "AWS::CloudWatch::CompositeAlarm":
                skipped.append(resource["Properties"]["AlarmName"])
    return skipped


def publish(plan: Any) -> None:
    """One datapoint for every metric the plan's service alarms use, so that none is dead."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for service in plan.services:
        for alarm in service.alarms:
            for metric in [alarm.metric] if alarm.metric else alarm.metrics:
                cloudwatch.put_metric_data(Namespace=metric.namespace, MetricData=[{
                    "MetricName": metric.metric, "Value": 1.0,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions]}])


def test_drill_alarms_are_routed_like_other_alarms(repo: dict[str, Any]) -> None:
    routing = repo["templates"]["vigil-prod-routing"]
    alarms = {r["Properties"]["AlarmName"]: r["Properties"] for r in routing["Resources"].values()
              if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert sorted(alarms) == ["vigil-prod-drill-critical", "vigil-prod-drill-info", "vigil-prod-drill-warning"]
    topics = {r["Properties"]["TopicName"]: logical for logical, r in routing["Resources"].items()
              if r["Type"] == "AWS::SNS::Topic"}
    critical = alarms["vigil-prod-drill-critical"]
    assert critical["AlarmActions"] == [{"Ref": topics["vigil-prod-critical"]}]
    assert critical["OKActions"] == [{"Ref": topics["vigil-prod-critical"]}]
    assert critical["TreatMissingData"] == "notBreaching"
    assert (critical["Namespace"], critical["MetricName"]) == ("vigil/Drill", "DrillSignal")
    assert "OKActions" not in alarms["vigil-prod-drill-info"]


def test_a_faithful_deployment_verifies_clean_except_what_moto_cannot_hold(aws: None, repo: dict[str, Any]) -> None:
    skipped = deploy(repo["templates"])
    publish(repo["plan"])
    result = verify_environment(AwsSession(REGION), repo["plan"])
    assert skipped == ["prod-coaching-p0"]
    assert [(f.kind, f.alarm) for f in result.findings] == [("missing", "prod-coaching-p0")]
    assert result.checked == 8  # 5 alarms of coaching in prod + 3 drill alarms


def test_drift_unmanaged_and_dead_alarms_are_found(aws: None, repo: dict[str, Any]) -> None:
    deploy(repo["templates"])
    publish(repo["plan"])
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    api_down = cloudwatch.describe_alarms(AlarmNames=["prod-coaching-api-down"])["MetricAlarms"][0]
    keep = ("AlarmName", "AlarmDescription", "AlarmActions", "OKActions", "MetricName", "Namespace", "Statistic",
            "Dimensions", "Period", "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator",
            "TreatMissingData")
    cloudwatch.put_metric_alarm(**{k: api_down[k] for k in keep}, Threshold=3.0)  # edited in the console
    cloudwatch.delete_alarms(AlarmNames=["prod-coaching-high-latency"])
    cloudwatch.put_metric_alarm(AlarmName="prod-coaching-old-alarm", MetricName="Errors", Namespace="X",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold")
    cloudwatch.put_metric_alarm(AlarmName="someone-elses-alarm", MetricName="Errors", Namespace="X",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold")
    cloudwatch.put_metric_alarm(AlarmName="prod-coaching-typo", MetricName="Erors", Namespace="X",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanThreshold")
    cloudwatch.set_alarm_state(AlarmName="prod-coaching-traffic-anomaly", StateValue="INSUFFICIENT_DATA",
                               StateReason="no data")
    result = verify_environment(AwsSession(REGION), repo["plan"], insufficient_after=86400,
                                now=datetime.now(UTC) + timedelta(days=2))
    found = {(f.kind, f.alarm): f for f in result.findings}
    assert set(found) == {("missing", "prod-coaching-p0"), ("missing", "prod-coaching-high-latency"),
                          ("changed", "prod-coaching-api-down"), ("unmanaged", "prod-coaching-old-alarm"),
                          ("unmanaged", "prod-coaching-typo"), ("dead", "prod-coaching-traffic-anomaly")}
    assert found["changed", "prod-coaching-api-down"].fields == (("Threshold", "1.0", "3.0"),)
    assert found["dead", "prod-coaching-traffic-anomaly"].detail == ("in INSUFFICIENT_DATA for 2 d "
                                                                     "(threshold 1 d)")


def test_a_metric_without_data_is_a_dead_alarm(aws: None, repo: dict[str, Any]) -> None:
    deploy(repo["templates"])  # nothing published: every metric is unknown to ListMetrics
    result = verify_environment(AwsSession(REGION), repo["plan"])
    dead = {(f.alarm, f.detail) for f in result.findings if f.kind == "dead"}
    assert ("prod-coaching-api-down", "metric PurposePath/Coaching RequestCount {Service=Coaching} has no data "
            "(ListMetrics: none in two weeks); check the metric name and dimensions") in dead
    assert {a for a, _ in dead} == {"prod-coaching-api-down", "prod-coaching-high-error-rate",
                                    "prod-coaching-high-latency", "prod-coaching-traffic-anomaly"}


def test_cli_exit_codes_and_formats(aws: None, repo: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    deploy(repo["templates"])
    publish(repo["plan"])
    root = str(repo["root"])
    assert main(["--root", root, "verify", "--env", "prod", "--format", "json", "--quiet"]) == 3
    data = json.loads(capsys.readouterr().out)
    assert data["findings"] == [{"kind": "missing", "alarm": "prod-coaching-p0", "fields": [],
                                 "detail": "coaching/p0 is in the plan but not deployed"}]
    assert main(["--root", root, "verify", "--env", "prod", "--format", "markdown", "--quiet"]) == 3
    assert "| missing | `prod-coaching-p0` |" in capsys.readouterr().out
    assert main(["--root", root, "verify", "--env", "dev"]) == 1
    assert capsys.readouterr().err.strip() == (
        "vigil: the credentials are for account 123456789012, but environment dev is account 111111111111; use a "
        "profile for 111111111111 (--profile)")
    assert main(["--root", root, "verify", "--env", "prod", "--insufficient-after", "soon"]) == 1
    assert "--insufficient-after: expected a duration" in capsys.readouterr().err


def test_verify_with_spec_errors_exits_2(aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "environments" / "prod.yaml", ENVIRONMENT_YAML.format(name="prod", account="123456789012"))
    _write(tmp_path / "alarm_specs" / "x.yaml", "version: 1\nservice: x\nowner: t\nalarms: {a: {severity: loud}}\n")
    assert main(["--root", str(tmp_path), "verify", "--env", "prod"]) == 2
