"""Alarms whose metrics exist in one region only (CloudFront's, in us-east-1) are deployed there: an environment in
another region gets a service stack and a routing stack in us-east-1 of the same account."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ENVIRONMENT_YAML
from tests.synth import alarm_by_name, synth_plan
from vigil.live.verify import expected_properties
from vigil.plan.model import EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.plan.shards import assignments
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

ACCOUNT = "123456789012"
SERVICE = """\
version: 1
service: web
owner: web-team
resources:
  cdn: {type: cloudfront, distribution: E123, max_5xx_rate: 5}
  fn: {type: lambda, function: web}
alarms:
  web-down: {severity: critical, composite: "ALARM(fn-errors)"}
"""


def _repo(root: Path, service: str = SERVICE, region: str = "eu-west-1") -> Path:
    (root / "environments").mkdir(parents=True, exist_ok=True)
    (root / "environments" / "prod.yaml").write_text(
        ENVIRONMENT_YAML.format(name="prod", account=ACCOUNT).replace("region: us-east-1", f"region: {region}"))
    (root / "alarm_specs").mkdir(exist_ok=True)
    (root / "alarm_specs" / "web.yaml").write_text(service)
    return root


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentPlan:
    return plan_workspace(read_sources(_repo(tmp_path_factory.mktemp("repo")))).environments[0]


@pytest.fixture(scope="module")
def templates(plan: EnvironmentPlan, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from vigil.plan.model import WorkspacePlan

    out = tmp_path_factory.mktemp("cdk.out")
    templates = synth_plan(WorkspacePlan((plan,)), out, nag=True)  # cdk-nag: no unacknowledged finding
    templates["__dir__"] = {"path": str(out)}
    return templates


def test_cloudfront_alarms_are_planned_in_us_east_1_and_the_others_at_home(plan: EnvironmentPlan) -> None:
    service = plan.services[0]
    regions = {alarm.key: alarm.region for alarm in service.alarms}
    assert regions == {"cdn-origin-latency": "us-east-1", "cdn-5xx-rate": "us-east-1", "fn-errors": None,
                       "fn-throttles": None, "web-down": None}
    assert [(s.stack_name, s.region, s.alarms) for s in service.shards] == [
        ("vigil-prod-web", None, ("fn-errors", "fn-throttles", "web-down")),
        ("vigil-prod-web-us-east-1", "us-east-1", ("cdn-5xx-rate", "cdn-origin-latency"))]
    assert assignments(plan.services) == {"web": {"fn-errors": 1, "fn-throttles": 1, "web-down": 1}}


def test_the_environment_gets_a_routing_and_a_service_stack_in_us_east_1(templates: dict[str, dict[str, Any]]
                                                                          ) -> None:
    assert sorted(k for k in templates if k != "__dir__") == [
        "vigil-prod-routing", "vigil-prod-routing-us-east-1", "vigil-prod-web", "vigil-prod-web-us-east-1"]
    alarm = alarm_by_name(templates["vigil-prod-web-us-east-1"], "prod-web-cdn-origin-latency")
    assert ":sns:us-east-1:123456789012:vigil-prod-warning" in json.dumps(alarm["AlarmActions"])
    home = alarm_by_name(templates["vigil-prod-web"], "prod-web-fn-errors")
    assert ":sns:eu-west-1:123456789012:vigil-prod-critical" in json.dumps(home["AlarmActions"])
    regional = json.dumps(templates["vigil-prod-routing-us-east-1"])
    assert "vigil-prod-critical" in regional and "cloudwatch:us-east-1:123456789012:alarm:*" in regional
    assert "Drill" not in regional and "vigil-prod-slack-incidents-us-east-1" in regional


def test_cfn_lint_reports_nothing_on_the_regional_stacks(templates: dict[str, dict[str, Any]]) -> None:
    out = Path(templates["__dir__"]["path"])
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    files = [str(p) for p in sorted(out.glob("*.template.json"))]
    result = subprocess.run([str(cfn_lint), "--", *files], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_dashboard_and_verify_look_for_pinned_alarms_in_their_region(plan: EnvironmentPlan) -> None:
    body = json.loads(plan.services[0].dashboards[0].body)
    arns = next(w for w in body["widgets"] if w["type"] == "alarm")["properties"]["alarms"]
    assert "arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-web-cdn-origin-latency" in arns
    assert "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:prod-web-fn-errors" in arns
    alarm = next(a for a in plan.services[0].alarms if a.key == "cdn-origin-latency")
    assert expected_properties(plan, alarm)["AlarmActions"] == ["arn:aws:sns:us-east-1:123456789012:vigil-prod-warning"]


def test_in_us_east_1_nothing_moves(tmp_path: Path) -> None:
    plan = plan_workspace(read_sources(_repo(tmp_path, region="us-east-1"))).environments[0]
    assert all(alarm.region is None for alarm in plan.services[0].alarms)
    assert [s.stack_name for s in plan.services[0].shards] == ["vigil-prod-web"]


def test_a_composite_cannot_refer_to_an_alarm_in_another_region(tmp_path: Path) -> None:
    service = SERVICE.replace('"ALARM(fn-errors)"', '"ALARM(fn-errors) OR ALARM(cdn-5xx-rate)"')
    with pytest.raises(SpecError) as error:
        plan_workspace(read_sources(_repo(tmp_path, service)))
    assert [str(p) for p in error.value.problems] == [
        'alarm_specs/web.yaml:8: alarms.web-down.composite: alarm "cdn-5xx-rate" lives in us-east-1 (its metric '
        "exists only there); a composite alarm in eu-west-1 cannot refer to it"]


def _resolved(value: Any, template: dict[str, Any], region: str) -> Any:
    """Template intrinsics as CloudFormation resolves them in the account, in the stack's region."""
    if isinstance(value, list):
        return [_resolved(v, template, region) for v in value]
    if isinstance(value, dict):
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(_resolved(p, template, region) for p in parts)
        if "Ref" in value:
            if value["Ref"] == "AWS::Partition":
                return "aws"
            return f"arn:aws:sns:{region}:{ACCOUNT}:{template['Resources'][value['Ref']]['Properties']['TopicName']}"
        return {k: _resolved(v, template, region) for k, v in value.items()}
    return value


def test_verify_finds_pinned_alarms_in_their_region(aws: None, plan: EnvironmentPlan,
                                                    templates: dict[str, dict[str, Any]]) -> None:
    import boto3

    from vigil.live.aws import AwsSession
    from vigil.live.verify import verify_environment

    for name, template in templates.items():
        region = "us-east-1" if name.endswith("-us-east-1") else "eu-west-1"
        cloudwatch = boto3.client("cloudwatch", region_name=region)
        for resource in template.get("Resources", {}).values():
            if resource["Type"] == "AWS::CloudWatch::Alarm":
                cloudwatch.put_metric_alarm(**_resolved(resource["Properties"], template, region))
    for alarm in plan.services[0].alarms:
        if alarm.metric is not None:
            boto3.client("cloudwatch", region_name=alarm.region or "eu-west-1").put_metric_data(
                Namespace=alarm.metric.namespace, MetricData=[{"MetricName": alarm.metric.metric, "Value": 1.0,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in alarm.metric.dimensions]}])
    result = verify_environment(AwsSession("eu-west-1"), plan)
    assert [(f.kind, f.alarm) for f in result.findings] == [("missing", "prod-web-web-down")]  # moto: no composites
