"""How vigil configures its CDK app, as plain values (no CDK import), shared with the benchmark's baseline.

No tree.json: it only serves the CDK's construct explorer. No built-in CloudFormation template validation:
vigil checks every spec value against CloudWatch's limits before any construct exists, and its template shapes
are checked by cfn-lint and the CDK validator in the test suite; re-validating thousands of alarms in every
`cdk synth` and `cdk diff` doubled the synthesis time (`-c cfn-validation=true` turns it on). No creation stack
traces: for an app in Python the CDK can only record "jsii runtime, node internals" there; capturing them took
about 0.3 s for 10,000 alarms.
"""

from __future__ import annotations

APP_PROPS: dict[str, bool] = {
    "analytics_reporting": False,
    "tree_metadata": False,
    "builtin_cloud_formation_validation": False,
}
"""Keyword arguments of `aws_cdk.App`."""

APP_CONTEXT: dict[str, object] = {"aws:cdk:disable-creation-stack-traces": True}
"""CDK context every vigil app starts with."""
