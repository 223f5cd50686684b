"""End to end on LocalStack: per-account routing delivered by the StackSet, as every account of the OUs gets it.

An organisation with `routing: per-account` and a `stackset` has no routing stack of its own in the source
accounts: their severity topics, channels and drills come from the StackSet's member template, the same
template for every account and region (CloudFormation's pseudo parameters fill in where it runs). This test
takes that template exactly as the synthesized monitoring stack passes it to CloudFormation (the StackSet
resource's `TemplateBody`) and creates it, with the StackSet's parameters, as a stack in each source account and
region, which is what a service-managed StackSet does in each account of its OUs. Then it deploys the
services' stacks as usual and drives an alarm of each severity, and each drill, in every account and region:
exactly the routed channels must receive each notification once, from that account and region.

What LocalStack (community 4.14) does not give: StackSets with service-managed permissions (its StackSet API
creates stacks without the StackSet's parameters or capabilities, and knows no organisational units), and
CloudWatch cross-account observability (the member template's `AWS::Oam::Link` is "not supported but deployed
as a fallback"). The StackSet resource itself is tested with cfn-lint and assertions in
tests/test_organisation.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.localstack import (
    REQUIRES_LOCALSTACK,
    ROOT,
    Receiver,
    cdk,
    client,
    confirm_subscriptions,
    copy_repository,
    running_localstack,
    uncombined_alarm,
    wait_for,
)
from vigil import naming
from vigil.constructs.organisation import SINK_PARAMETER
from vigil.plan.deployments import deployments
from vigil.plan.model import EnvironmentPlan, WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

pytestmark = REQUIRES_LOCALSTACK

ENVIRONMENT = "local-set"
RECEIVER_PORT = 4713
MEMBER_STACK = "StackSet-vigil-baseline"
"""The name the member stack gets in each account (a StackSet names its instances StackSet-{name}-{id})."""


def _environment_file() -> str:
    """tests/fixtures/local-org.yaml as an organisation whose routing the StackSet carries."""
    spec = yaml.safe_load((ROOT / "tests" / "fixtures" / "local-org.yaml").read_text(encoding="utf-8"))
    spec.update(name=ENVIRONMENT, routing="per-account",
                stackset={"organizational_units": ["ou-a1b2-11111111"], "auto_deployment": True})
    for channel in spec["channels"].values():
        channel["endpoint"] = channel["endpoint"].replace(":4712/", f":{RECEIVER_PORT}/")
    return yaml.safe_dump(spec, sort_keys=False)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's app and specs (and lock) with the StackSet organisation added."""
    work = copy_repository(tmp_path_factory.mktemp("stackset-repo"), extra=("vigil.lock.json",))
    (work / "environments" / f"{ENVIRONMENT}.yaml").write_text(_environment_file(), encoding="utf-8")
    return work


