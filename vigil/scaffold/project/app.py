#!/usr/bin/env python3
"""CDK entry point: vigil's app over the spec files beside this file.

`cdk synth` synthesizes every environment in environments/; `cdk synth -c env=prod` (or `-c env=dev,prod`)
limits it.
"""

import sys
from pathlib import Path

from vigil.stacks.app import synth_workspace

sys.exit(synth_workspace(Path(__file__).resolve().parent))
