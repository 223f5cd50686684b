"""`python -m vigil drill`: the drill alarm goes to ALARM and back to OK; protected environments need --yes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.conftest import ENVIRONMENT_YAML, SpecRepo
from vigil.cli import main
from vigil.live.aws import AwsError, AwsSession
from vigil.live.drill import ProtectedEnvironment, run_drill
from vigil.plan.model import EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

REGION = "us-east-1"
PROTECTED_PROD = ENVIRONMENT_YAML.format(name="prod", account="123456789012").replace(
    "region: us-east-1\n", "region: us-east-1\nprotected: true\n")


def _deploy_drills(plan: EnvironmentPlan) -> None:
    """The drill alarms as the routing stack creates them (the template is checked in test_verify.py)."""
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for alarm in plan.drills:
        metric = alarm.metric
        assert metric is not None
        cloudwatch.put_metric_alarm(
            AlarmName=alarm.name, Namespace=metric.namespace, MetricName=metric.metric, Statistic=metric.stat,
            Dimensions=[{"Name": k, "Value": v} for k, v in metric.dimensions], Period=metric.period,
            EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[f"arn:aws:sns:{REGION}:123456789012:{alarm.alarm_actions[0]}"])


def _plan(root: Any) -> EnvironmentPlan:
    return plan_workspace(read_sources(root), only=["prod"]).environments[0]


def _state(name: str) -> str:
    alarms = boto3.client("cloudwatch", region_name=REGION).describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return str(alarms[0]["StateValue"])


def test_drill_sets_alarm_then_ok_and_waits_between(aws: None, spec_repo: SpecRepo) -> None:
    plan = _plan(spec_repo())
    _deploy_drills(plan)
    session = AwsSession(REGION)
    calls: list[tuple[str, str]] = []
    session.client("cloudwatch").meta.events.register(
        "provide-client-params.cloudwatch.SetAlarmState",
        lambda params, **_: calls.append((params["AlarmName"], params["StateValue"])))
    waited: list[float] = []

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        assert _state("vigil-prod-drill-critical") == "ALARM"  # the page is open while we wait

    result = run_drill(session, plan, "critical", wait=45, sleep=sleep)
    assert calls == [("vigil-prod-drill-critical", "ALARM"), ("vigil-prod-drill-critical", "OK")]
    assert waited == [45]
    assert _state("vigil-prod-drill-critical") == "OK"
    assert result.notified == ("pagerduty-primary", "slack-incidents")


def test_drill_resolves_even_when_interrupted(aws: None, spec_repo: SpecRepo) -> None:
    plan = _plan(spec_repo())
    _deploy_drills(plan)

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_drill(AwsSession(REGION), plan, "warning", wait=60, sleep=interrupted)
    assert _state("vigil-prod-drill-warning") == "OK"


def test_protected_environment_is_refused_without_yes(aws: None, spec_repo: SpecRepo,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({"environments/prod.yaml": PROTECTED_PROD})
    plan = _plan(root)
    _deploy_drills(plan)
    assert main(["--root", str(root), "drill", "--env", "prod", "--severity", "critical", "--wait", "0"]) == 2
    assert capsys.readouterr().err.strip() == (
        "vigil: environment prod is protected: a drill pages the people on its critical route (pagerduty-primary, "
        "slack-incidents); add --yes to run it")
    assert _state("vigil-prod-drill-critical") == "OK"
    with pytest.raises(ProtectedEnvironment):
        run_drill(AwsSession(REGION), plan, "critical", wait=0)
    assert main(["--root", str(root), "drill", "--env", "prod", "--severity", "critical", "--wait", "0", "--yes",
                 "--format", "json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "environment": "prod", "severity": "critical", "alarm": "vigil-prod-drill-critical",
        "notified": ["pagerduty-primary", "slack-incidents"], "states": ["ALARM", "OK"]}


def test_drill_without_the_routing_stack_says_what_to_deploy(aws: None, spec_repo: SpecRepo,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    with pytest.raises(AwsError, match="deploy the routing stack vigil-prod-routing first"):
        run_drill(AwsSession(REGION), _plan(root), "info", wait=0)
    assert main(["--root", str(root), "drill", "--env", "prod", "--severity", "info", "--wait", "0"]) == 1
    assert capsys.readouterr().err.startswith("vigil: drill alarm vigil-prod-drill-info not found")
