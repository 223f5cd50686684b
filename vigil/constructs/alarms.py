"""CloudWatch metric, math, anomaly and composite alarms of one service, included as one CloudFormation
fragment.

The resource of each alarm comes from vigil/plan/alarm_shape.py, in the template's own shape. All alarms of a
construct are written as one template fragment and added with `CfnInclude`: one call into the CDK per
stack instead of one per alarm, which for thousands of alarms was most of the synthesis time (`make bench`).
Each alarm keeps the logical id the CDK gives a construct at `{construct id}/{alarm key}`
(`naming.logical_id`), so deployed alarms keep their identity. The CDK renders the included alarms as typed
L1 resources: tags sorted as on every other resource, DependsOn in construct order. cfn-lint checks every
example template in the tests.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import cloudformation_include as cfn_include
from constructs import Construct

from vigil import naming
from vigil.plan.alarm_shape import alarm_resource
from vigil.plan.model import AlarmPlan


class ServiceAlarms(cfn_include.CfnInclude):
    """Every alarm of a service: a `CfnInclude` whose resources are the alarms, so that `cdk diff` shows each
    at `{construct id}/{logical id}`. Logical ids come from the construct's path and the alarm keys, so
    reordering a spec changes nothing.

    `topic_arns` maps a severity topic name (`vigil-prod-critical`) to its ARN; the `tags` (key, value) pairs
    are set on every alarm. A composite alarm depends on those of its children in the same
    construct (children in another stack of the service are a stack dependency).
    """

    def __init__(self, scope: Construct, construct_id: str, *, alarms: tuple[AlarmPlan, ...],
                 topic_arns: dict[str, str], tags: tuple[tuple[str, str], ...] = ()) -> None:
        stack_path, scope_path = cdk.Stack.of(scope).node.path, scope.node.path
        path = (*filter(None, scope_path.removeprefix(stack_path).split("/")), construct_id)
        logical_ids = {alarm.name: naming.logical_id((*path, alarm.key)) for alarm in alarms}
        resource_tags = [{"Key": key, "Value": value} for key, value in tags]
        resources = {logical_ids[alarm.name]: alarm_resource(alarm, topic_arns, resource_tags, logical_ids)
                     for alarm in alarms}
        # Topic ARNs may hold CDK tokens (the partition, a topic's Ref): as strings, they pass through the file
        # unchanged and are resolved at synthesis like any other token.
        with tempfile.TemporaryDirectory(prefix="vigil-alarms-") as directory:
            fragment = Path(directory) / "alarms.json"
            text = json.dumps({"Resources": resources}, separators=(",", ":"), allow_nan=False)
            fragment.write_text(text, encoding="utf-8")
            super().__init__(scope, construct_id, template_file=str(fragment))
