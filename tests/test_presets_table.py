"""Each preset alarm, as planned, equals the AWS recommendation it follows, field by field: namespace, metric,
dimensions, statistic, comparison, threshold, period, evaluation periods, datapoints to alarm, missing data.

The expected rows are copied from the AWS pages (CloudWatch user guide, "Recommended alarms"; OpenSearch Service,
"Recommended CloudWatch alarms"), independently of vigil/data/presets, with the inputs of tests/presets_examples.py
put into the thresholds AWS derives from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML
from tests.presets_examples import EVERY_TYPE, OFF_BY_DEFAULT, every_type_yaml
from vigil.plan.model import AlarmPlan
from vigil.plan.resolve import plan_workspace
from vigil.presets.catalog import catalog
from vigil.spec.workspace import read_sources

GIB, TIB = 1073741824, 1099511627776
ACCOUNT = ACCOUNTS["prod"]

# (resource, alarm): (namespace, metric, dimensions, stat, comparison, period s, N, M, missing data)
LAMBDA = {"FunctionName": "orders-fn"}
SQS, DLQ = {"QueueName": "orders"}, {"QueueName": "orders-dlq"}
SNS = {"TopicName": "alerts"}
DDB = {"TableName": "orders"}
REST, HTTP = {"ApiName": "orders", "Stage": "prod"}, {"ApiId": "a1b2c3", "Stage": "$default"}
TG = {"LoadBalancer": "app/web/123", "TargetGroup": "targetgroup/web/456"}
NLB = {"LoadBalancer": "net/tcp/789", "TargetGroup": "targetgroup/tcp/012"}
ECS = {"ClusterName": "web", "ServiceName": "api"}
RDS, AURORA = {"DBInstanceIdentifier": "db1"}, {"DBClusterIdentifier": "c1"}
CACHE, STREAM = {"CacheClusterId": "cache-001"}, {"StreamName": "events"}
S3 = {"BucketName": "assets", "FilterId": "EntireBucket"}
CDN = {"DistributionId": "E123", "Region": "Global"}
SFN = {"StateMachineArn": f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:orders"}
OS = {"DomainName": "search", "ClientId": ACCOUNT}
ASG = {"AutoScalingGroupName": "web-asg"}
CHECK = {"HealthCheckId": "abcdef12-3456-7890-abcd-ef1234567890"}

EXPECTED = {
    ("fn", "errors"): ("AWS/Lambda", "Errors", LAMBDA, "Sum", "> 1", 60, 3, 3, "notBreaching"),
    ("fn", "throttles"): ("AWS/Lambda", "Throttles", LAMBDA, "Sum", ">= 1", 60, 5, 5, "notBreaching"),
    ("fn", "duration"): ("AWS/Lambda", "Duration", LAMBDA, "p90", "> 24000", 60, 15, 15, "notBreaching"),
    ("fn", "concurrency"): ("AWS/Lambda", "ConcurrentExecutions", LAMBDA, "Maximum", "> 45", 60, 10, 10,
                           "notBreaching"),
    ("queue", "age"): ("AWS/SQS", "ApproximateAgeOfOldestMessage", SQS, "Maximum", ">= 900", 60, 15, 15, "missing"),
    ("queue", "backlog"): ("AWS/SQS", "ApproximateNumberOfMessagesVisible", SQS, "Average", ">= 1000", 60, 15, 15,
                           "missing"),
    ("queue", "in-flight"): ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", SQS, "Average", ">= 500", 60, 15,
                             15, "missing"),
    ("queue", "no-messages-sent"): ("AWS/SQS", "NumberOfMessagesSent", SQS, "Sum", "<= 0", 60, 15, 15, "breaching"),
    ("queue", "dlq"): ("AWS/SQS", "ApproximateNumberOfMessagesVisible", DLQ, "Maximum", ">= 1", 60, 1, 1,
                       "notBreaching"),
    ("topic", "failed"): ("AWS/SNS", "NumberOfNotificationsFailed", SNS, "Sum", "> 0", 60, 5, 5, "notBreaching"),
    ("topic", "invalid-attributes"): ("AWS/SNS", "NumberOfNotificationsFilteredOut-InvalidAttributes", SNS, "Sum",
                                      "> 0", 60, 5, 5, "notBreaching"),
    ("topic", "invalid-body"): ("AWS/SNS", "NumberOfNotificationsFilteredOut-InvalidMessageBody", SNS, "Sum", "> 0",
                                60, 5, 5, "notBreaching"),
    ("topic", "redriven-to-dlq"): ("AWS/SNS", "NumberOfNotificationsRedrivenToDlq", SNS, "Sum", "> 0", 60, 5, 5,
                                   "notBreaching"),
    ("topic", "failed-to-redrive"): ("AWS/SNS", "NumberOfNotificationsFailedToRedriveToDlq", SNS, "Sum", "> 0", 60,
                                     5, 5, "notBreaching"),
    ("topic", "published-low"): ("AWS/SNS", "NumberOfMessagesPublished", SNS, "Sum", "< 10", 60, 5, 5, "breaching"),
    ("topic", "delivered-low"): ("AWS/SNS", "NumberOfNotificationsDelivered", SNS, "Sum", "< 10", 60, 5, 5,
                                 "breaching"),
    ("table", "read-throttles"): ("AWS/DynamoDB", "ReadThrottleEvents", DDB, "Sum", "> 0", 60, 5, 5, "notBreaching"),
    ("table", "write-throttles"): ("AWS/DynamoDB", "WriteThrottleEvents", DDB, "Sum", "> 0", 60, 5, 5,
                                   "notBreaching"),
    ("table", "system-errors"): ("AWS/DynamoDB", "SystemErrors", DDB, "Sum", "> 0", 60, 15, 15, "notBreaching"),
    ("table", "replication-latency"): ("AWS/DynamoDB", "ReplicationLatency", {**DDB, "ReceivingRegion": "eu-west-1"},
                                       "Average", "> 180000", 60, 15, 15, "missing"),
    ("rest", "4xx"): ("AWS/ApiGateway", "4XXError", REST, "Average", "> 0.05", 60, 5, 5, "notBreaching"),
    ("rest", "5xx"): ("AWS/ApiGateway", "5XXError", REST, "Average", "> 0.05", 60, 3, 3, "notBreaching"),
    ("rest", "latency"): ("AWS/ApiGateway", "Latency", REST, "p90", ">= 2500", 60, 5, 5, "notBreaching"),
    ("rest", "requests-low"): ("AWS/ApiGateway", "Count", REST, "SampleCount", "< 100", 60, 10, 10, "breaching"),
    ("http", "4xx"): ("AWS/ApiGateway", "4xx", HTTP, "Average", "> 0.05", 60, 5, 5, "notBreaching"),
    ("http", "5xx"): ("AWS/ApiGateway", "5xx", HTTP, "Average", "> 0.05", 60, 3, 3, "notBreaching"),
    ("http", "latency"): ("AWS/ApiGateway", "Latency", HTTP, "p90", ">= 2500", 60, 5, 5, "notBreaching"),
    ("http", "requests-low"): ("AWS/ApiGateway", "Count", HTTP, "SampleCount", "< 100", 60, 10, 10, "breaching"),
    ("alb", "unhealthy-targets"): ("AWS/ApplicationELB", "UnHealthyHostCount", TG, "Maximum", "> 0", 60, 5, 5,
                                   "missing"),
    ("alb", "no-healthy-targets"): ("AWS/ApplicationELB", "HealthyHostCount", TG, "Minimum", "< 1", 60, 1, 1,
                                    "breaching"),
    ("alb", "response-time"): ("AWS/ApplicationELB", "TargetResponseTime", TG, "Average", "> 2", 60, 5, 5,
                               "notBreaching"),
    ("nlb", "unhealthy-targets"): ("AWS/NetworkELB", "UnHealthyHostCount", NLB, "Maximum", "> 0", 60, 5, 5,
                                   "missing"),
    ("nlb", "no-healthy-targets"): ("AWS/NetworkELB", "HealthyHostCount", NLB, "Minimum", "< 1", 60, 1, 1,
                                    "breaching"),
    ("ecs", "cpu"): ("AWS/ECS", "CPUUtilization", ECS, "Average", "> 80", 60, 5, 5, "missing"),
    ("ecs", "memory"): ("AWS/ECS", "MemoryUtilization", ECS, "Average", "> 80", 60, 5, 5, "missing"),
    ("ecs", "running-tasks"): ("ECS/ContainerInsights", "RunningTaskCount", ECS, "Average", "<= 0", 60, 5, 5,
                               "breaching"),
    ("ecs", "task-storage"): ("ECS/ContainerInsights", "TaskEphemeralStorageUtilization", ECS, "Average", "> 80", 60,
                              5, 5, "missing"),
    ("db", "cpu"): ("AWS/RDS", "CPUUtilization", RDS, "Average", "> 90", 60, 5, 5, "missing"),
    ("db", "free-storage"): ("AWS/RDS", "FreeStorageSpace", RDS, "Minimum", f"< {10 * GIB}", 60, 5, 5, "missing"),
    ("db", "freeable-memory"): ("AWS/RDS", "FreeableMemory", RDS, "Average", f"< {4 * GIB}", 60, 15, 15, "missing"),
    ("db", "connections"): ("AWS/RDS", "DatabaseConnections", RDS, "Average", "> 900", 60, 5, 5, "missing"),
    ("db", "read-latency"): ("AWS/RDS", "ReadLatency", RDS, "p90", "> 0.02", 60, 5, 5, "missing"),
    ("db", "write-latency"): ("AWS/RDS", "WriteLatency", RDS, "p90", "> 0.02", 60, 5, 5, "missing"),
    ("db", "replica-lag"): ("AWS/RDS", "ReplicaLag", RDS, "Maximum", "> 60", 60, 10, 10, "missing"),
    ("db", "transaction-ids"): ("AWS/RDS", "MaximumUsedTransactionIDs", RDS, "Average", "> 1000000000", 60, 1, 1,
                                "missing"),
    ("aurora", "writer-down"): ("AWS/RDS", "EngineUptime", {**AURORA, "Role": "WRITER"}, "Average", "<= 0", 60, 2, 2,
                                "missing"),
    ("aurora", "volume-left"): ("AWS/RDS", "AuroraVolumeBytesLeftTotal", AURORA, "Average", f"< {12.8 * TIB}", 60,
                                5, 5, "missing"),
    ("cache", "engine-cpu"): ("AWS/ElastiCache", "EngineCPUUtilization", CACHE, "Average", "> 90", 60, 5, 5,
                              "missing"),
    ("cache", "memory"): ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", CACHE, "Average", "> 90", 60, 5, 5,
                          "missing"),
    ("cache", "connections"): ("AWS/ElastiCache", "CurrConnections", CACHE, "Average", "> 60000", 60, 10, 10,
                               "missing"),
    ("cache", "replication-lag"): ("AWS/ElastiCache", "ReplicationLag", CACHE, "Average", "> 30", 60, 15, 15,
                                   "missing"),
    ("stream", "iterator-age"): ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", STREAM, "Maximum",
                                 "> 43200000", 60, 15, 15, "missing"),
    ("stream", "put-records-failed"): ("AWS/Kinesis", "PutRecords.FailedRecords", STREAM, "Sum", "> 10", 60, 5, 5,
                                       "notBreaching"),
    ("stream", "read-throttled"): ("AWS/Kinesis", "ReadProvisionedThroughputExceeded", STREAM, "Average", "> 0.1",
                                   60, 5, 5, "missing"),
    ("stream", "write-throttled"): ("AWS/Kinesis", "WriteProvisionedThroughputExceeded", STREAM, "Average", "> 0.1",
                                    60, 5, 5, "missing"),
    ("sfn", "failed"): ("AWS/States", "ExecutionsFailed", SFN, "Sum", "> 0", 60, 1, 1, "notBreaching"),
    ("sfn", "timed-out"): ("AWS/States", "ExecutionsTimedOut", SFN, "Sum", "> 0", 60, 1, 1, "notBreaching"),
    ("sfn", "throttled"): ("AWS/States", "ExecutionThrottled", SFN, "Sum", ">= 1", 60, 5, 5, "notBreaching"),
    ("bucket", "4xx"): ("AWS/S3", "4xxErrors", S3, "Average", "> 0.05", 60, 15, 15, "notBreaching"),
    ("bucket", "5xx"): ("AWS/S3", "5xxErrors", S3, "Average", "> 0.05", 60, 15, 15, "notBreaching"),
    ("cdn", "origin-latency"): ("AWS/CloudFront", "OriginLatency", CDN, "p90", "> 24000", 60, 5, 5, "notBreaching"),
    ("cdn", "5xx-rate"): ("AWS/CloudFront", "5xxErrorRate", CDN, "Average", "> 5", 60, 5, 5, "notBreaching"),
    ("rule", "failed-invocations"): ("AWS/Events", "FailedInvocations", {"RuleName": "nightly"}, "Sum", "> 0", 60, 1,
                                     1, "notBreaching"),
    ("rule", "dlq-failed"): ("AWS/Events", "InvocationsFailedToBeSentToDlq", {"RuleName": "nightly"}, "Sum", "> 0",
                             60, 1, 1, "notBreaching"),
    ("search", "red"): ("AWS/ES", "ClusterStatus.red", OS, "Maximum", ">= 1", 60, 1, 1, "missing"),
    ("search", "yellow"): ("AWS/ES", "ClusterStatus.yellow", OS, "Maximum", ">= 1", 60, 5, 5, "missing"),
    ("search", "free-storage"): ("AWS/ES", "FreeStorageSpace", OS, "Minimum", "<= 25600", 60, 1, 1, "missing"),
    ("search", "writes-blocked"): ("AWS/ES", "ClusterIndexWritesBlocked", OS, "Maximum", ">= 1", 300, 1, 1,
                                   "missing"),
    ("search", "nodes"): ("AWS/ES", "Nodes", OS, "Minimum", "< 3", 86400, 1, 1, "missing"),
    ("search", "snapshot-failed"): ("AWS/ES", "AutomatedSnapshotFailure", OS, "Maximum", ">= 1", 60, 1, 1, "missing"),
    ("search", "cpu"): ("AWS/ES", "CPUUtilization", OS, "Maximum", ">= 80", 900, 3, 3, "missing"),
    ("search", "jvm-memory"): ("AWS/ES", "JVMMemoryPressure", OS, "Maximum", ">= 95", 60, 3, 3, "missing"),
    ("asg", "in-service"): ("AWS/AutoScaling", "GroupInServiceCapacity", ASG, "Average", "< 2", 60, 10, 10,
                            "breaching"),
    ("check", "unhealthy"): ("AWS/Route53", "HealthCheckStatus", CHECK, "Average", "< 1", 60, 3, 3, "missing"),
}
# Math alarms: the share of requests (percent) AWS's "about 5% of the average traffic" describes.
EXPECTED_MATH = {
    ("alb", "target-5xx"): ("HTTPCode_Target_5XX_Count", "> 5", 60, 5, 5),
    ("alb", "elb-5xx"): ("HTTPCode_ELB_5XX_Count", "> 5", 60, 5, 5),
}
_SYMBOLS = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=", "LessThanThreshold": "<",
            "LessThanOrEqualToThreshold": "<="}


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AlarmPlan]:
    root = tmp_path_factory.mktemp("presets")
    (root / "environments").mkdir()
    (root / "environments" / "prod.yaml").write_text(ENVIRONMENT_YAML.format(name="prod", account=ACCOUNT))
    (root / "alarm_specs").mkdir()
    (root / "alarm_specs" / "shop.yaml").write_text(every_type_yaml(OFF_BY_DEFAULT))
    plan = plan_workspace(read_sources(Path(root)))
    return {alarm.key: alarm for alarm in plan.environments[0].services[0].alarms}


def test_the_table_covers_every_catalog_alarm() -> None:
    types = {key: resource["type"] for key, resource in EVERY_TYPE.items()}
    covered = {(types[resource], alarm) for resource, alarm in (*EXPECTED, *EXPECTED_MATH)}
    assert covered == {(name, alarm) for name, preset in catalog().items() for alarm in preset.alarms}


@pytest.mark.parametrize(("resource", "alarm"), sorted(EXPECTED), ids=[f"{r}-{a}" for r, a in sorted(EXPECTED)])
def test_metric_alarm_equals_the_recommendation(planned: dict[str, AlarmPlan], resource: str, alarm: str) -> None:
    namespace, metric, dimensions, stat, comparison, period, n, m, missing = EXPECTED[(resource, alarm)]
    plan = planned[f"{resource}-{alarm}"]
    assert plan.metric is not None
    assert (plan.metric.namespace, plan.metric.metric, dict(plan.metric.dimensions), plan.metric.stat) == \
        (namespace, metric, dimensions, stat)
    operator, value = comparison.split(" ")
    assert (_SYMBOLS[plan.operator or ""], plan.threshold) == (operator, pytest.approx(float(value)))
    assert (plan.period, plan.evaluation_periods, plan.datapoints_to_alarm, plan.missing_data) == \
        (period, n, m, missing)
    assert plan.preset == f"{resource} ({EVERY_TYPE[resource]['type']}/{alarm})"
    assert plan.summary and plan.kind == "threshold"


@pytest.mark.parametrize(("resource", "alarm"), sorted(EXPECTED_MATH))
def test_load_balancer_error_rate_is_the_share_of_requests(planned: dict[str, AlarmPlan], resource: str,
                                                           alarm: str) -> None:
    errors, comparison, period, n, m = EXPECTED_MATH[(resource, alarm)]
    plan = planned[f"{resource}-{alarm}"]
    by_metric = {q.metric: q for q in plan.metrics}
    assert set(by_metric) == {errors, "RequestCount"}
    assert all(q.stat == "Sum" and q.namespace == "AWS/ApplicationELB" and
               dict(q.dimensions) == {"LoadBalancer": "app/web/123"} for q in plan.metrics)
    assert plan.expression == "100 * FILL(errors, 0) / requests"
    assert f"{_SYMBOLS[plan.operator or '']} {plan.threshold:g}" == comparison
    assert (plan.period, plan.evaluation_periods, plan.datapoints_to_alarm) == (period, n, m)
