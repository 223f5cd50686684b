"""End to end on LocalStack: deploy the example services, drive alarms through ALARM and OK, and check that
exactly the channels routed for each severity were notified; then change a threshold, `cdk diff`, redeploy.

Needs .venv-localstack (`make local-venv`; `make test` builds it and sets VIGIL_E2E=1, which turns a missing
LocalStack into a failure instead of a skip).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.localstack import AWS_ENVIRONMENT, ENDPOINT_URL, LOCALSTACK_PYTHON, ROOT, Receiver, running_localstack
from vigil.plan import naming
from vigil.plan.model import AlarmPlan, EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

pytestmark = pytest.mark.skipif(not LOCALSTACK_PYTHON.exists() and not os.environ.get("VIGIL_E2E"),
                                reason="LocalStack is not installed (make local-venv)")

RECEIVER_PORT = 4712
COMMAND_TIMEOUT_SECONDS = 600
DELIVERY_TIMEOUT_SECONDS = 30
COPIED = ("app.py", "cdk.json", "vigil", "environments", "alarm_specs", "dashboards")


def _cdk(workdir: Path, *args: str) -> str:
    environment = {**os.environ, **AWS_ENVIRONMENT,
                   "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}"
                           f"{os.environ.get('PATH', '')}",
                   "CDK_DISABLE_VERSION_CHECK": "1"}
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), *args], cwd=workdir, env=environment,
                            capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _client(service: str) -> Any:
    return boto3.client(service, endpoint_url=ENDPOINT_URL, region_name="us-east-1",  # type: ignore[call-overload]
                        aws_access_key_id="test", aws_secret_access_key="test")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's app and specs, so that the test can edit specs and own its cdk.out."""
    if not LOCALSTACK_PYTHON.exists():
        pytest.fail("VIGIL_E2E is set but .venv-localstack is missing: run `make local-venv`")
    work = tmp_path_factory.mktemp("repo")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, work / name)
    return work


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver(RECEIVER_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def deployed(workdir: Path, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnvironmentPlan]:
    """LocalStack running, the local environment bootstrapped and deployed, every subscription confirmed."""
    with running_localstack(tmp_path_factory.mktemp("localstack")):
        _cdk(workdir, "bootstrap", "aws://000000000000/us-east-1", "-c", "env=local")
        _cdk(workdir, "deploy", "-c", "env=local", "--require-approval", "never", "--concurrency", "3",
             "vigil-local-*")
        plan = plan_workspace(read_sources(workdir), only=["local"]).environments[0]
        _confirm_subscriptions(receiver, expected=sum(len(c) for c in plan.routes.values()))
        yield plan


def _confirm_subscriptions(receiver: Receiver, expected: int) -> None:
    sns = _client("sns")
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.confirmations) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    for _, body in receiver.confirmations:
        if body.get("Type") == "SubscriptionConfirmation":
            sns.confirm_subscription(TopicArn=body["TopicArn"], Token=body["Token"])
    pending = [s for s in sns.list_subscriptions()["Subscriptions"] if s["SubscriptionArn"] == "PendingConfirmation"]
    assert not pending, pending


def _uncombined_alarm(plan: EnvironmentPlan, severity: str) -> AlarmPlan:
    """An alarm of `severity` that no composite refers to, so driving it notifies nothing else. Canary alarms are
    left out: LocalStack community has no Synthetics, so it skips the canaries those alarms watch."""
    children = {child for s in plan.services for a in s.alarms for child in a.children}
    return next(a for s in plan.services for a in s.alarms
                if a.severity == severity and a.kind != "composite" and a.name not in children
                and not (a.metric and a.metric.namespace == "CloudWatchSynthetics"))


def _wait_for(receiver: Receiver, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.alarm_messages()) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(1)  # anything unexpected arrives in this second too
    return receiver.alarm_messages()


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_each_severity_reaches_exactly_its_channels(deployed: EnvironmentPlan, receiver: Receiver,
                                                    severity: str) -> None:
    alarm = _uncombined_alarm(deployed, severity)
    routed = sorted(deployed.routes[severity])
    cloudwatch = _client("cloudwatch")
    receiver.clear()
    cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue="ALARM", StateReason="end-to-end test")
    messages = _wait_for(receiver, len(routed))
    assert sorted(channel for channel, state, _ in messages if state == "ALARM") == routed
    for _, _, message in messages:
        assert message["AlarmName"] == alarm.name
        assert "Environment: local" in message["AlarmDescription"]
        if alarm.runbook:
            assert f"Runbook: {alarm.runbook}" in message["AlarmDescription"]

    receiver.clear()
    cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue="OK", StateReason="end-to-end test")
    expected_ok = routed if severity != "info" else []
    messages = _wait_for(receiver, len(expected_ok))
    assert sorted(channel for channel, state, _ in messages if state == "OK") == expected_ok
    assert all(state == "OK" and m["AlarmName"] == alarm.name for _, state, m in messages)


def test_a_threshold_change_shows_in_cdk_diff_and_deploys(deployed: EnvironmentPlan, workdir: Path) -> None:
    spec = workdir / "alarm_specs" / "coaching.yaml"
    text = spec.read_text()
    assert 'threshold: "> 2000"' in text
    spec.write_text(text.replace('threshold: "> 2000"', 'threshold: "> 2500"', 1))
    output = _cdk(workdir, "diff", "-c", "env=local", "vigil-local-coaching")
    assert f"AWS::CloudWatch::Alarm Alarms/{naming.logical_id(('Alarms', 'high-latency'))}" in output
    assert "Threshold" in output and "2000" in output and "2500" in output
    _cdk(workdir, "deploy", "-c", "env=local", "--require-approval", "never", "vigil-local-coaching")
    # LocalStack 4.14 (community) completes the update of AWS::CloudWatch::Alarm without applying it ("the update
    # operation is not implemented for this resource"), so the deployed stack's template is read back instead.
    body = _client("cloudformation").get_template(StackName="vigil-local-coaching")["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    [threshold] = [r["Properties"]["Threshold"] for r in template["Resources"].values()
                   if r["Properties"].get("AlarmName") == "local-coaching-high-latency"]
    assert threshold == 2500
