"""vigil's CDK app: the built-in CloudFormation template validation is off in `cdk synth` (vigil checks specs
before any construct exists) and on with `-c cfn-validation=true`, where the example templates pass it without a
finding; alarm logical ids follow the CDK's own rule."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from constructs import Construct

from tests.conftest import ROOT
from vigil import naming
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources
from vigil.stacks.app import CFN_VALIDATION_CONTEXT, build_app, new_app

REPORT = "validation-report.json"


def _violations(outdir: Path) -> list[str]:
    report = json.loads((outdir / REPORT).read_text())
    return [f"{v['ruleName']}: {v['description']}" for plugin in report["pluginReports"]
            for v in plugin["violations"]]


def _synth_bad_alarm(outdir: Path, context: dict[str, str] | None) -> None:
    app = new_app(str(outdir), context=context)
    stack = cdk.Stack(app, "Bad")
    cdk.CfnResource(stack, "Alarm", type="AWS::CloudWatch::Alarm",
                    properties={"EvaluationPeriods": "one", "UnknownProperty": 1})
    app.synth()


def test_synthesis_runs_no_template_validation_and_writes_no_tree_by_default(tmp_path: Path) -> None:
    _synth_bad_alarm(tmp_path, None)
    assert (tmp_path / "Bad.template.json").is_file()
    assert not (tmp_path / REPORT).exists()
    assert not (tmp_path / "tree.json").exists()


def test_the_cfn_validation_context_reports_bad_properties(tmp_path: Path) -> None:
    _synth_bad_alarm(tmp_path, {CFN_VALIDATION_CONTEXT: "true"})
    violations = _violations(tmp_path)
    assert any("UnknownProperty" in v for v in violations), violations
    assert any("EvaluationPeriods" in v for v in violations), violations


def test_example_templates_pass_the_cdk_template_validation(tmp_path: Path) -> None:
    app = new_app(str(tmp_path), context={CFN_VALIDATION_CONTEXT: "true"})
    build_app(app, plan_workspace(read_sources(ROOT)))
    app.synth()
    assert len(list(tmp_path.glob("*.template.json"))) > 20
    assert _violations(tmp_path) == []


@pytest.mark.parametrize("path", [
    ("Alarms", "api-down"),
    ("Alarms", "p99.latency_high"),
    ("Drills", "drill-critical"),
    ("Alarms", "Alarms"),  # a key the parent id ends with is left out of the readable part, as in the CDK
    ("Alarms", "Resource"),
    ("Alarms", "Default", "x"),
    ("Alarms", "k" * 250),
])
def test_alarm_logical_ids_are_the_ones_the_cdk_gives_a_construct_at_that_path(path: tuple[str, ...]) -> None:
    stack = cdk.Stack(cdk.App(), "Ids")
    scope: Construct = stack
    for part in path[:-1]:
        scope = Construct(scope, part)
    resource = cdk.CfnResource(scope, path[-1], type="AWS::SNS::Topic")
    assert naming.logical_id(path) == stack.resolve(stack.get_logical_id(resource))
