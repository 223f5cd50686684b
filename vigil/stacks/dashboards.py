"""The stack of an environment's declared dashboards that name no service."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from vigil.constructs.dashboards import Dashboards
from vigil.plan import naming
from vigil.plan.model import EnvironmentPlan


class DashboardsStack(cdk.Stack):
    """`vigil-{env}-dashboards`: dashboards across services; created only when there is one."""

    def __init__(self, scope: Construct, *, environment: EnvironmentPlan) -> None:
        name = naming.dashboards_stack_name(environment.name)
        super().__init__(
            scope, name,
            stack_name=name,
            env=cdk.Environment(account=environment.account, region=environment.region),
            description=f"vigil {environment.name}: dashboards across services",
            termination_protection=environment.protected,
        )
        Dashboards(self, "Dashboards", dashboards=environment.dashboards)
        for key, value in (*environment.tags, ("environment", environment.name), ("managed-by", "vigil")):
            cdk.Tags.of(self).add(key, value)
