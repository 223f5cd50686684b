"""The stacks of one service in one environment (or one target of it)."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from vigil import naming
from vigil.constructs.alarms import ServiceAlarms
from vigil.constructs.canaries import ServiceCanaries
from vigil.constructs.dashboards import Dashboards
from vigil.constructs.logs import ServiceLogs
from vigil.constructs.slo import SloDashboard
from vigil.constructs.tracing import ServiceTracing
from vigil.plan.dashboards import is_slo_dashboard
from vigil.plan.model import EnvironmentPlan, ServicePlan, ShardPlan
from vigil.spec.types import SEVERITIES
from vigil.stacks.base import EnvironmentStack


class ServiceStack(EnvironmentStack):
    """`vigil-{scope}-{service}[-{n}]`: the service's alarms, or those of one shard (vigil/plan/shards.py).
    Topic ARNs are built from their names, so this stack deploys without importing anything from the routing
    stack. With central routing it deploys to the monitoring account and holds alarms and dashboards only; the
    rest stays in the target's account (SourceStack)."""

    def __init__(self, scope: Construct, *, environment: EnvironmentPlan, service: ServicePlan,
                 shard: ShardPlan | None = None) -> None:
        name = shard.stack_name if shard else naming.service_stack_name(environment.scope, service.name)
        part = f", part {shard.number}" if shard and shard.number > 1 else ""
        super().__init__(
            scope, name,
            environment=environment,
            account=environment.alarm_account,
            description=f"vigil {environment.scope}: monitoring of {service.name} (owner {service.owner}){part}",
            tags=service.tags,
            tag_resources=False,  # alarms carry their tags as a property: no aspect visits thousands of them
        )
        topic_arns = {
            naming.topic_name(environment.name, severity): naming.topic_arn(
                cdk.Aws.PARTITION, environment.region, environment.alarm_account, environment.name, severity)
            for severity in SEVERITIES
        }
        keys = set(shard.alarms) if shard else None
        alarms = tuple(a for a in service.alarms if keys is None or a.key in keys)
        alarm_constructs = ServiceAlarms(self, naming.ALARMS_CONSTRUCT_ID, alarms=alarms, topic_arns=topic_arns,
                                         tags=self.resource_tags)
        first = shard is None or shard.number == 1  # what belongs to the service as a whole: its first stack
        own = first and not environment.central  # what must live in the service's own account
        if own and (service.xray_groups or service.sampling_rules):
            ServiceTracing(self, "Tracing", groups=service.xray_groups, rules=service.sampling_rules)
        if own and service.canaries:
            ServiceCanaries(self, "Canaries", canaries=service.canaries, region=environment.region,
                            account=environment.account)
        slo_dashboards = tuple(d for d in service.dashboards if is_slo_dashboard(d))
        if first and slo_dashboards:
            SloDashboard(self, "Slos", dashboards=slo_dashboards)
        if own and service.log_groups:
            ServiceLogs(self, "Logs", log_groups=service.log_groups)
        dashboards = tuple(d for d in service.dashboards if not is_slo_dashboard(d))
        if first and dashboards:
            Dashboards(self, "Dashboards", dashboards=dashboards)
        # Alarms carry their tags as a property; everything else, including singletons such as a custom
        # resource's function, is tagged through the aspect.
        for child in self.node.children:
            if child is not alarm_constructs:
                self.tag(child)


class SourceStack(EnvironmentStack):
    """`vigil-{scope}-{service}-source`, with central routing: what of a service stays in the target's own
    account (X-Ray, canaries, log groups) while its alarms and dashboards live in the monitoring account."""

    def __init__(self, scope: Construct, *, environment: EnvironmentPlan, service: ServicePlan) -> None:
        super().__init__(
            scope, naming.source_stack_name(environment.scope, service.name),
            environment=environment,
            description=f"vigil {environment.scope}: {service.name}'s log groups, X-Ray and canaries "
                        f"(owner {service.owner})",
            tags=service.tags,
        )
        if service.xray_groups or service.sampling_rules:
            ServiceTracing(self, "Tracing", groups=service.xray_groups, rules=service.sampling_rules)
        if service.canaries:
            ServiceCanaries(self, "Canaries", canaries=service.canaries, region=environment.region,
                            account=environment.account)
        if service.log_groups:
            ServiceLogs(self, "Logs", log_groups=service.log_groups)
