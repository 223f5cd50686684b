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

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.localstack import (
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
    wait_for,
)
from vigil.plan.deployments import Deployment, deployments
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

pytestmark = REQUIRES_LOCALSTACK

ENVIRONMENT = "local-org"
RECEIVER_PORT = 4712


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's app and specs (and lock) with the organisation environment added."""
    work = copy_repository(tmp_path_factory.mktemp("org-repo"), extra=("vigil.lock.json",))
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
        deploy_like_the_workflow(workdir, ENVIRONMENT, items)
        routed = sum(len(c) for c in plan.environments[0].routes.values())
        confirm_subscriptions(receiver, expected=routed * len(plan.environments))
        yield plan, items


def test_each_account_and_region_holds_exactly_its_targets_alarms(
        deployed: tuple[WorkspacePlan, list[Deployment]]) -> None:
    plan, items = deployed
    planned = planned_alarm_places(plan)
    assert not any(e.central for e in plan.environments)  # per-account routing: alarms in the target's account
    for item in items:
        assert deployed_alarm_names(item.account, item.region) == planned.get((item.account, item.region), []), (
            item.account, item.region)


@pytest.mark.parametrize("severity", ["critical", "warning", "info"])
def test_an_alarm_in_each_source_account_and_region_reaches_exactly_its_channels_once(
        deployed: tuple[WorkspacePlan, list[Deployment]], receiver: Receiver, severity: str) -> None:
    plan, _ = deployed
    for target in plan.environments:
        alarm = uncombined_alarm(target, severity)
        routed = sorted(target.routes[severity])
        cloudwatch = client("cloudwatch", target.alarm_account, target.region)
        for state in ("ALARM", "OK"):
            expected = routed if state == "ALARM" or severity != "info" else []
            receiver.clear()
            cloudwatch.set_alarm_state(AlarmName=alarm.name, StateValue=state, StateReason="end-to-end test")
            messages = wait_for(receiver, len(expected))
            assert sorted(channel for channel, _, _ in messages) == expected, (target.label, state)
            for _, new_state, message in messages:
                assert new_state == state and message["AlarmName"] == alarm.name
                assert message["AlarmArn"].startswith(
                    f"arn:aws:cloudwatch:{target.region}:{target.alarm_account}:alarm:"), message["AlarmArn"]
                assert f"Environment: {target.name}" in message["AlarmDescription"]
