"""The SLO dashboard of a service: error-budget widgets per SLO, as one L1 CloudWatch dashboard."""

from __future__ import annotations

import json

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from vigil.plan.model import SloPlan
from vigil.plan.slo_widgets import slo_dashboard_body


class SloDashboard(Construct):
    """`{env}-{service}-slos`: budget remaining and burn rate of each SLO (the alarms are in ServiceAlarms)."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, slos: tuple[SloPlan, ...],
                 region: str) -> None:
        super().__init__(scope, construct_id)
        body = json.dumps(slo_dashboard_body(slos, region), sort_keys=True, separators=(",", ":"))
        self.dashboard = cloudwatch.CfnDashboard(self, "Dashboard", dashboard_name=name, dashboard_body=body)
