"""A service's log groups: owned groups (retained when removed from a spec), retention of existing groups,
metric filters and saved Logs Insights queries."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from vigil.plan.model import LogGroupPlan, MetricFilterPlan
from vigil.spec.logs import NEVER

RETENTION_FUNCTION_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
"""How long the logs of the function that sets existing groups' retention are kept."""
SINGLETON_ID = "AWS679f53fac002430cb0da5b7982bd2287"
"""The construct id AwsCustomResource gives its one function per stack."""
BASIC_EXECUTION_POLICY = "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


class ServiceLogs(Construct):
    """Every log group of a service. Construct ids are log group names and filter or query keys."""

    def __init__(self, scope: Construct, construct_id: str, *, log_groups: tuple[LogGroupPlan, ...]) -> None:
        super().__init__(scope, construct_id)
        self._function_logs: logs.LogGroup | None = None
        self._function_checked = False
        for group in log_groups:
            holder = Construct(self, group.name)
            name: str = group.name
            if group.existing:
                if group.retention_days is not None:
                    self._existing_retention(holder, group)
            else:
                log_group = logs.CfnLogGroup(
                    holder, "LogGroup", log_group_name=group.name,
                    retention_in_days=group.retention_days or None, kms_key_id=group.kms_key)
                # Deleting logs is never a side effect of editing a spec: removing the group keeps it and its logs.
                log_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
                name = log_group.ref
            for metric_filter in group.filters:
                logs.CfnMetricFilter(holder, f"Filter-{metric_filter.key}", log_group_name=name,
                                     filter_name=metric_filter.key, filter_pattern=metric_filter.pattern,
                                     metric_transformations=[_transformation(metric_filter)])
            for query in group.queries:
                query_definition = logs.CfnQueryDefinition(holder, f"Query-{query.key}", name=query.name,
                                                           query_string=query.query,
                                                           log_group_names=list(query.log_groups))
                if not group.existing:
                    query_definition.add_resource_dependency(log_group)

    def _existing_retention(self, holder: Construct, group: LogGroupPlan) -> None:
        """CloudFormation can set retention only on groups it owns; an existing group (e.g. Lambda's) gets it
        through PutRetentionPolicy (DeleteRetentionPolicy for never) from a custom resource. Removing the
        group from the spec leaves its retention as it was."""
        stack = cdk.Stack.of(self)
        arn = stack.format_arn(service="logs", resource="log-group", resource_name=group.name,
                               arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
        if group.retention_days == NEVER:
            action = "deleteRetentionPolicy"
            parameters: dict[str, Any] = {"logGroupName": group.name}
        else:
            action = "putRetentionPolicy"
            parameters = {"logGroupName": group.name, "retentionInDays": group.retention_days}
        call = cr.AwsSdkCall(service="CloudWatchLogs", action=action, parameters=parameters,
                             physical_resource_id=cr.PhysicalResourceId.of(f"{group.name}:retention"))
        if self._function_logs is None:
            self._function_logs = logs.LogGroup(self, "RetentionFunctionLogs",
                                                retention=RETENTION_FUNCTION_LOG_RETENTION,
                                                removal_policy=cdk.RemovalPolicy.RETAIN)
        cr.AwsCustomResource(
            holder, "Retention", on_create=call, on_update=call, install_latest_aws_sdk=False,
            log_group=self._function_logs,
            policy=cr.AwsCustomResourcePolicy.from_statements([iam.PolicyStatement(
                actions=[f"logs:{action[0].upper()}{action[1:]}"], resources=[arn])]))
        function = stack.node.try_find_child(SINGLETON_ID)
        if function is not None and not self._function_checked:
            self._function_checked = True
            # The function names its role with GetAtt already; the extra DependsOn that CDK adds is what
            # cfn-lint reports as W3005.
            function_resource = function.node.find_child("Resource")
            function_resource.add_deletion_override("DependsOn")
            cdk.Validations.of(function).acknowledge(cdk.Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{BASIC_EXECUTION_POLICY}]",
                reason="The custom resource function's role uses AWSLambdaBasicExecutionRole only to write its own "
                       "logs; its other permissions name each log group whose retention it sets."))


def _transformation(metric_filter: MetricFilterPlan) -> dict[str, Any]:
    transformation: dict[str, Any] = {"metricName": metric_filter.metric, "metricNamespace": metric_filter.namespace,
                                      "metricValue": metric_filter.value}
    if metric_filter.default_value is not None:
        transformation["defaultValue"] = metric_filter.default_value
    if metric_filter.unit is not None:
        transformation["unit"] = metric_filter.unit
    if metric_filter.dimensions:
        transformation["dimensions"] = [{"key": k, "value": v} for k, v in metric_filter.dimensions]
    return transformation
