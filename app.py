#!/usr/bin/env python3
"""CDK entry point of this repository's example organisation: vigil's app over the spec files beside it.

`cdk synth` synthesizes every environment in environments/; `cdk synth -c env=prod` (or `-c env=dev,prod`)
limits it. `-c nag=true` also runs cdk-nag's AwsSolutions checks, `-c cfn-validation=true` the CDK's built-in
CloudFormation template validation.
"""

import sys
from pathlib import Path

from vigil.stacks.app import synth_workspace

sys.exit(synth_workspace(Path(__file__).resolve().parent))
