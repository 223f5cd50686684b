"""Synthesize a spec repository in process, as `cdk synth` does, and read the templates back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources
from vigil.stacks.app import NAG_CONTEXT, build_app, new_app


def synth_plan(plan: WorkspacePlan, outdir: Path, *, nag: bool = False) -> dict[str, dict[str, Any]]:
    """Synthesize `plan` into `outdir`; return templates by stack name. With `nag`, cdk-nag's AwsSolutions
    pack runs as a validation plugin and any unacknowledged finding fails synthesis."""
    app = new_app(str(outdir), context={NAG_CONTEXT: "true"} if nag else None)
    build_app(app, plan)
    app.synth()
    return {path.name.removesuffix(".template.json"): json.loads(path.read_text())
            for path in sorted(outdir.glob("*.template.json"))}


def synth_repo(root: Path, outdir: Path, only: list[str] | None = None, *, nag: bool = False
               ) -> dict[str, dict[str, Any]]:
    """Validate, plan and synthesize the spec repository at `root`."""
    return synth_plan(plan_workspace(read_sources(root), only=only), outdir, nag=nag)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """The resources of one CloudFormation type in a template, by logical id."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def alarm_by_name(template: dict[str, Any], name: str) -> dict[str, Any]:
    """The properties of the metric or composite alarm named `name`."""
    for resource in template["Resources"].values():
        if resource["Type"].startswith("AWS::CloudWatch::") and resource["Properties"].get("AlarmName") == name:
            return resource["Properties"]
    raise KeyError(name)