def _stackset(template: dict[str, Any]) -> dict[str, Any]:
    """The properties of the one StackSet of a synthesized monitoring stack's template."""
    found = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet"]
    assert len(found) == 1
    return found[0]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver(RECEIVER_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def deployed(workdir: Path, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspacePlan]:
    """LocalStack running; in each source account and region the StackSet's member stack created and the
    services' stacks deployed; every subscription confirmed."""
    plan = plan_workspace(read_sources(workdir), only=[ENVIRONMENT])
    sources = [d for d in deployments(plan) if d.targets]
    assert {(d.account, d.region) for d in sources} == {("000000000001", "us-east-1"), ("000000000002", "eu-west-1")}
    assert all(not e.routing for e in plan.environments)  # no routing stack: the StackSet carries it
    with running_localstack(tmp_path_factory.mktemp("localstack-stackset")):
        cdk(workdir, "synth", "--quiet", "-c", f"env={ENVIRONMENT}")

        def member(account: str, region: str) -> None:
            monitoring = next(m for m in plan.monitoring if m.region == region)
            template = json.loads((workdir / "cdk.out" / f"{monitoring.stack_name}.template.json").read_text())
            stackset = _stackset(template)
            sink = f"arn:aws:oam:{region}:{monitoring.account}:sink/{naming.sink_name(ENVIRONMENT)}"
            cloudformation = client("cloudformation", account, region)
            cloudformation.create_stack(
                StackName=MEMBER_STACK, TemplateBody=stackset["TemplateBody"],
                Parameters=[{"ParameterKey": p["ParameterKey"], "ParameterValue": sink}
                            for p in stackset["Parameters"] if p["ParameterKey"] == SINK_PARAMETER],
                Capabilities=stackset.get("Capabilities", []))
            cloudformation.get_waiter("stack_create_complete").wait(
                StackName=MEMBER_STACK, WaiterConfig={"Delay": 2, "MaxAttempts": 150})

        with ThreadPoolExecutor(max_workers=2 * len(sources)) as pool:
            list(pool.map(lambda d: member(d.account, d.region), sources))
            list(pool.map(lambda d: cdk(workdir, "bootstrap", "--app", "cdk.out", f"aws://{d.account}/{d.region}",
                                        account=d.account, region=d.region), sources))
            list(pool.map(lambda d: cdk(workdir, "deploy", "--app", "cdk.out", "--require-approval", "never",
                                        "--concurrency", "4", *d.stacks, account=d.account, region=d.region),
                          sources))
        routed = sum(len(c) for c in plan.environments[0].routes.values())
        confirm_subscriptions(receiver, expected=routed * len(sources))
        yield plan


def test_the_member_stack_holds_the_routing_of_the_account_and_region_it_runs_in(deployed: WorkspacePlan) -> None:
    for target in deployed.environments:
        sns = client("sns", target.account, target.region)
        arns = sorted(t["TopicArn"] for t in sns.list_topics()["Topics"])
        assert arns == sorted(naming.topic_arn("aws", target.region, target.account, ENVIRONMENT, severity)
                              for severity in target.routes)
        cloudwatch = client("cloudwatch", target.account, target.region)
        drills = cloudwatch.describe_alarms(AlarmNamePrefix=f"vigil-{ENVIRONMENT}-drill-")["MetricAlarms"]
        assert sorted(a["AlarmName"] for a in drills) == sorted(a.name for a in _drills(deployed))


def _drills(plan: WorkspacePlan) -> tuple[Any, ...]:
    """The drills the member template carries (the StackSet's routing plan)."""
    stackset = next(m.stackset for m in plan.monitoring if m.stackset is not None)
    assert stackset.routing_plan is not None
    return stackset.routing_plan.drills


def _drive(receiver: Receiver, target: EnvironmentPlan, alarm_name: str, severity: str) -> None:
    routed = sorted(target.routes[severity])
    cloudwatch = client("cloudwatch", target.account, target.region)
    for state in ("ALARM", "OK"):
        expected = routed if state == "ALARM" or severity != "info" else []
        receiver.clear()
        cloudwatch.set_alarm_state(AlarmName=alarm_name, StateValue=state, StateReason="end-to-end test")
        messages = wait_for(receiver, len(expected))
        assert sorted(channel for channel, _, _ in messages) == expected, (target.target, alarm_name, state)
        for _, new_state, message in messages:
            assert new_state == state and message["AlarmName"] == alarm_name
            assert message["AlarmArn"].startswith(f"arn:aws:cloudwatch:{target.region}:{target.account}:alarm:")


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_a_service_alarm_in_each_account_and_region_reaches_its_channels_through_the_stackset_routing(
        deployed: WorkspacePlan, receiver: Receiver, severity: str) -> None:
    for target in deployed.environments:
        _drive(receiver, target, uncombined_alarm(target, severity).name, severity)


def test_the_drills_of_each_account_and_region_reach_their_channels(deployed: WorkspacePlan,
                                                                    receiver: Receiver) -> None:
    for target in deployed.environments:
        for drill in _drills(deployed):
            _drive(receiver, target, drill.name, drill.severity)
