"""Instantiate every stack of a resolved workspace plan in a CDK app."""

from __future__ import annotations

import aws_cdk as cdk

from vigil.plan.model import WorkspacePlan
from vigil.stacks.dashboards import DashboardsStack
from vigil.stacks.routing import RoutingStack
from vigil.stacks.service import ServiceStack


def build_app(app: cdk.App, plan: WorkspacePlan) -> list[cdk.Stack]:
    """Add one routing stack, one stack per service and, when some dashboard names no service, a dashboards
    stack for each environment of `plan`; return them."""
    stacks: list[cdk.Stack] = []
    for environment in plan.environments:
        stacks.append(RoutingStack(app, plan=environment))
        for service in environment.services:
            stacks.append(ServiceStack(app, environment=environment, service=service))
        if environment.dashboards:
            stacks.append(DashboardsStack(app, environment=environment))
    return stacks
