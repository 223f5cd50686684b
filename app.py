#!/usr/bin/env python3
"""CDK entry point: the only place that reads spec files, CDK context and the process environment.

`cdk synth` synthesizes every environment in environments/; `cdk synth -c env=prod` (or `-c env=dev,prod`)
limits it. `-c nag=true` also runs cdk-nag's AwsSolutions checks, `-c cfn-validation=true` the CDK's built-in
CloudFormation template validation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vigil.exit_codes import EXIT_OK, EXIT_SPEC
from vigil.plan.resolve import plan_workspace
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources
from vigil.stacks.app import build_app, new_app

ROOT = Path(__file__).resolve().parent


def main() -> int:
    app = new_app()
    selected = app.node.try_get_context("env")
    only = [name.strip() for name in str(selected).split(",") if name.strip()] if selected else None
    try:
        plan = plan_workspace(read_sources(ROOT), only=only)
    except SpecError as error:
        print(error, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) in the specs; nothing was synthesized.", file=sys.stderr)
        return EXIT_SPEC
    build_app(app, plan)
    app.synth()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
