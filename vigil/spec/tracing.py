"""The `tracing` section of a service file: X-Ray groups and sampling rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from vigil.spec.types import Name, SpecModel

TracingKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
"""The key of an X-Ray group or sampling rule: letters, digits, `-` and `_`; at most 32 characters. The deployed
name is `{env}-{key}`, which X-Ray limits to 32 characters."""


class TracingOverride(SpecModel):
    """What one environment changes in an X-Ray group or sampling rule."""

    enabled: bool | None = Field(default=None, description="false drops the item in this environment.")


class XRayGroupSpec(SpecModel):
    """An X-Ray group: the traces matching a filter expression, with optional X-Ray Insights."""

    filter: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="X-Ray filter expression, e.g. service(\"coaching\") AND responsetime > 2 (seconds)."
    )
    insights: bool = Field(default=False, description="Enable X-Ray Insights (anomaly detection) on the group; "
                                                      "default false.")
    notifications: bool = Field(default=False, description="Send Insights notifications through EventBridge; "
                                                           "needs insights: true; default false.")
    enabled: bool = Field(default=True, description="false drops the group; default true.")
    env: dict[Name, TracingOverride] = Field(default_factory=dict, description="Per-environment overrides.")


AttributeText = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class SamplingRuleSpec(SpecModel):
    """An X-Ray sampling rule: `reservoir` traced requests per second, then `fixed_rate` of the rest, for the
    requests matching every field (`*` matches anything, `?` one character)."""

    priority: int = Field(default=1000, ge=1, le=9999, description="Lower is evaluated first; 1 to 9999; "
                                                                   "default 1000.")
    fixed_rate: float = Field(ge=0, le=1, description="Share of matching requests traced after the reservoir, "
                                                      "0 to 1 (0.05 = 5%).")
    reservoir: int = Field(default=1, ge=0, le=1_000_000, description="Requests traced per second before "
                                                                      "fixed_rate applies; default 1.")
    service: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default="*", description="Service name in the segments (a Lambda's function name); default *.")
    service_type: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default="*", description="Segment origin, e.g. AWS::Lambda::Function or AWS::ECS::Container; default *.")
    host: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(
        default="*", description="Request host name; default *.")
    method: Annotated[str, StringConstraints(min_length=1, max_length=10)] = Field(
        default="*", description="HTTP method, e.g. GET; default *.")
    url_path: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        default="*", description="Request URL path, e.g. /api/*; default *.")
    resource_arn: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        default="*", description="ARN of the resource the service runs on; default *.")
    attributes: dict[AttributeText, AttributeText] = Field(
        default_factory=dict, description="Segment attributes that must match (at most 5).")
    enabled: bool = Field(default=True, description="false drops the rule; default true.")
    env: dict[Name, TracingOverride] = Field(default_factory=dict, description="Per-environment overrides.")


class TracingSpec(SpecModel):
    """X-Ray groups and sampling rules of a service. Names are `{env}-{key}`, unique per account and region."""

    groups: dict[TracingKey, XRayGroupSpec] = Field(default_factory=dict, description="X-Ray groups by key.")
    sampling: dict[TracingKey, SamplingRuleSpec] = Field(default_factory=dict,
                                                         description="X-Ray sampling rules by key.")
