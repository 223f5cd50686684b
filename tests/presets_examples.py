"""One resource of every preset type, with every input given: the service the preset tests plan and synthesize."""

from __future__ import annotations

EVERY_TYPE = {
    "fn": {"type": "lambda", "function": "orders-fn", "timeout": "30s", "reserved_concurrency": 50},
    "queue": {"type": "sqs", "queue": "orders", "dlq": "orders-dlq", "max_age": "15m", "max_visible": 1000,
              "max_in_flight": 500},
    "topic": {"type": "sns", "topic": "alerts", "min_published": 10, "min_delivered": 10},
    "table": {"type": "dynamodb", "table": "orders", "replica_region": "eu-west-1"},
    "rest": {"type": "apigateway-rest", "api": "orders", "stage": "prod", "min_requests": 100},
    "http": {"type": "apigateway-http", "api_id": "a1b2c3", "min_requests": 100},
    "alb": {"type": "alb", "load_balancer": "app/web/123", "target_group": "targetgroup/web/456",
            "max_response_time": "2s"},
    "nlb": {"type": "nlb", "load_balancer": "net/tcp/789", "target_group": "targetgroup/tcp/012"},
    "ecs": {"type": "ecs-service", "cluster": "web", "service": "api"},
    "db": {"type": "rds-instance", "instance": "db1", "allocated_storage": 100, "memory": 16,
           "max_connections": 1000},
    "aurora": {"type": "aurora-cluster", "cluster": "c1", "volume_limit": 128},
    "cache": {"type": "elasticache", "cluster": "cache-001", "max_memory_percent": 90, "max_connections": 60000,
              "max_replication_lag": "30s"},
    "stream": {"type": "kinesis", "stream": "events", "max_failed_records": 10, "max_read_throttled": 0.1,
               "max_write_throttled": 0.1},
    "sfn": {"type": "stepfunctions", "state_machine": "orders"},
    "bucket": {"type": "s3", "bucket": "assets"},
    "cdn": {"type": "cloudfront", "distribution": "E123", "max_5xx_rate": 5},
    "rule": {"type": "eventbridge-rule", "rule": "nightly"},
    "search": {"type": "opensearch", "domain": "search", "storage_per_node": 100, "nodes": 3},
    "asg": {"type": "autoscaling", "group": "web-asg", "min_capacity": 2},
    "check": {"type": "route53-healthcheck", "health_check": "abcdef12-3456-7890-abcd-ef1234567890"},
}
"""Resource key -> resource, one per catalog type (off-by-default alarms are switched on by `every_type_yaml`)."""
OFF_BY_DEFAULT = {"queue": ["no-messages-sent"], "db": ["replica-lag", "transaction-ids"]}
"""The catalog alarms that are off unless a spec enables them, by resource of EVERY_TYPE."""


def every_type_yaml(off_by_default: dict[str, list[str]]) -> str:
    """A service file monitoring EVERY_TYPE, with the listed off-by-default alarms (resource -> alarm keys) on."""
    import json

    resources = {}
    for key, resource in EVERY_TYPE.items():
        alarms = {alarm: {"enabled": True} for alarm in off_by_default.get(key, [])}
        resources[key] = {**resource, **({"alarms": alarms} if alarms else {})}
    return ("version: 1\nservice: shop\nowner: shop-team\nrunbook: https://runbooks.example.com/shop\nresources:\n"
            + "".join(f"  {key}: {json.dumps(value)}\n" for key, value in resources.items()))
