"""Create the CDK app and instantiate every stack of a resolved workspace plan in it.

A monitoring repository's `app.py` (the CDK's entry point, `"app": "python3 app.py"` in cdk.json) is

    import sys
    from pathlib import Path

    from vigil.stacks.app import synth_workspace

    sys.exit(synth_workspace(Path(__file__).resolve().parent))
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path

import aws_cdk as cdk

from vigil.app_settings import APP_CONTEXT, APP_PROPS
from vigil.plan.deployments import stack_sources
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.plan.selection import (
    SelectionError,
    check_deployments,
    environment_names,
    parse_deployments,
    parse_environments,
)
from vigil.progress import StatusLine
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources
from vigil.stacks.dashboards import DashboardsStack
from vigil.stacks.monitoring import MonitoringStack
from vigil.stacks.routing import RoutingStack
from vigil.stacks.service import ServiceStack, SourceStack

StackProgress = Callable[[int, int, str], None]
"""Told (stacks built, stacks in all, the last stack's name) while the stacks are built."""

CFN_VALIDATION_CONTEXT = "cfn-validation"
"""`-c cfn-validation=true` runs the CDK's built-in CloudFormation template validation at synthesis."""
NAG_CONTEXT = "nag"
"""`-c nag=true` runs cdk-nag's AwsSolutions checks at synthesis; an unacknowledged finding fails it."""
ENV_CONTEXT = "env"
"""`-c env=prod` (or `-c env=dev,prod`) synthesizes only those environments; default: every environment."""
DEPLOYMENT_CONTEXT = "deployment"
"""`-c deployment=ACCOUNT/REGION` (comma-separated for several) synthesizes only the stacks deployed there
(one deployment of `vigil targets`, one CI job), planning only the targets with stacks there."""


def synth_workspace(root: Path, *, context: dict[str, object] | None = None, outdir: str | None = None) -> int:
    """The whole of a CDK app over the spec repository at `root`: read its spec files, plan the environments
    that context `env` selects (only the stacks of context `deployment`), build their stacks and synthesize
    them. `context` and `outdir` add to what the CDK CLI passes (for tests). Returns the process exit code: 0,
    or 2 with one `file:line: field: message` line per problem, or one `vigil: -c ...` line for a context value
    that selects nothing, on stderr and nothing synthesized."""
    app = new_app(outdir, context)
    try:
        only = parse_environments(app.node.try_get_context(ENV_CONTEXT))
        deployments = parse_deployments(app.node.try_get_context(DEPLOYMENT_CONTEXT))
        sources = read_sources(root)
        plan = plan_workspace(sources, only=only, deployments=deployments)
        if deployments is not None:
            check_deployments(deployments, plan, only or environment_names(sources),
                              lambda: plan_workspace(sources, only=only))
    except SpecError as error:
        print(error, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in the specs; nothing was synthesized.", file=sys.stderr)
        return 2
    except SelectionError as error:
        print(f"vigil: -c {error.option}: {error}", file=sys.stderr)
        return 2
    with StatusLine() as status:  # on a terminal only; `cdk synth` passes its own stderr to the app
        stacks = build_app(app, plan, progress=lambda done, total, name: status.count("synth: built", done, total,
                                                                                       name),
                           deployments=deployments)
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


def build_app(app: cdk.App, plan: WorkspacePlan, progress: StackProgress | None = None,
              deployments: Collection[tuple[str, str]] | None = None) -> list[cdk.Stack]:
    """Add the stacks of `plan` (vigil/plan/deployments.py `stack_sources`: routing, service, source and
    dashboards stacks per target, per region of a monitoring account its stack and central routing) and return
    them; a shard holding composite alarms depends on the shards of their children. `progress(done, total,
    name)` is called after each service stack. `deployments` ((account, region) pairs) builds only the stacks
    deployed there, as one CI job needs them."""
    sources = stack_sources(plan)
    if deployments is not None:
        places = set(deployments)
        sources = [source for source in sources if (source.account, source.region) in places]
    stacks: list[cdk.Stack] = []
    shards: dict[tuple[str, str], dict[int, ServiceStack]] = {}
    total = sum(1 for source in sources if source.kind == "service")
    done = 0
    for source in sources:
        env, service, shard = source.environment, source.service, source.shard
        if source.kind == "monitoring" and source.monitoring is not None:
            stacks.append(MonitoringStack(app, plan=source.monitoring))
        elif env is None:
            continue
        elif source.kind == "routing":
            stacks.append(RoutingStack(app, plan=env, region=None if source.region == env.region else source.region))
        elif source.kind == "service" and service is not None and shard is not None:
            deployed = replace(env, region=shard.region) if shard.region else env
            stack = ServiceStack(app, environment=deployed, service=service, shard=shard)
            shards.setdefault((env.scope, service.name), {})[shard.number] = stack
            stacks.append(stack)
            done += 1
            if progress is not None:
                progress(done, total, shard.stack_name)
        elif source.kind == "source" and service is not None:
            stacks.append(SourceStack(app, environment=env, service=service))
        elif source.kind == "dashboards":
            stacks.append(DashboardsStack(app, environment=env))
    for source in sources:
        if source.kind == "service" and source.environment and source.service and source.shard:
            built = shards[(source.environment.scope, source.service.name)]
            for number in source.shard.depends_on:
                if number in built:
                    built[source.shard.number].add_stack_dependency(built[number], "composite alarm children")
    return stacks
