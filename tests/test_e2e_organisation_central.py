"""End to end on LocalStack: the example organisation, environments/org.yaml itself (three source accounts in
two regions, a monitoring account, `routing: central`), deployed the way the workflow does it: one synthesis,
then per account and region (`vigil targets`) a bootstrap and a `cdk deploy --concurrency` of that
deployment's stacks with that account's credentials.

The test deploys a local copy of org.yaml made by `local_copy` and nothing else: each account becomes one of
LocalStack's (000000000010 and up, in the order of the original ids; LocalStack takes a 12-digit access key id
as the account, and vigil's local environments must use 000000000000-099), wherever it appears (targets,
monitoring, source_accounts, vars); `local: true`; and every channel gets a loopback `endpoint` on the
receiver this test runs. Targets, regions, services' `targets:`, routing, the StackSet and the organisation id
are kept as they are, and so is the name: the copy replaces org.yaml in the test's copy of the repository.
Renamed, it would lose what the services say for `org` (`env: {org: {enabled: false}}` on anomaly alarms,
whose bands cannot read another account's metric) and outgrow X-Ray's 32-character names (`{env}-{key}`).

Then: each account and region holds exactly its planned alarms (every alarm in the monitoring account, in its
target's region; the source accounts none); for each target and severity an alarm of that target, in the
monitoring account, is driven to ALARM and back to OK, and exactly the routed channels receive it, once, from
the monitoring account's topic in the target's region, while the alarm's metrics read the target's account
(MetricDataQuery AccountId, which LocalStack returns as deployed); and `vigil drill` in each region of the
monitoring account reaches the routed channels.

What LocalStack (community 4.14, CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES=1 as tests/localstack.py starts it)
does with what it cannot run, so the local copy keeps all of it:
- `AWS::Oam::Sink` and `AWS::CloudFormation::StackSet` (SERVICE_MANAGED, organisational units, CallAs
  DELEGATED_ADMIN) in each region's monitoring stack: LocalStack has no resource provider for either ("No
  resource provider found for ..."), marks both CREATE_COMPLETE without creating anything (physical id
  "unknown") and completes the stack. It serves no
  OAM API (ListSinks answers 501), lists no stack set, and creates no member stack (no OAM link) in any
  account; test_localstack_completes_the_monitoring_stacks_without_a_sink_or_stackset checks that. Nothing is
  removed from the local copy: nothing of it makes the deploy fail.
- Cross-account metrics: nothing is shared, and LocalStack evaluates no metric math; the alarms' AccountId is
  deployed and returned by DescribeAlarms, and the test sets alarm states instead of publishing metrics.
The sink, link and StackSet templates are tested with cfn-lint and assertions in tests/test_organisation.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.localstack import (
    AWS_ENVIRONMENT,
    REQUIRES_LOCALSTACK,
    ROOT,
    Receiver,
    client,
    confirm_subscriptions,
    copy_repository,
    deploy_like_the_workflow,
    deployed_alarm_names,
    planned_alarm_places,
    running_localstack,
    uncombined_alarm,
    vigil,
    wait_for,
)
from vigil import naming
from vigil.plan.deployments import Deployment, deployments
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.types import SEVERITIES
from vigil.spec.workspace import read_sources

pytestmark = REQUIRES_LOCALSTACK

ENVIRONMENT = "org"
RECEIVER_PORT = 4714
"""Not the other end-to-end tests' port, so that nothing they deployed can reach this test's receiver."""
FIRST_LOCAL_ACCOUNT = 10
"""org.yaml's accounts become 000000000010, 000000000011, ... (tests/fixtures/local-org.yaml uses 001-003)."""
ACCOUNT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")


