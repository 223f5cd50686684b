"""The SLO dashboard of a service that opted out of its generated dashboard: error-budget widgets per SLO, as L1
CloudWatch dashboards built by the plan layer (vigil/plan/dashboards.py, slo_dashboards)."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from vigil.plan.dashboards import SLO_DASHBOARD_KEY
from vigil.plan.model import DashboardPlan


class SloDashboard(Construct):
    """`{env}-{service}-slos` (and `-slos-2`, ... when split): budget remaining and burn rate of each SLO.

    Construct ids are Dashboard, Dashboard2, ...: the first keeps the logical id the SLO dashboard has always
    had, so CloudFormation updates it in place rather than creating a namesake and deleting the old one (which
    would delete the dashboard, as both carry the same name)."""

    def __init__(self, scope: Construct, construct_id: str, *, dashboards: tuple[DashboardPlan, ...]) -> None:
        super().__init__(scope, construct_id)
        for dashboard in dashboards:
            suffix = dashboard.key.removeprefix(SLO_DASHBOARD_KEY)
            cloudwatch.CfnDashboard(self, f"Dashboard{suffix}", dashboard_name=dashboard.name,
                                    dashboard_body=dashboard.body)
