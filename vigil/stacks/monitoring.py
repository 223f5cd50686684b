"""The stack of an environment's monitoring account in one region."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from vigil import naming
from vigil.constructs.dashboards import Dashboards
from vigil.constructs.organisation import BaselineStackSet, ObservabilitySink
from vigil.plan.model import MonitoringPlan


class MonitoringStack(cdk.Stack):
    """`vigil-{env}-monitoring-{region}`: the CloudWatch cross-account observability sink of the region, the
    StackSet that links every account of the organisational units to it, and in the home region the
    organisation dashboard. Central routing has a routing stack of its own in the same account and region."""

    def __init__(self, scope: Construct, *, plan: MonitoringPlan) -> None:
        tags = naming.stack_tags(plan.tags)
        super().__init__(
            scope, plan.stack_name,
            stack_name=plan.stack_name,
            env=cdk.Environment(account=plan.account, region=plan.region),
            description=f"vigil {plan.environment}: monitoring account in {plan.region} (cross-account "
                        "observability sink" + (", StackSet" if plan.stackset else "") + ")",
            termination_protection=plan.protected,
        )
        sink = ObservabilitySink(self, "Sink", sink=plan.sink)
        if plan.stackset is not None:
            BaselineStackSet(self, "StackSet", plan=plan.stackset, sink_arn=sink.arn)
        if plan.dashboards:
            Dashboards(self, "Dashboards", dashboards=plan.dashboards)
        for key, value in tags:
            cdk.Tags.of(self).add(key, value)
