"""The routing stack of an environment: severity topics and channel subscriptions."""

from __future__ import annotations

from constructs import Construct

from vigil.constructs.alarms import ServiceAlarms
from vigil.constructs.routing import Channels, SeverityTopics
from vigil.plan import naming
from vigil.plan.model import EnvironmentPlan
from vigil.stacks.base import EnvironmentStack


class RoutingStack(EnvironmentStack):
    """`vigil-{env}-routing`: deployed once per environment, before or independently of service stacks. It also
    holds the environment's drill alarms, one per severity."""

    def __init__(self, scope: Construct, *, plan: EnvironmentPlan) -> None:
        super().__init__(
            scope, naming.routing_stack_name(plan.scope),
            environment=plan,
            description=f"vigil {plan.scope}: severity topics and notification channels",
            tags=(*plan.tags, ("environment", plan.name)),
        )
        topics = SeverityTopics(self, "Topics", plan=plan)
        Channels(self, "Channels", plan=plan, topics=topics)
        ServiceAlarms(self, "Drills", alarms=plan.drills, tags=self.resource_tags, topic_arns={
            naming.topic_name(plan.name, severity): topic.topic_arn for severity, topic in topics.topics.items()})
