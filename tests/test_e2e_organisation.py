"""End to end on LocalStack: an organisation of two source accounts in two regions and a monitoring account
(tests/fixtures/local-org.yaml), deployed from the example specs the way the workflow does it: one synthesis,
then per account and region (`vigil targets`) a bootstrap and a `cdk deploy --concurrency` of that
deployment's stacks with that account's credentials. LocalStack takes a 12-digit access key id as the account.

Then, in each source account and region, an alarm of each severity is driven to ALARM and back to OK, and
exactly the routed channels must receive each notification once, from that account and region.

LocalStack (community 4.14) does not implement CloudWatch cross-account observability (it reports the
`AWS::Oam::Sink` as "not supported but deployed as a fallback") nor StackSets with service-managed
permissions; the sink, link and StackSet templates are tested with cfn-lint and assertions in
tests/test_organisation.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.localstack import AWS_ENVIRONMENT, ENDPOINT_URL, LOCALSTACK_PYTHON, ROOT, Receiver, running_localstack
from vigil.plan.deployments import Deployment, deployments
from vigil.plan.model import AlarmPlan, EnvironmentPlan, WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

pytestmark = pytest.mark.skipif(not LOCALSTACK_PYTHON.exists() and not os.environ.get("VIGIL_E2E"),
                                reason="LocalStack is not installed (make local-venv)")

ENVIRONMENT = "local-org"
RECEIVER_PORT = 4712
COMMAND_TIMEOUT_SECONDS = 600
DELIVERY_TIMEOUT_SECONDS = 30
COPIED = ("app.py", "cdk.json", "vigil", "environments", "alarm_specs", "dashboards", "vigil.lock.json")


def _cdk(workdir: Path, account: str, region: str, *args: str) -> str:
    environment = {**os.environ, **AWS_ENVIRONMENT, "AWS_ACCESS_KEY_ID": account, "AWS_DEFAULT_REGION": region,
                   "AWS_REGION": region,
                   "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{ROOT / '.venv' / 'bin'}{os.pathsep}"
                           f"{os.environ.get('PATH', '')}",
                   "CDK_DISABLE_VERSION_CHECK": "1"}
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "cdk"), *args], cwd=workdir, env=environment,
                            capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def _client(service: str, account: str, region: str) -> Any:
    return boto3.client(service, endpoint_url=ENDPOINT_URL, region_name=region,  # type: ignore[call-overload]
                        aws_access_key_id=account, aws_secret_access_key="test")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's app and specs with the organisation environment added."""
    if not LOCALSTACK_PYTHON.exists():
        pytest.fail("VIGIL_E2E is set but .venv-localstack is missing: run `make local-venv`")
    work = tmp_path_factory.mktemp("org-repo")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy(source, work / name)
    shutil.copy(ROOT / "tests" / "fixtures" / f"{ENVIRONMENT}.yaml", work / "environments")
    return work


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver(RECEIVER_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def deployed(workdir: Path, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[WorkspacePlan, list[Deployment]]]:
    """LocalStack running; every account and region bootstrapped; every deployment's stacks deployed with its
    own account's credentials; every subscription confirmed."""
    plan = plan_workspace(read_sources(workdir), only=[ENVIRONMENT])
    items = deployments(plan)
    assert {(d.account, d.region) for d in items} == {
        ("000000000001", "us-east-1"), ("000000000002", "eu-west-1"),
        ("000000000003", "us-east-1"), ("000000000003", "eu-west-1")}
    with running_localstack(tmp_path_factory.mktemp("localstack-org")):
        _cdk(workdir, "000000000000", "us-east-1", "synth", "--quiet", "-c", f"env={ENVIRONMENT}")
        with ThreadPoolExecutor(max_workers=len(items)) as pool:
            list(pool.map(lambda d: _cdk(workdir, d.account, d.region, "bootstrap", "--app", "cdk.out",
                                         f"aws://{d.account}/{d.region}"), items))
            list(pool.map(lambda d: _cdk(workdir, d.account, d.region, "deploy", "--app", "cdk.out",
                                         "--require-approval", "never", "--concurrency", "4", *d.stacks), items))
        routed = sum(len(c) for c in plan.environments[0].routes.values())
        _confirm_subscriptions(receiver, expected=routed * len(plan.environments))
        yield plan, items


def _confirm_subscriptions(receiver: Receiver, expected: int) -> None:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.confirmations) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(receiver.confirmations) == expected
    for _, body in receiver.confirmations:
        _, _, _, region, account, _ = body["TopicArn"].split(":", 5)
        _client("sns", account, region).confirm_subscription(TopicArn=body["TopicArn"], Token=body["Token"])


def _uncombined_alarm(plan: EnvironmentPlan, severity: str) -> AlarmPlan:
    """An alarm of `severity` that no composite refers to and that LocalStack deploys (not a canary's)."""
    children = {child for s in plan.services for a in s.alarms for child in a.children}
    return next(a for s in plan.services for a in s.alarms
                if a.severity == severity and a.kind != "composite" and a.name not in children
                and not (a.metric and a.metric.namespace == "CloudWatchSynthetics"))


def _wait_for(receiver: Receiver, count: int) -> list[tuple[str, str, dict[str, Any]]]:
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(receiver.alarm_messages()) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    time.sleep(1)  # anything unexpected (a second delivery, another account's) arrives in this second too
    return receiver.alarm_messages()


def test_each_account_and_region_holds_exactly_its_targets_alarms(
        deployed: tuple[WorkspacePlan, list[Deployment]]) -> None:
    plan, items = deployed
    planned = {(e.alarm_account, e.region): sorted([*(a.name for s in e.services for a in s.alarms),
                                                    *(a.name for a in e.drills)])
               for e in plan.environments}
    for item in items:
        cloudwatch = _client("cloudwatch", item.account, item.region)
        pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"])
        names = sorted(a["AlarmName"] for page in pages for kind in ("MetricAlarms", "CompositeAlarms")
                       for a in page.get(kind, []))
        assert names == planned.get((item.account, item.region), []), (item.account, item.region)


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_an_alarm_in_each_source_account_and_region_reaches_exactly_its_channels_once(
        deployed: tuple[WorkspacePlan, list[Deployment]], receiver: Receiver, severity: str) -> None:
    plan, _ = deployed
    for target in plan.environments:
        alarm = _uncombined_alarm(target, severity)
        routed = sorted(target.routes[severity])
        cloudwatch = _client("cloudwatch", target.alarm_account, target.region)
        for state in ("ALARM", "OK"):
            expected = routed if state == "ALARM" or severity != "info" else []
            receiver.clear()
            cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue=state, StateReason="end-to-end test")
            messages = _wait_for(receiver, len(expected))
            assert sorted(channel for channel, _, _ in messages) == expected, (target.label, state)
            for _, new_state, message in messages:
                assert new_state == state and message["AlarmName"] == alarm.name
                assert message["AlarmArn"].startswith(
                    f"arn:aws:cloudwatch:{target.region}:{target.alarm_account}:alarm:"), message["AlarmArn"]
                assert f"Environment: {target.name}" in message["AlarmDescription"]
