"""Severity topics and the channels they notify: PagerDuty, Slack (AWS Chatbot or webhook) and email."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sns as sns
from constructs import Construct

from vigil import naming
from vigil.functions import PYTHON_RUNTIME, SLACK_FORWARDER_DIR
from vigil.plan.model import EnvironmentPlan
from vigil.spec.environment import EmailChannel, PagerDutyChannel, SecretRef, SlackChannel
from vigil.spec.types import SEVERITIES, Severity

PAGERDUTY_ENDPOINT = "https://events.pagerduty.com/integration/{key}/enqueue"
"""PagerDuty's CloudWatch integration endpoint; it resolves incidents itself on OK notifications."""

HTTPS_DELIVERY_POLICY = {
    "healthyRetryPolicy": {
        "numRetries": 20, "numNoDelayRetries": 3, "numMinDelayRetries": 2, "numMaxDelayRetries": 0,
        "minDelayTarget": 1, "maxDelayTarget": 60, "backoffFunction": "exponential",
    }
}
"""Retries for HTTPS deliveries: a page must survive a PagerDuty blip (about 15 minutes of retries)."""

FORWARDER_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS

CHATBOT_READ_ACTIONS = (
    "cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory", "cloudwatch:GetMetricData",
    "cloudwatch:GetMetricWidgetImage",
)
"""What AWS Chatbot needs to render an alarm notification with its graph."""


def acknowledge_wildcards(construct: Construct, findings: list[str], reason: str) -> None:
    """Record, for cdk-nag's AwsSolutions-IAM5 rule, why each wildcard finding on `construct` is needed."""
    for finding in findings:
        cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]",
                                                                     reason=reason))


class SeverityTopics(Construct):
    """One KMS-encrypted SNS topic per severity, named `vigil-{env}-{severity}`, to which only CloudWatch alarms
    of the same account and region may publish.

    Conditions (AWS docs):
    - `aws:SourceAccount` and `aws:SourceArn` on the statements for the CloudWatch service principal, so it acts
      only for this account's alarms (the confused deputy problem,
      https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html); the same keys on the KMS key, which
      CloudWatch needs to publish to an encrypted topic
      (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
    - `aws:PrincipalIsAWSService`, present in every signed request
      (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice):
      a Deny of sns:Publish when it is false, so no IAM user or role of the account can publish, whatever its
      identity policies allow; only the CloudWatch service principal is allowed, by the statement above it.
    """

    def __init__(self, scope: Construct, construct_id: str, *, plan: EnvironmentPlan) -> None:
        super().__init__(scope, construct_id)
        alarms_of_this_account = {
            "StringEquals": {"aws:SourceAccount": plan.account},
            "ArnLike": {"aws:SourceArn": f"arn:{cdk.Aws.PARTITION}:cloudwatch:{plan.region}:{plan.account}:alarm:*"},
        }
        self.key = kms.Key(
            self, "Key",
            alias=f"alias/vigil-{plan.name}-alarm-topics",
            description=f"Encrypts vigil's {plan.name} alarm topics",
            enable_key_rotation=True,
        )
        self.key.add_to_resource_policy(iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToUseTheKey",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
            conditions=alarms_of_this_account,
        ))
        self.topics: dict[Severity, sns.Topic] = {}
        for severity in SEVERITIES:
            topic = sns.Topic(
                self, severity,
                topic_name=naming.topic_name(plan.name, severity),
                display_name=f"vigil {plan.name} {severity}",
                master_key=self.key,
                enforce_ssl=True,
            )
            topic.add_to_resource_policy(iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsOfThisAccount",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=alarms_of_this_account,
            ))
            topic.add_to_resource_policy(iam.PolicyStatement(
                sid="DenyPublishingByAnyoneButCloudWatch",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"Bool": {"aws:PrincipalIsAWSService": "false"}},
            ))
            self.topics[severity] = topic


