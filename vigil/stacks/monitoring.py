"""The stack of an environment's monitoring account in one region."""

from __future__ import annotations

from constructs import Construct

from vigil.constructs.dashboards import Dashboards
from vigil.constructs.organisation import BaselineStackSet, ObservabilitySink
from vigil.plan.model import MonitoringPlan
from vigil.stacks.base import VigilStack


class MonitoringStack(VigilStack):
    """`vigil-{env}-monitoring-{region}`: the CloudWatch cross-account observability sink of the region, the
    StackSet that links every account of the organisational units to it, and in the home region the
    organisation dashboard. Central routing has a routing stack of its own in the same account and region."""

    def __init__(self, scope: Construct, *, plan: MonitoringPlan) -> None:
        super().__init__(
            scope, plan.stack_name, account=plan.account, region=plan.region, protected=plan.protected,
            description=f"vigil {plan.environment}: monitoring account in {plan.region} (cross-account "
                        "observability sink" + (", StackSet" if plan.stackset else "") + ")",
            tags=plan.tags)
        sink = ObservabilitySink(self, "Sink", sink=plan.sink)
        if plan.stackset is not None:
            BaselineStackSet(self, "StackSet", plan=plan.stackset, sink_arn=sink.arn)
        if plan.dashboards:
            Dashboards(self, "Dashboards", dashboards=plan.dashboards)
