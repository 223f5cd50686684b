"""CloudWatch dashboards as L1 resources: the body is built as JSON by the plan layer, one jsii call each."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from vigil.plan.model import DashboardPlan


class Dashboards(Construct):
    """One CfnDashboard per plan; construct ids are dashboard keys (declared name, or Generated, Generated2...)."""

    def __init__(self, scope: Construct, construct_id: str, *, dashboards: tuple[DashboardPlan, ...]) -> None:
        super().__init__(scope, construct_id)
        for dashboard in dashboards:
            cloudwatch.CfnDashboard(self, dashboard.key, dashboard_name=dashboard.name,
                                    dashboard_body=dashboard.body)
