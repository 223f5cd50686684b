"""CloudWatch cross-account observability and the StackSet that rolls out what every account needs.

- `ObservabilitySink`: an `AWS::Oam::Sink` in the monitoring account with a policy letting the environment's
  accounts (or its whole organisation) link to it, sharing only the resource types vigil needs.
- `observability_link`: an `AWS::Oam::Link` from a source account to a sink.
- `BaselineStackSet`: an `AWS::CloudFormation::StackSet` with service-managed permissions (CallAs
  DELEGATED_ADMIN: the monitoring account is a delegated administrator for StackSets), deployed to
  organisational units with automatic deployment, failure tolerance and concurrency from the environment file.
  Its template (the OAM link; with per-account routing the severity topics, channels and drills; with log
  retention its function, vigil/constructs/log_retention.py) is
  synthesized from a stack of its own in a separate CDK app and passed inline as TemplateBody: it has no
  assets, so no bucket needs to be readable across the organisation.

cdklabs/cdk-stacksets (0.0.x, experimental) was considered: its StackSetStack publishes the member template
as an asset that every target account must read from a shared bucket; an inline template needs none of that.
Properties follow https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudformation-stackset.html
and https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-oam-sink.html.
"""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_oam as oam
from constructs import Construct

from vigil import naming
from vigil.app_settings import APP_CONTEXT, APP_PROPS
from vigil.constructs.alarms import ServiceAlarms
from vigil.constructs.log_retention import LogRetention
from vigil.constructs.routing import Channels, SeverityTopics, secret_reference
from vigil.plan.model import EnvironmentPlan, SinkPlan, StackSetPlan
from vigil.plan.monitoring import SHARED_RESOURCE_TYPES
from vigil.spec.environment import PagerDutyChannel, SecretRef

SINK_PARAMETER = "SinkArn"
"""The member template's parameter naming its region's sink (a sink's ARN is known only once it exists)."""
LINK_LABEL = "$AccountName"
"""How the monitoring account labels a source account's data: its account name."""
CONCURRENCY_MODES = {"soft": "SOFT_FAILURE_TOLERANCE", "strict": "STRICT_FAILURE_TOLERANCE"}
"""StackSetSpec.concurrency_mode -> OperationPreferences ConcurrencyMode (API_StackSetOperationPreferences)."""
MAX_TEMPLATE_BODY = 51_200
"""CloudFormation's limit on an inline TemplateBody, in bytes."""


def sink_policy(sink: SinkPlan) -> dict[str, Any]:
    """Who may link to `sink` and share what: the listed accounts or any account of the organisation, and only
    the sink's resource types (https://docs.aws.amazon.com/OAM/latest/APIReference/API_PutSinkPolicy.html)."""
    condition: dict[str, Any] = {"ForAllValues:StringEquals": {"oam:ResourceTypes": list(sink.resource_types)}}
    statement: dict[str, Any] = {"Effect": "Allow", "Action": ["oam:CreateLink", "oam:UpdateLink"], "Resource": "*"}
    if sink.organization_id:
        statement["Principal"] = "*"
        condition["ForAnyValue:StringEquals"] = {"aws:PrincipalOrgID": sink.organization_id}
    else:
        statement["Principal"] = {"AWS": list(sink.accounts)}
    statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


class ObservabilitySink(Construct):
    """The monitoring account's sink in one region; `arn` is its ARN."""

    def __init__(self, scope: Construct, construct_id: str, *, sink: SinkPlan) -> None:
        super().__init__(scope, construct_id)
        resource = oam.CfnSink(self, "Resource", name=sink.name, policy=sink_policy(sink))
        self.arn: str = resource.attr_arn


def observability_link(scope: Construct, construct_id: str, sink_arn: str) -> oam.CfnLink:
    """A source account's link to the sink `sink_arn` of its region, sharing SHARED_RESOURCE_TYPES."""
    return oam.CfnLink(scope, construct_id, label_template=LINK_LABEL, resource_types=list(SHARED_RESOURCE_TYPES),
                       sink_identifier=sink_arn)


def member_template(plan: StackSetPlan) -> dict[str, Any]:
    """The template every account of the StackSet gets: the OAM link to the region's sink (parameter
    SINK_PARAMETER), with per-account routing the routing baseline and with `log_retention` the function that
    keeps its log groups' retention, for whatever account and region it is deployed in (CloudFormation's
    pseudo parameters in place of an account and region)."""
    with tempfile.TemporaryDirectory(prefix="vigil-stackset-") as outdir:
        app = cdk.App(outdir=outdir, context=dict(APP_CONTEXT), **APP_PROPS)
        stack = cdk.Stack(app, "Member", synthesizer=cdk.DefaultStackSynthesizer(
            generate_bootstrap_version_rule=False))
        sink_arn = cdk.CfnParameter(stack, SINK_PARAMETER, type="String",
                                    description="ARN of the monitoring account's sink in this region")
        observability_link(stack, "Link", sink_arn.value_as_string)
        if plan.routing_plan is not None:
            _routing_baseline(stack, plan.routing_plan)
        if plan.log_retention is not None:
            LogRetention(stack, "LogRetention", plan=plan.log_retention)
        return dict(app.synth().get_stack_artifact(stack.artifact_id).template)


