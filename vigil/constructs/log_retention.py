"""The StackSet's log retention, for the account and region its member stack is deployed in.

CloudFormation cannot adopt log groups that exist already, so a function sets their retention
(vigil/functions/log_retention.py, passed inline: a StackSet's template has no assets). A custom resource runs
it when the stack is created and whenever its settings change; an EventBridge rule runs it daily, for log groups
created later. Deleting the stack changes no log group back (the function does nothing on Delete); the
function's own log group belongs to the stack and goes with it, so that the stack can be created again.

CloudWatch Logs' account-level retention policies (PutAccountPolicy with RETENTION_POLICY,
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutAccountPolicy.html) are not used:
CloudFormation's AWS::Logs::AccountPolicy does not take that type, a retroactive policy replaces every matching
log group's own retention (longer and shorter ones alike, those vigil's service specs set included), and such
a policy takes no less than 30 days.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from vigil.functions import LOG_RETENTION_SOURCE, PYTHON_RUNTIME
from vigil.limits import MAX_INLINE_CODE_BYTES
from vigil.plan.model import LogRetentionPlan

FUNCTION_TIMEOUT_SECONDS = 900
"""Lambda's longest run: the function stops starting log groups 90 s before it and answers with what it did;
the daily run goes on from there."""
SCHEDULE = "rate(1 day)"
CUSTOM_RESOURCE_TYPE = "Custom::VigilLogRetention"
SERVICE_TIMEOUT_SECONDS = FUNCTION_TIMEOUT_SECONDS + 60
"""How long CloudFormation waits for the custom resource's answer (ServiceTimeout, 1 to 3,600 seconds, default an
hour: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-customresource.html)."""


def function_source() -> str:
    """The function's source, as the ZipFile property carries it; it must fit MAX_INLINE_CODE_BYTES."""
    source = LOG_RETENTION_SOURCE.read_text(encoding="utf-8")
    if len(source.encode()) > MAX_INLINE_CODE_BYTES:
        raise ValueError(f"{LOG_RETENTION_SOURCE.name} is {len(source.encode())} bytes; inline code is kept "
                         f"within {MAX_INLINE_CODE_BYTES}")
    return source


def function_settings(plan: LogRetentionPlan) -> dict[str, Any]:
    """What the function reads from its event: the custom resource's properties and the schedule's input."""
    return {"RetentionInDays": plan.days, "Prefixes": list(plan.prefixes), "ApplyTo": plan.apply_to}


class LogRetention(Construct):
    """The function, its role and log group, the custom resource that runs it on create and update, and the
    daily schedule, in the stack's own account and region."""

    def __init__(self, scope: Construct, construct_id: str, *, plan: LogRetentionPlan) -> None:
        super().__init__(scope, construct_id)
        log_groups = f"arn:{cdk.Aws.PARTITION}:logs:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:log-group:"
        own_logs = logs.CfnLogGroup(self, "Logs", log_group_name=f"/aws/lambda/{plan.function_name}",
                                    retention_in_days=plan.days)
        own_logs.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
        # DescribeLogGroups is authorised on the account's log groups as a whole; PutRetentionPolicy only on
        # those the prefixes name (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/permissions-reference-cwl.html)
        writable = [f"{log_groups}{prefix}*" for prefix in plan.prefixes] or [f"{log_groups}*"]
        role = iam.CfnRole(
            self, "Role",
            description=f"{plan.function_name}: list log groups, set their retention, write its own logs",
            assume_role_policy_document={"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            policies=[iam.CfnRole.PolicyProperty(policy_name="log-retention", policy_document={
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": f"{log_groups}*"},
                    {"Effect": "Allow", "Action": "logs:PutRetentionPolicy", "Resource": writable},
                    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                     "Resource": own_logs.attr_arn},
                ]})])
        function = lambda_.CfnFunction(
            self, "Function",
            function_name=plan.function_name,
            description="vigil: sets a retention on log groups that never expire, on deploy and daily",
            runtime=PYTHON_RUNTIME,
            handler="index.handler",
            code=lambda_.CfnFunction.CodeProperty(zip_file=function_source()),
            timeout=FUNCTION_TIMEOUT_SECONDS,
            memory_size=128,
            role=role.attr_arn,
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=own_logs.ref),
        )
        settings = function_settings(plan)
        rule = events.CfnRule(
            self, "Daily",
            description=f"vigil: runs {plan.function_name} daily for log groups created since",
            schedule_expression=SCHEDULE,
            state="ENABLED",
            targets=[events.CfnRule.TargetProperty(id="log-retention", arn=function.attr_arn,
                                                   input=json.dumps(settings, sort_keys=True))],
        )
        lambda_.CfnPermission(self, "DailyInvoke", action="lambda:InvokeFunction", function_name=function.attr_arn,
                              principal="events.amazonaws.com", source_arn=rule.attr_arn,
                              source_account=cdk.Aws.ACCOUNT_ID)
        cdk.CfnResource(self, "Apply", type=CUSTOM_RESOURCE_TYPE, properties={
            "ServiceToken": function.attr_arn, "ServiceTimeout": SERVICE_TIMEOUT_SECONDS, **settings})
