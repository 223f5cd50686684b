"""The routing stack of an environment: severity topics and channel subscriptions."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from vigil.constructs.routing import Channels, SeverityTopics
from vigil.plan import naming
from vigil.plan.model import EnvironmentPlan


class RoutingStack(cdk.Stack):
    """`vigil-{env}-routing`: deployed once per environment, before or independently of service stacks."""

    def __init__(self, scope: Construct, *, plan: EnvironmentPlan) -> None:
        name = naming.routing_stack_name(plan.name)
        super().__init__(
            scope, name,
            stack_name=name,
            env=cdk.Environment(account=plan.account, region=plan.region),
            description=f"vigil {plan.name}: severity topics and notification channels",
            termination_protection=plan.protected,
        )
        topics = SeverityTopics(self, "Topics", plan=plan)
        Channels(self, "Channels", plan=plan, topics=topics)
        for key, value in (*plan.tags, ("environment", plan.name), ("managed-by", "vigil")):
            cdk.Tags.of(self).add(key, value)
