"""Create the CDK app and instantiate every stack of a resolved workspace plan in it.

A monitoring repository's `app.py` (the CDK's entry point, `"app": "python3 app.py"` in cdk.json) is

    import sys
    from pathlib import Path

    from vigil.stacks.app import synth_workspace

    sys.exit(synth_workspace(Path(__file__).resolve().parent))
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import aws_cdk as cdk

from vigil.app_settings import APP_CONTEXT, APP_PROPS
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.progress import StatusLine
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources
from vigil.stacks.dashboards import DashboardsStack
from vigil.stacks.routing import RoutingStack
from vigil.stacks.service import ServiceStack

StackProgress = Callable[[int, int, str], None]
"""Told (stacks built, stacks in all, the last stack's name) while the stacks are built."""

CFN_VALIDATION_CONTEXT = "cfn-validation"
"""`-c cfn-validation=true` runs the CDK's built-in CloudFormation template validation at synthesis."""
NAG_CONTEXT = "nag"
"""`-c nag=true` runs cdk-nag's AwsSolutions checks at synthesis; an unacknowledged finding fails it."""
ENV_CONTEXT = "env"
"""`-c env=prod` (or `-c env=dev,prod`) synthesizes only those environments; default: every environment."""


def synth_workspace(root: Path) -> int:
    """The whole of a CDK app over the spec repository at `root`: read its spec files, plan the environments
    that context `env` selects, build their stacks and synthesize them. Returns the process exit code: 0, or
    2 with one `file:line: field: message` line per problem on stderr and nothing synthesized."""
    app = new_app()
    selected = app.node.try_get_context(ENV_CONTEXT)
    only = [name.strip() for name in str(selected).split(",") if name.strip()] if selected else None
    try:
        plan = plan_workspace(read_sources(root), only=only)
    except SpecError as error:
        print(error, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in the specs; nothing was synthesized.", file=sys.stderr)
        return 2
    with StatusLine() as status:  # on a terminal only; `cdk synth` passes its own stderr to the app
        stacks = build_app(app, plan, progress=lambda done, total, name: status.count("synth: built", done, total,
                                                                                       name))
        status(f"synth: writing {len(stacks)} templates to cdk.out")
        app.synth()
    return 0


def new_app(outdir: str | None = None, context: dict[str, object] | None = None) -> cdk.App:
    """A CDK app as vigil synthesizes it (vigil/app_settings.py), with the CDK's built-in CloudFormation
    validation and cdk-nag only when asked for (context `cfn-validation=true`, `nag=true`)."""
    app = cdk.App(outdir=outdir, context={**APP_CONTEXT, **(context or {})}, **APP_PROPS)
    if _enabled(app, CFN_VALIDATION_CONTEXT):
        cdk.Validations.of(app).add_plugins(cdk.CloudFormationValidatePlugin())
    if _enabled(app, NAG_CONTEXT):
        from cdk_nag import AwsSolutionsChecks  # a development dependency: only imported when asked for

        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


def _enabled(app: cdk.App, key: str) -> bool:
    return str(app.node.try_get_context(key)).lower() == "true"


def build_app(app: cdk.App, plan: WorkspacePlan, progress: StackProgress | None = None) -> list[cdk.Stack]:
    """Add one routing stack, the stacks of each service (one per shard) and, when some dashboard names no
    service, a dashboards stack for each environment of `plan`; return them. `progress(done, total, name)` is
    called after each service stack."""
    stacks: list[cdk.Stack] = []
    total = sum(len(s.shards) for e in plan.environments for s in e.services)
    done = 0
    for environment in plan.environments:
        stacks.append(RoutingStack(app, plan=environment))
        regions = sorted({shard.region for s in environment.services for shard in s.shards if shard.region})
        stacks.extend(RoutingStack(app, plan=environment, region=region) for region in regions)
        for service in environment.services:
            shards = {}
            for shard in service.shards:
                deployed = replace(environment, region=shard.region) if shard.region else environment
                shards[shard.number] = ServiceStack(app, environment=deployed, service=service, shard=shard)
                done += 1
                if progress is not None:
                    progress(done, total, shard.stack_name)
            for shard in service.shards:
                for number in shard.depends_on:
                    shards[shard.number].add_stack_dependency(shards[number], "composite alarm children")
            stacks.extend(shards.values())
        if environment.dashboards:
            stacks.append(DashboardsStack(app, environment=environment))
    return stacks
