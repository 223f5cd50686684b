"""X-Ray groups and sampling rules of one service, as L1 resources (one jsii call each)."""

from __future__ import annotations

from aws_cdk import aws_xray as xray
from constructs import Construct

from vigil.plan.model import SamplingRulePlan, XRayGroupPlan


class ServiceTracing(Construct):
    """Every X-Ray group and sampling rule of a service; construct ids are spec keys."""

    def __init__(self, scope: Construct, construct_id: str, *, groups: tuple[XRayGroupPlan, ...],
                 rules: tuple[SamplingRulePlan, ...]) -> None:
        super().__init__(scope, construct_id)
        self.groups: dict[str, xray.CfnGroup] = {}
        self.rules: dict[str, xray.CfnSamplingRule] = {}
        for group in groups:
            self.groups[group.key] = xray.CfnGroup(
                self, f"group-{group.key}",
                group_name=group.name,
                filter_expression=group.filter,
                insights_configuration={"insightsEnabled": group.insights,
                                        "notificationsEnabled": group.notifications},
            )
        for rule in rules:
            self.rules[rule.key] = xray.CfnSamplingRule(
                self, f"sampling-{rule.key}",
                sampling_rule={
                    "ruleName": rule.name,
                    "priority": rule.priority,
                    "fixedRate": rule.fixed_rate,
                    "reservoirSize": rule.reservoir,
                    "serviceName": rule.service,
                    "serviceType": rule.service_type,
                    "host": rule.host,
                    "httpMethod": rule.method,
                    "urlPath": rule.url_path,
                    "resourceArn": rule.resource_arn,
                    "version": 1,
                    **({"attributes": dict(rule.attributes)} if rule.attributes else {}),
                },
            )
