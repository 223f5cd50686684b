"""Preset alarms pinned to us-east-1 (CloudFront's metrics exist only there) in an organisation whose targets
are all in eu-west-1: their routing must exist in us-east-1 wherever the alarms notify.

- Central routing: the pinned alarms live in the monitoring account in us-east-1, on the targets' metrics, so
  the monitoring account serves us-east-1 too (routing, sink, StackSet region), and `vigil targets` and a
  deployment's synthesis (`-c deployment=...`) include it.
- Per-account routing with a StackSet: the StackSet carries the routing, so it must reach us-east-1; a
  StackSet whose `regions` leave it out is a spec problem.
- Per-account routing without a StackSet: each target copies its routing to us-east-1 (tests/
  test_presets_regions.py); the monitoring account does not need the region, and the target's account's
  deployment in us-east-1 plans the target.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SpecRepo
from tests.synth import alarm_by_name, resources
from vigil import cli
from vigil.constructs.organisation import member_template
from vigil.plan.deployments import deployments
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources
from vigil.stacks.app import build_app, new_app

MONITORING = "310000000009"
ORG = """\
version: 1
name: org
targets:
  shop: {account: "310000000001", region: eu-west-1}
  blog: {account: "310000000002", region: eu-west-1}
monitoring: {account: "310000000009", region: eu-west-1}
routing: central
routes:
  critical: [pagerduty-primary, slack-incidents]
  warning: [slack-alerts]
  info: [team-email]
channels:
  pagerduty-primary: {type: pagerduty, integration_key: {secret: monitoring/pagerduty-primary}}
  slack-incidents: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}
  slack-alerts: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCE}
  team-email: {type: email, address: oncall@example.com}
"""
STACKSET = """\
stackset:
  organizational_units: [ou-a1b2-11111111]
"""
SERVICE = """\
version: 1
service: web
owner: web-team
targets: [shop]
resources:
  cdn: {type: cloudfront, distribution: E123, max_5xx_rate: 5}
  fn: {type: lambda, function: web}
"""
PINNED = ("org-shop-web-cdn-5xx-rate", "org-shop-web-cdn-origin-latency")
PER_ACCOUNT_WITH_STACKSET = ORG.replace("routing: central\n", f"routing: per-account\n{STACKSET}")

def _repo(spec_repo: SpecRepo, org: str) -> Path:
    return spec_repo({"environments/org.yaml": org, "alarm_specs/web.yaml": SERVICE}, service=None)


def _built(plan: WorkspacePlan, outdir: Path, deployment: tuple[str, str] | None = None
           ) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Synthesize `plan` (only `deployment`'s stacks when given): (account, region, template) by stack name."""
    app = new_app(str(outdir))
    stacks = build_app(app, plan, deployments=None if deployment is None else [deployment])
    app.synth()
    return {s.stack_name: (s.account, s.region, json.loads((outdir / f"{s.artifact_id}.template.json").read_text()))
            for s in stacks}


def _topics(template: dict[str, Any]) -> set[str]:
    return {r["Properties"]["TopicName"] for r in resources(template, "AWS::SNS::Topic").values()}


def _action_arns(alarm: dict[str, Any]) -> list[str]:
    """An alarm's AlarmActions as CloudFormation resolves them (the partition is a pseudo parameter)."""
    return ["".join("aws" if part == {"Ref": "AWS::Partition"} else part for part in action["Fn::Join"][1])
            for action in alarm["AlarmActions"]]


