"""CloudWatch Synthetics canaries of one service: per canary an artifact bucket, an execution role limited to
what the canary needs, and the canary itself with its generated script inline. L1 resources throughout."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_synthetics as synthetics
from constructs import Construct

from vigil import naming
from vigil.constructs.routing import acknowledge_wildcards
from vigil.plan.canaries import NAMESPACE
from vigil.plan.model import CanaryPlan


class ServiceCanaries(Construct):
    """Every canary of a service; construct ids are canary keys. Their alarms are built with the service's
    other alarms (`ServiceAlarms`), since the plan lists them there."""

    def __init__(self, scope: Construct, construct_id: str, *, canaries: tuple[CanaryPlan, ...],
                 region: str, account: str) -> None:
        super().__init__(scope, construct_id)
        self.canaries: dict[str, synthetics.CfnCanary] = {}
        for plan in canaries:
            self.canaries[plan.key] = _Canary(self, plan.key, plan=plan, region=region, account=account).canary


class _Canary(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, plan: CanaryPlan, region: str, account: str) -> None:
        super().__init__(scope, construct_id)
        bucket = s3.CfnBucket(
            self, "Artifacts",
            bucket_encryption={"serverSideEncryptionConfiguration": [
                {"serverSideEncryptionByDefault": {"sseAlgorithm": "AES256"}, "bucketKeyEnabled": True}]},
            public_access_block_configuration={"blockPublicAcls": True, "blockPublicPolicy": True,
                                               "ignorePublicAcls": True, "restrictPublicBuckets": True},
            ownership_controls={"rules": [{"objectOwnership": "BucketOwnerEnforced"}]},
            lifecycle_configuration={"rules": [{
                "id": "canary-artifacts", "status": "Enabled", "expirationInDays": plan.artifact_expiry,
                "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
            }]},
        )
        bucket.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        cdk.Validations.of(bucket).acknowledge(cdk.Acknowledgment(
            id="AwsSolutions-S1",
            reason="Holds only canary run artifacts (logs, reports) that expire with the run retention; writes "
                   "come from the canary's own role, and CloudTrail records its API calls."))
        s3.CfnBucketPolicy(
            self, "ArtifactsPolicy",
            bucket=bucket.ref,
            policy_document={"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                "Resource": [bucket.attr_arn, f"{bucket.attr_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }]},
        )
        log_prefix = naming.canary_log_group_prefix(plan.name)
        log_group_arn = f"arn:{cdk.Aws.PARTITION}:logs:{region}:{account}:log-group:{log_prefix}-*"
        statements = [
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[f"{bucket.attr_arn}/*"]),
            iam.PolicyStatement(actions=["s3:GetBucketLocation"], resources=[bucket.attr_arn]),
            iam.PolicyStatement(actions=["s3:ListAllMyBuckets"], resources=["*"]),
            # Without logs:CreateLogGroup when the stack creates the log group (below) with its retention, so the
            # function can never create it first without one.
            iam.PolicyStatement(actions=[*([] if plan.owns_log_group else ["logs:CreateLogGroup"]),
                                         "logs:CreateLogStream", "logs:PutLogEvents"], resources=[log_group_arn]),
            iam.PolicyStatement(actions=["cloudwatch:PutMetricData"], resources=["*"],
                                conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}}),
        ]
        if plan.secret_ids:
            statements.append(iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[naming.secret_arn(cdk.Aws.PARTITION, region, account, secret)
                           for secret in plan.secret_ids]))
        role = iam.Role(
            self, "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Canary {plan.name}: write its artifacts, logs and metrics"
                        + (", read its secrets" if plan.secret_ids else ""),
            inline_policies={"canary": iam.PolicyDocument(statements=statements)},
        )
        partition = "<AWS::Partition>"
        acknowledge_wildcards(
            role,
            [f"Resource::<{cdk.Stack.of(self).get_logical_id(bucket)}.Arn>/*",
             "Resource::*",
             f"Resource::{log_group_arn.replace(cdk.Aws.PARTITION, partition)}"],
            "Synthetics runs the canary as a Lambda function: it writes artifacts under its own bucket, log "
            "streams of its own cwsyn-<name>-<canary id> log group (the id is known after creation), metrics "
            "only in the CloudWatchSynthetics namespace (a condition; PutMetricData has no resource), and lists "
            "buckets to find its artifact bucket.")
        self.canary = synthetics.CfnCanary(
            self, "Canary",
            name=plan.name,
            runtime_version=plan.runtime,
            execution_role_arn=role.role_arn,
            artifact_s3_location=f"s3://{bucket.ref}/{plan.name}",
            artifact_config={"s3Encryption": {"encryptionMode": "SSE_S3"}},
            code={"handler": plan.handler, "script": plan.script},
            schedule={"expression": plan.schedule},
            run_config={"timeoutInSeconds": plan.run_timeout},
            success_retention_period=plan.success_retention,
            failure_retention_period=plan.failure_retention,
            start_canary_after_creation=True,
            provisioned_resource_cleanup="AUTOMATIC",
        )
        if plan.owns_log_group:
            # The log group of the canary's function, owned here so that it has a retention; retained, like every
            # log group vigil owns, when the canary is removed. Its name holds the canary id, known once the
            # canary exists.
            log_group = logs.CfnLogGroup(
                self, "Logs",
                log_group_name=cdk.Fn.join("", [f"{log_prefix}-", self.canary.attr_id]),
                retention_in_days=plan.log_retention,
            )
            log_group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)