def local_copy(text: str, port: int) -> tuple[dict[str, Any], dict[str, str]]:
    """org.yaml's data as a local environment, and the account map used: every account id
    it names (targets, monitoring, source_accounts, and within any string, such as an ARN in vars) becomes a
    LocalStack account, `local: true`, and each channel gets the loopback endpoint `/{channel}` on `port`."""
    data = yaml.safe_load(text)
    accounts = sorted({t["account"] for t in data["targets"].values()} | {data["monitoring"]["account"]}
                      | set(data.get("source_accounts", ())))
    assert FIRST_LOCAL_ACCOUNT + len(accounts) <= 100, "LocalStack's local accounts are 000000000000 to 099"
    local = {account: f"{FIRST_LOCAL_ACCOUNT + i:012d}" for i, account in enumerate(accounts)}

    def relocated(value: Any) -> Any:
        if isinstance(value, str):
            return ACCOUNT.sub(lambda m: local.get(m.group(0), m.group(0)), value)
        if isinstance(value, dict):
            return {key: relocated(item) for key, item in value.items()}
        if isinstance(value, list):
            return [relocated(item) for item in value]
        return value

    data = relocated(data)
    data["local"] = True
    for name, channel in data["channels"].items():
        channel["endpoint"] = f"http://127.0.0.1:{port}/{name}"
    return data, local


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's app, specs and lock, with the local copy of org.yaml in place of it."""
    work = copy_repository(tmp_path_factory.mktemp("org-central-repo"), extra=("vigil.lock.json",))
    data, _ = local_copy((ROOT / "environments" / f"{ENVIRONMENT}.yaml").read_text(), RECEIVER_PORT)
    (work / "environments" / f"{ENVIRONMENT}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return work


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver(RECEIVER_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def deployed(workdir: Path, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[WorkspacePlan, list[Deployment]]]:
    """LocalStack running; every account and region of the organisation bootstrapped; every deployment's
    stacks deployed with its own account's credentials; every subscription confirmed."""
    plan = plan_workspace(read_sources(workdir), only=[ENVIRONMENT])
    items = deployments(plan)
    monitoring = plan.monitoring[0].account
    regions = {e.region for e in plan.environments}
    # what the brief of the example promises: 4 targets over 3 accounts and 2 regions, all alarms central
    assert (len(plan.environments), len({e.account for e in plan.environments}), len(regions)) == (4, 3, 2)
    assert all(e.central and e.alarm_account == monitoring for e in plan.environments)
    assert {(d.account, d.region) for d in items} == ({(e.account, e.region) for e in plan.environments}
                                                      | {(monitoring, region) for region in regions})
    with running_localstack(tmp_path_factory.mktemp("localstack-org-central")):
        deploy_like_the_workflow(workdir, ENVIRONMENT, items)
        routed = sum(len(c) for c in plan.environments[0].routes.values())
        confirm_subscriptions(receiver, expected=routed * len(plan.monitoring))
        yield plan, items


def test_each_account_and_region_holds_exactly_its_planned_alarms(
        deployed: tuple[WorkspacePlan, list[Deployment]]) -> None:
    plan, items = deployed
    planned = planned_alarm_places(plan)
    monitoring = plan.monitoring[0].account
    for target in plan.environments:
        assert (target.account, target.region) not in planned  # a source account holds no alarm
        held = deployed_alarm_names(monitoring, target.region)
        assert {a.name for s in target.services for a in s.alarms} <= set(held), target.label
    for item in items:
        assert deployed_alarm_names(item.account, item.region) == planned.get((item.account, item.region), []), (
            item.account, item.region)


@pytest.mark.parametrize("severity", SEVERITIES)
def test_an_alarm_of_each_target_reaches_exactly_its_channels_once_from_the_monitoring_account(
        deployed: tuple[WorkspacePlan, list[Deployment]], receiver: Receiver, severity: str) -> None:
    plan, _ = deployed
    monitoring = plan.monitoring[0].account
    for target in plan.environments:
        alarm = uncombined_alarm(target, severity)
        routed = sorted(target.routes[severity])
        cloudwatch = client("cloudwatch", monitoring, target.region)
        # the metrics it reads (a composite's: its children's) are the target's
        watched = list(alarm.children) if alarm.kind == "composite" else [alarm.name]
        described = cloudwatch.describe_alarms(AlarmNames=watched, AlarmTypes=["MetricAlarm"])["MetricAlarms"]
        assert len(described) == len(watched), (target.label, watched)
        metrics = [query for a in described for query in a["Metrics"] if "MetricStat" in query]
        assert metrics and {query.get("AccountId") for query in metrics} == {target.account}, (target.label,
                                                                                               described)
        topic = naming.sns_topic_arn(target.region, monitoring, naming.topic_name(target.name, severity))
        for state in ("ALARM", "OK"):
            expected = routed if state == "ALARM" or severity != "info" else []
            receiver.clear()
            cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue=state, StateReason="end-to-end test")
            wait_for(receiver, len(expected))
            deliveries = receiver.deliveries()
            assert sorted(channel for channel, _, _ in deliveries) == expected, (target.label, state)
            for _, topic_arn, message in deliveries:
                assert topic_arn == topic
                assert message["NewStateValue"] == state and message["AlarmName"] == alarm.name
                assert message["AlarmArn"] == naming.alarm_arn(target.region, monitoring, alarm.name)
                assert f"Environment: {target.name}" in message["AlarmDescription"]


@pytest.mark.parametrize("severity", SEVERITIES)
def test_the_drill_of_each_monitoring_region_reaches_its_channels(
        deployed: tuple[WorkspacePlan, list[Deployment]], receiver: Receiver, workdir: Path, severity: str) -> None:
    plan, _ = deployed
    for monitoring in plan.monitoring:
        routing = monitoring.routing_plan
        assert routing is not None
        routed = sorted(routing.routes[severity])
        expected = {"ALARM": routed, "OK": routed if severity != "info" else []}
        receiver.clear()
        vigil(workdir, "drill", "--env", ENVIRONMENT, "--region", monitoring.region, "--severity", severity,
               "--wait", "0", "--yes", "--endpoint-url", AWS_ENVIRONMENT["AWS_ENDPOINT_URL"],
               account=monitoring.account, region=monitoring.region)
        wait_for(receiver, sum(len(channels) for channels in expected.values()))
        deliveries = receiver.deliveries()
        for state, channels in expected.items():
            assert sorted(c for c, _, m in deliveries if m["NewStateValue"] == state) == channels, (
                monitoring.region, state)
        topic = naming.sns_topic_arn(monitoring.region, monitoring.account, naming.topic_name(routing.name, severity))
        drill = naming.drill_alarm_name(routing.name, severity)
        assert all(arn == topic and m["AlarmName"] == drill for _, arn, m in deliveries), deliveries


def test_localstack_completes_the_monitoring_stacks_without_a_sink_or_stackset(
        deployed: tuple[WorkspacePlan, list[Deployment]]) -> None:
    """What the module docstring says LocalStack does with OAM and the StackSet (a tripwire for upgrades)."""
    plan, items = deployed
    for monitoring in plan.monitoring:
        cloudformation = client("cloudformation", monitoring.account, monitoring.region)
        [stack] = cloudformation.describe_stacks(StackName=monitoring.stack_name)["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        kinds = {r["ResourceType"]: r["ResourceStatus"] for r in cloudformation.describe_stack_resources(
            StackName=monitoring.stack_name)["StackResources"]}
        assert kinds["AWS::Oam::Sink"] == kinds["AWS::CloudFormation::StackSet"] == "CREATE_COMPLETE"
        assert cloudformation.list_stack_sets(CallAs="DELEGATED_ADMIN")["Summaries"] == []
    # no StackSet instance anywhere: each source account holds its source stacks (and the CDK's) only
    for item in items:
        if item.account != plan.monitoring[0].account:
            stacks = client("cloudformation", item.account, item.region).describe_stacks()["Stacks"]
            assert sorted(s["StackName"] for s in stacks) == sorted([*item.stacks, "CDKToolkit"])
            assert all(name.endswith("-source") for name in item.stacks)