def _cfn_lint(outdir: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    files = [str(p) for p in sorted(outdir.glob("*.template.json"))]
    result = subprocess.run([str(cfn_lint), "--", *files], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_central_routing_serves_the_region_pinned_alarms_live_in(spec_repo: SpecRepo, tmp_path: Path) -> None:
    plan = plan_workspace(read_sources(_repo(spec_repo, ORG)), only=["org"])
    assert [(m.region, m.routing_plan is not None) for m in plan.monitoring] == [("eu-west-1", True),
                                                                                 ("us-east-1", True)]
    built = _built(plan, tmp_path)
    account, region, routing = built["vigil-org-us-east-1-routing"]
    assert (account, region) == (MONITORING, "us-east-1")
    assert _topics(routing) == {"vigil-org-critical", "vigil-org-warning", "vigil-org-info"}
    account, region, pinned = built["vigil-org-shop-web-us-east-1"]
    assert (account, region) == (MONITORING, "us-east-1")
    for name in PINNED:
        alarm = alarm_by_name(pinned, name)
        for arn in _action_arns(alarm):
            topic = arn.removeprefix(f"arn:aws:sns:us-east-1:{MONITORING}:")
            assert topic != arn and topic in _topics(routing), arn  # a topic the app creates there
        assert {q["AccountId"] for q in alarm["Metrics"] if "MetricStat" in q} == {"310000000001"}
    assert built["vigil-org-monitoring-us-east-1"][:2] == (MONITORING, "us-east-1")  # the sink they read through
    _cfn_lint(tmp_path)


def test_vigil_targets_and_a_deployments_synthesis_include_the_pinned_region(
        spec_repo: SpecRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _repo(spec_repo, ORG)
    assert cli.main(["--root", str(root), "targets", "--env", "org", "--format", "json"]) == 0
    matrix = {(m["account"], m["region"]): m["stacks"].split() for m in json.loads(capsys.readouterr().out)}
    assert matrix[(MONITORING, "us-east-1")] == ["vigil-org-shop-web-us-east-1", "vigil-org-monitoring-us-east-1",
                                                 "vigil-org-us-east-1-routing"]
    assert ("310000000001", "us-east-1") not in matrix  # the source account keeps to its region
    # One CI job: the monitoring account in us-east-1 plans every target and builds exactly its stacks.
    place = (MONITORING, "us-east-1")
    plan = plan_workspace(read_sources(root), only=["org"], deployments=[place])
    assert sorted(_built(plan, tmp_path, place)) == sorted(matrix[place])
    assert [e.target for e in plan.environments] == ["shop"]  # the only target with alarms there
    assert plan.monitoring == plan_workspace(read_sources(root), only=["org"]).monitoring


def test_per_account_routing_with_a_stackset_carries_the_routing_to_the_pinned_region(
        spec_repo: SpecRepo, tmp_path: Path) -> None:
    root = _repo(spec_repo, PER_ACCOUNT_WITH_STACKSET)
    plan = plan_workspace(read_sources(root), only=["org"])
    assert not any(e.routing for e in plan.environments)  # the StackSet carries the routing
    [us] = [m for m in plan.monitoring if m.region == "us-east-1"]
    assert us.stackset is not None and us.stackset.routing_plan is not None
    member = member_template(us.stackset)
    topics = _topics(member)
    built = _built(plan, tmp_path)
    account, region, pinned = built["vigil-org-shop-web-us-east-1"]
    assert (account, region) == ("310000000001", "us-east-1")
    for name in PINNED:
        for arn in _action_arns(alarm_by_name(pinned, name)):
            assert arn.removeprefix("arn:aws:sns:us-east-1:310000000001:") in topics, arn
    _cfn_lint(tmp_path)
    # The target's CI job in us-east-1 plans the target whose alarms are pinned there.
    place = ("310000000001", "us-east-1")
    one = plan_workspace(read_sources(root), only=["org"], deployments=[place])
    assert [e.target for e in one.environments] == ["shop"]
    assert sorted(_built(one, tmp_path / "one", place)) == ["vigil-org-shop-web-us-east-1"]
    assert {d.region for d in deployments(plan) if d.account == "310000000001"} == {"eu-west-1", "us-east-1"}


def test_a_stackset_that_leaves_out_the_pinned_region_is_a_spec_problem(
        spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    org = ORG.replace("routing: central\n", f"routing: per-account\n{STACKSET}  regions: [eu-west-1]\n")
    root = _repo(spec_repo, org)
    assert cli.main(["--root", str(root), "validate"]) == 2
    line = org.splitlines().index("  regions: [eu-west-1]") + 1
    assert capsys.readouterr().err.splitlines()[0] == textwrap.dedent(f"""\
        environments/org.yaml:{line}: stackset.regions: leaves out us-east-1, where alarms of web live (their \
metrics exist only there), so no account would get what the StackSet rolls out there; add us-east-1, or leave \
regions out (default: every region vigil needs)""")


def test_per_account_routing_without_a_stackset_copies_each_targets_routing_instead(
        spec_repo: SpecRepo, tmp_path: Path) -> None:
    root = _repo(spec_repo, ORG.replace("routing: central", "routing: per-account"))
    plan = plan_workspace(read_sources(root), only=["org"])
    assert [m.region for m in plan.monitoring] == ["eu-west-1"]
    [shop] = [e for e in plan.environments if e.target == "shop"]
    assert shop.routing and shop.other_regions == ["us-east-1"]
    # The target's account's CI job in us-east-1 plans the eu-west-1 target and builds its stacks there.
    place = ("310000000001", "us-east-1")
    one = plan_workspace(read_sources(root), only=["org"], deployments=[place])
    assert sorted(_built(one, tmp_path, place)) == ["vigil-org-shop-routing-us-east-1",
                                                    "vigil-org-shop-web-us-east-1"]