def channel_secrets(plan: EnvironmentPlan) -> dict[str, SecretRef]:
    """The channels of the routing baseline whose delivery needs a secret (a PagerDuty integration key), by
    name. The member template takes each as a NoEcho parameter (secret_parameter) and the StackSet passes it the
    secret's dynamic reference, which CloudFormation resolves in the monitoring account. Written into the member
    template itself, the reference would be resolved there too, and the secret's value would be stored as part
    of the StackSet's template, readable by whoever may describe it."""
    return {name: channel.integration_key for name, channel in plan.channels.items()
            if isinstance(channel, PagerDutyChannel) and channel.endpoint is None and plan.severities_for(name)}


def secret_parameter(channel: str) -> str:
    """The member template's parameter for the secret of `channel`: `pagerduty-primary` -> PagerdutyPrimarySecret."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", channel) if part) + "Secret"


def _routing_baseline(stack: cdk.Stack, plan: EnvironmentPlan) -> None:
    """Severity topics, channels and drills for the account and region the member stack is deployed in.
    Chatbot configurations are global to an account, so their names carry the region."""
    here = dataclasses.replace(plan, account=cdk.Aws.ACCOUNT_ID, region=cdk.Aws.REGION,
                               scope=naming.regional_scope(plan.name, cdk.Aws.REGION))
    topics = SeverityTopics(stack, "Topics", plan=here)
    secrets = {name: cdk.CfnParameter(stack, secret_parameter(name), type="String", no_echo=True,
                                      description=f"The secret of channel {name}").value_as_string
               for name in channel_secrets(plan)}
    Channels(stack, "Channels", plan=here, topics=topics, secret_values=secrets)
    ServiceAlarms(stack, "Drills", alarms=plan.drills, topic_arns={
        naming.topic_name(plan.name, severity): topic.topic_arn for severity, topic in topics.topics.items()})


class BaselineStackSet(Construct):
    """The StackSet of one region, deploying `member_template(plan)` to the plan's organisational units in
    that region with the sink's ARN as parameter."""

    def __init__(self, scope: Construct, construct_id: str, *, plan: StackSetPlan, sink_arn: str) -> None:
        super().__init__(scope, construct_id)
        body = json.dumps(member_template(plan), separators=(",", ":"), sort_keys=True)
        if len(body.encode()) > MAX_TEMPLATE_BODY:
            raise ValueError(f"the StackSet template is {len(body.encode())} bytes; CloudFormation takes "
                             f"{MAX_TEMPLATE_BODY} inline")
        capabilities = ["CAPABILITY_IAM"] if plan.routing_plan or plan.log_retention else None
        secrets = channel_secrets(plan.routing_plan) if plan.routing_plan is not None else {}
        cloudformation.CfnStackSet(
            self, "Resource",
            stack_set_name=plan.name,
            description=f"vigil: what every account of {', '.join(plan.organizational_units)} needs in "
                        f"{plan.region}",
            permission_model="SERVICE_MANAGED",
            call_as="DELEGATED_ADMIN",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=plan.auto_deployment,
                retain_stacks_on_account_removal=plan.retain_stacks_on_account_removal),
            managed_execution={"Active": True},
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                failure_tolerance_percentage=plan.failure_tolerance_percentage,
                max_concurrent_percentage=plan.max_concurrent_percentage,
                concurrency_mode=CONCURRENCY_MODES[plan.concurrency_mode],
                region_concurrency_type="PARALLEL"),
            capabilities=capabilities,
            parameters=[cloudformation.CfnStackSet.ParameterProperty(parameter_key=SINK_PARAMETER,
                                                                     parameter_value=sink_arn),
                        *(cloudformation.CfnStackSet.ParameterProperty(parameter_key=secret_parameter(name),
                                                                       parameter_value=secret_reference(secret))
                          for name, secret in sorted(secrets.items()))],
            stack_instances_group=[cloudformation.CfnStackSet.StackInstancesProperty(
                deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                    organizational_unit_ids=list(plan.organizational_units)),
                regions=[plan.region])],
            template_body=body,
        )