class Channels(Construct):
    """Subscribes every channel to the topics of the severities routed to it."""

    def __init__(self, scope: Construct, construct_id: str, *, plan: EnvironmentPlan, topics: SeverityTopics,
                 region_suffix: str | None = None, secret_values: Mapping[str, str] | None = None) -> None:
        """`region_suffix` qualifies the names that must be unique across the account's regions (Chatbot
        configurations) in a regional routing stack. `secret_values` gives, by channel name, what stands for the
        channel's secret in place of its dynamic reference (secret_reference): the StackSet's member template
        takes them as NoEcho parameters (vigil/constructs/organisation.py)."""
        super().__init__(scope, construct_id)
        self.plan = plan
        self.region_suffix = region_suffix
        self.secret_values = dict(secret_values or {})
        for name, channel in plan.channels.items():
            routed = [topics.topics[severity] for severity in plan.severities_for(name)]
            if not routed:
                continue
            if channel.endpoint is not None:
                self._endpoint(name, channel.endpoint, routed)
            elif isinstance(channel, PagerDutyChannel):
                self._pagerduty(name, channel, routed)
            elif isinstance(channel, EmailChannel):
                self._email(name, channel, routed)
            elif channel.webhook is not None:
                self._slack_webhook(name, channel.webhook, routed)
            else:
                self._slack_chatbot(name, channel, routed)

    def _pagerduty(self, name: str, channel: PagerDutyChannel, topics: list[sns.Topic]) -> None:
        key = self.secret_values.get(name) or secret_reference(channel.integration_key)
        for topic in topics:
            sns.CfnSubscription(
                self, f"{name}-{topic.node.id}",
                topic_arn=topic.topic_arn,
                protocol="https",
                endpoint=PAGERDUTY_ENDPOINT.format(key=key),
                delivery_policy=HTTPS_DELIVERY_POLICY,
            )

    def _endpoint(self, name: str, url: str, topics: list[sns.Topic]) -> None:
        """A local environment's receiver on loopback, in place of the channel's real delivery."""
        for topic in topics:
            sns.CfnSubscription(self, f"{name}-{topic.node.id}", topic_arn=topic.topic_arn,
                                protocol=url.split(":", 1)[0], endpoint=url)

    def _email(self, name: str, channel: EmailChannel, topics: list[sns.Topic]) -> None:
        for topic in topics:
            sns.CfnSubscription(self, f"{name}-{topic.node.id}", topic_arn=topic.topic_arn, protocol="email",
                                endpoint=channel.address)

    def _slack_chatbot(self, name: str, channel: SlackChannel, topics: list[sns.Topic]) -> None:
        role = iam.Role(
            self, f"{name}-role",
            assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
            description="AWS Chatbot: read alarm details to render notifications",
            inline_policies={"notifications": iam.PolicyDocument(statements=[iam.PolicyStatement(
                actions=list(CHATBOT_READ_ACTIONS),
                resources=["*"],
            )])},
        )
        acknowledge_wildcards(role, ["Resource::*"], "Chatbot renders alarm notifications with CloudWatch read "
                              "actions, which take no resource-level permissions; the role can read, never change.")
        chatbot.SlackChannelConfiguration(
            self, name,
            slack_channel_configuration_name=naming.channel_resource_name(self.plan.scope, name, self.region_suffix),
            slack_workspace_id=channel.workspace_id or "",
            slack_channel_id=channel.channel_id or "",
            notification_topics=topics,
            role=role,
            guardrail_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("CloudWatchReadOnlyAccess")],
            logging_level=chatbot.LoggingLevel.ERROR,
        )

    def _slack_webhook(self, name: str, secret: SecretRef, topics: list[sns.Topic]) -> None:
        function_name = naming.channel_resource_name(self.plan.scope, name)
        log_group = logs.LogGroup(
            self, f"{name}-logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=FORWARDER_LOG_RETENTION,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        log_group_arn = (f"arn:{cdk.Aws.PARTITION}:logs:{self.plan.region}:{self.plan.account}:log-group:"
                         f"/aws/lambda/{function_name}")
        role = iam.Role(
            self, f"{name}-role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Slack forwarder {function_name}: write its logs, read its webhook secret",
            inline_policies={"forwarder": iam.PolicyDocument(statements=[
                iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                    resources=[f"{log_group_arn}:*"]),
                iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"],
                                    resources=[naming.secret_arn(cdk.Aws.PARTITION, self.plan.region,
                                                                   self.plan.account, secret.secret)]),
            ])},
        )
        acknowledge_wildcards(
            role, [f"Resource::{log_group_arn.replace(cdk.Aws.PARTITION, '<AWS::Partition>')}:*"],
            "The function writes log streams it creates at run time, all under its own log group.")
        environment = {"WEBHOOK_SECRET_ID": secret.secret, "VIGIL_ENV": self.plan.name}
        if secret.field:
            environment["WEBHOOK_SECRET_FIELD"] = secret.field
        if self.plan.webhook_hosts:
            # the function posts only to Slack's webhook hosts and these (vigil/functions/slack_forwarder)
            environment["WEBHOOK_ALLOWED_HOSTS"] = ",".join(self.plan.webhook_hosts)
        code = s3_assets.Asset(self, f"{name}-code", path=str(SLACK_FORWARDER_DIR),
                               exclude=["__pycache__", "*.pyc"])
        function = lambda_.CfnFunction(
            self, name,
            function_name=function_name,
            description="Formats CloudWatch alarm notifications for a Slack incoming webhook",
            runtime=PYTHON_RUNTIME,
            handler="handler.handler",
            code=lambda_.CfnFunction.CodeProperty(s3_bucket=code.s3_bucket_name, s3_key=code.s3_object_key),
            timeout=30,
            memory_size=128,
            role=role.role_arn,
            logging_config=lambda_.CfnFunction.LoggingConfigProperty(log_group=log_group.log_group_name),
            environment=lambda_.CfnFunction.EnvironmentProperty(variables=environment),
        )
        for topic in topics:
            lambda_.CfnPermission(
                self, f"{name}-{topic.node.id}-invoke",
                action="lambda:InvokeFunction",
                function_name=function.attr_arn,
                principal="sns.amazonaws.com",
                source_arn=topic.topic_arn,
            )
            sns.CfnSubscription(self, f"{name}-{topic.node.id}", topic_arn=topic.topic_arn, protocol="lambda",
                                endpoint=function.attr_arn)


def secret_reference(secret: SecretRef) -> str:
    """A Secrets Manager dynamic reference, resolved by CloudFormation at deploy time in the stack's account
    and region. Never inside a template that a resource property carries (a StackSet's TemplateBody): the
    enclosing stack would resolve it and the secret's value would become part of that template."""
    value = cdk.SecretValue.secrets_manager(secret.secret, json_field=secret.field)
    return value.unsafe_unwrap()
