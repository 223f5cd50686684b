"""Instantiate every stack of a resolved workspace plan in a CDK app."""

from __future__ import annotations

import aws_cdk as cdk

from vigil.plan.model import WorkspacePlan
from vigil.stacks.dashboards import DashboardsStack
from vigil.stacks.routing import RoutingStack
from vigil.stacks.service import ServiceStack


def build_app(app: cdk.App, plan: WorkspacePlan) -> list[cdk.Stack]:
    """Add one routing stack, the stacks of each service (one per shard) and, when some dashboard names no
    service, a dashboards stack for each environment of `plan`; return them."""
    stacks: list[cdk.Stack] = []
    for environment in plan.environments:
        stacks.append(RoutingStack(app, plan=environment))
        for service in environment.services:
            shards = {shard.number: ServiceStack(app, environment=environment, service=service, shard=shard)
                      for shard in service.shards}
            for shard in service.shards:
                for number in shard.depends_on:
                    shards[shard.number].add_dependency(shards[number], "composite alarm children")
            stacks.extend(shards.values())
        if environment.dashboards:
            stacks.append(DashboardsStack(app, environment=environment))
    return stacks
