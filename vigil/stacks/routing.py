"""The routing stack of an environment: severity topics and channel subscriptions."""

from __future__ import annotations

from dataclasses import replace

from constructs import Construct

from vigil import naming
from vigil.constructs.alarms import ServiceAlarms
from vigil.constructs.routing import Channels, SeverityTopics
from vigil.plan.model import EnvironmentPlan
from vigil.stacks.base import EnvironmentStack


class RoutingStack(EnvironmentStack):
    """`vigil-{env}-routing`: deployed once per environment, before or independently of service stacks. It also
    holds the environment's drill alarms, one per severity.

    With `region` (another region some of the environment's alarms must live in, vigil/plan/shards.py), it is
    `vigil-{env}-routing-{region}` in that region of the same account: the same topics and channels, so alarms
    there notify like the others, and no drills."""

    def __init__(self, scope: Construct, *, plan: EnvironmentPlan, region: str | None = None) -> None:
        home = region is None
        deployed = plan if home else replace(plan, region=region)
        super().__init__(
            scope, naming.routing_stack_name(plan.scope) if home else naming.regional_routing_stack_name(plan.scope,
                                                                                                      str(region)),
            environment=deployed,
            description=f"vigil {plan.scope}: severity topics and notification channels"
                        + ("" if home else f" for its alarms in {region}"),
            tags=(*plan.tags, ("environment", plan.name)),
        )
        topics = SeverityTopics(self, "Topics", plan=deployed)
        Channels(self, "Channels", plan=deployed, topics=topics, region_suffix=None if home else region)
        if home:
            ServiceAlarms(self, "Drills", alarms=plan.drills, tags=self.resource_tags, topic_arns={
                naming.topic_name(plan.name, severity): topic.topic_arn for severity, topic in topics.topics.items()})
