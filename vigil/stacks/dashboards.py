"""The stack of an environment's declared dashboards that name no service."""

from __future__ import annotations

from constructs import Construct

from vigil import naming
from vigil.constructs.dashboards import Dashboards
from vigil.plan.model import EnvironmentPlan
from vigil.stacks.base import EnvironmentStack


class DashboardsStack(EnvironmentStack):
    """`vigil-{env}-dashboards`: dashboards across services; created only when there is one."""

    def __init__(self, scope: Construct, *, environment: EnvironmentPlan) -> None:
        super().__init__(
            scope, naming.dashboards_stack_name(environment.scope),
            environment=environment,
            account=environment.alarm_account,
            description=f"vigil {environment.scope}: dashboards across services",
            tags=(*environment.tags, ("environment", environment.name)),
        )
        Dashboards(self, "Dashboards", dashboards=environment.dashboards)
