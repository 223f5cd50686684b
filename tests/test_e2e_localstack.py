"""End to end on LocalStack: deploy the example services, drive alarms through ALARM and OK, and check that
exactly the channels routed for each severity were notified; then change a threshold, `cdk diff`, redeploy.

Needs .venv-localstack (`make local-venv`; `make test` builds it and sets VIGIL_E2E=1, which turns a missing
LocalStack into a failure instead of a skip).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localstack import (
    DELIVERY_TIMEOUT_SECONDS,
    REQUIRES_LOCALSTACK,
    Receiver,
    cdk,
    client,
    copy_repository,
    running_localstack,
    uncombined_alarm,
    wait_for,
)
from vigil import naming
from vigil.plan.model import EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

pytestmark = REQUIRES_LOCALSTACK

RECEIVER_PORT = 4712


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's app and specs, so that the test can edit specs and own its cdk.out."""
    return copy_repository(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver(RECEIVER_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def deployed(workdir: Path, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EnvironmentPlan]:
    """LocalStack running, the local environment bootstrapped and deployed, every subscription confirmed."""
    with running_localstack(tmp_path_factory.mktemp("localstack")):
        cdk(workdir, "bootstrap", "aws://000000000000/us-east-1", "-c", "env=local")
        cdk(workdir, "deploy", "-c", "env=local", "--require-approval", "never", "--concurrency", "3",
             "vigil-local-*")
        plan = plan_workspace(read_sources(workdir), only=["local"]).environments[0]
        _confirm_subscriptions(receiver, expected=sum(len(c) for c in plan.routes.values()))
        yield plan


def _confirm_subscriptions(receiver: Receiver, expected: int) -> None:
    sns = client("sns")
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.confirmations) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    for _, body in receiver.confirmations:
        if body.get("Type") == "SubscriptionConfirmation":
            sns.confirm_subscription(TopicArn=body["TopicArn"], Token=body["Token"])
    pending = [s for s in sns.list_subscriptions()["Subscriptions"] if s["SubscriptionArn"] == "PendingConfirmation"]
    assert not pending, pending


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_each_severity_reaches_exactly_its_channels(deployed: EnvironmentPlan, receiver: Receiver,
                                                    severity: str) -> None:
    alarm = uncombined_alarm(deployed, severity)
    routed = sorted(deployed.routes[severity])
    cloudwatch = client("cloudwatch")
    receiver.clear()
    cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue="ALARM", StateReason="end-to-end test")
    messages = wait_for(receiver, len(routed))
    assert sorted(channel for channel, state, _ in messages if state == "ALARM") == routed
    for _, _, message in messages:
        assert message["AlarmName"] == alarm.name
        assert "Environment: local" in message["AlarmDescription"]
        if alarm.runbook:
            assert f"Runbook: {alarm.runbook}" in message["AlarmDescription"]

    receiver.clear()
    cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue="OK", StateReason="end-to-end test")
    expected_ok = routed if severity != "info" else []
    messages = wait_for(receiver, len(expected_ok))
    assert sorted(channel for channel, state, _ in messages if state == "OK") == expected_ok
    assert all(state == "OK" and m["AlarmName"] == alarm.name for _, state, m in messages)


def test_a_threshold_change_shows_in_cdk_diff_and_deploys(deployed: EnvironmentPlan, workdir: Path) -> None:
    spec = workdir / "alarm_specs" / "coaching.yaml"
    text = spec.read_text()
    assert 'threshold: "> 2000"' in text
    spec.write_text(text.replace('threshold: "> 2000"', 'threshold: "> 2500"', 1))
    output = cdk(workdir, "diff", "-c", "env=local", "vigil-local-coaching")
    assert f"AWS::CloudWatch::Alarm Alarms/{naming.logical_id(('Alarms', 'high-latency'))}" in output
    assert "Threshold" in output and "2000" in output and "2500" in output
    cdk(workdir, "deploy", "-c", "env=local", "--require-approval", "never", "vigil-local-coaching")
    # LocalStack 4.14 (community) completes the update of AWS::CloudWatch::Alarm without applying it ("the update
    # operation is not implemented for this resource"), so the deployed stack's template is read back instead.
    body = client("cloudformation").get_template(StackName="vigil-local-coaching")["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    [threshold] = [r["Properties"]["Threshold"] for r in template["Resources"].values()
                   if r["Properties"].get("AlarmName") == "local-coaching-high-latency"]
    assert threshold == 2500
