"""The one place that names deployed things. Names are part of the contract: changing one replaces a resource."""

from __future__ import annotations

from vigil.spec.types import Severity


def alarm_name(env: str, service: str, key: str) -> str:
    """CloudWatch alarm name: `{env}-{service}-{key}`, e.g. `prod-coaching-api-down`."""
    return f"{env}-{service}-{key}"


def topic_name(env: str, severity: Severity) -> str:
    """SNS topic for one severity: `vigil-{env}-{severity}`."""
    return f"vigil-{env}-{severity}"


def topic_arn(partition: str, region: str, account: str, env: str, severity: Severity) -> str:
    """The ARN of a severity topic, built from its name so that service stacks need no cross-stack export."""
    return f"arn:{partition}:sns:{region}:{account}:{topic_name(env, severity)}"


def dashboard_name(env: str, name: str) -> str:
    """CloudWatch dashboard name: `{env}-{name}`."""
    return f"{env}-{name}"


def routing_stack_name(env: str) -> str:
    """The stack holding an environment's severity topics and channels."""
    return f"vigil-{env}-routing"


def service_stack_name(env: str, service: str) -> str:
    """The stack holding one service's monitoring in one environment."""
    return f"vigil-{env}-{service}"


def channel_resource_name(env: str, channel: str) -> str:
    """Name for per-channel resources (Chatbot configuration, forwarder function): `vigil-{env}-{channel}`."""
    return f"vigil-{env}-{channel}"


def drill_alarm_name(env: str, severity: Severity) -> str:
    """The routing drill alarm of one severity: `vigil-{env}-drill-{severity}`."""
    return f"vigil-{env}-drill-{severity}"
