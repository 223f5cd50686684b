"""The stack of one service in one environment."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from vigil.constructs.alarms import ServiceAlarms
from vigil.constructs.canaries import ServiceCanaries
from vigil.constructs.dashboards import Dashboards
from vigil.constructs.logs import ServiceLogs
from vigil.constructs.slo import SloDashboard
from vigil.constructs.tracing import ServiceTracing
from vigil.plan import naming
from vigil.plan.dashboards import is_slo_dashboard
from vigil.plan.model import EnvironmentPlan, ServicePlan
from vigil.spec.types import SEVERITIES
from vigil.stacks.base import EnvironmentStack


class ServiceStack(EnvironmentStack):
    """`vigil-{env}-{service}`: the service's alarms. Topic ARNs are built from their names, so this stack
    deploys without importing anything from the routing stack."""

    def __init__(self, scope: Construct, *, environment: EnvironmentPlan, service: ServicePlan) -> None:
        super().__init__(
            scope, naming.service_stack_name(environment.name, service.name),
            environment=environment,
            description=f"vigil {environment.name}: monitoring of {service.name} (owner {service.owner})",
            tags=service.tags,
        )
        topic_arns = {
            naming.topic_name(environment.name, severity): naming.topic_arn(
                cdk.Aws.PARTITION, environment.region, environment.account, environment.name, severity)
            for severity in SEVERITIES
        }
        ServiceAlarms(self, "Alarms", alarms=service.alarms, topic_arns=topic_arns)
        if service.xray_groups or service.sampling_rules:
            ServiceTracing(self, "Tracing", groups=service.xray_groups, rules=service.sampling_rules)
        if service.canaries:
            ServiceCanaries(self, "Canaries", canaries=service.canaries, region=environment.region,
                            account=environment.account)
        slo_dashboards = tuple(d for d in service.dashboards if is_slo_dashboard(d))
        if slo_dashboards:
            SloDashboard(self, "Slos", dashboards=slo_dashboards)
        if service.log_groups:
            ServiceLogs(self, "Logs", log_groups=service.log_groups)
        dashboards = tuple(d for d in service.dashboards if not is_slo_dashboard(d))
        if dashboards:
            Dashboards(self, "Dashboards", dashboards=dashboards)
