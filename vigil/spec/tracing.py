"""The `tracing` section of a service file: X-Ray groups and sampling rules."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from vigil.limits import MAX_SAMPLING_ATTRIBUTES
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Name, SpecModel

TracingKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
"""The key of an X-Ray group or sampling rule: letters, digits, `-` and `_`; at most 32 characters. The deployed
name is `{env}-{key}`, which X-Ray limits to 32 characters."""


class TracingOverride(SpecModel):
    """What one environment changes in an X-Ray group or sampling rule."""

    enabled: bool | None = Field(default=None, description="false drops the item in this environment.")


def filter_expression_error(expression: str) -> str:
    """Why `expression` cannot be an X-Ray filter expression (unbalanced quotes or parentheses), or ''."""
    depth = 0
    quote = ""
    for char in expression:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return "a ')' without its '('"
    if quote:
        return f"an unclosed {quote} quote"
    if depth:
        return "a '(' without its ')'"
    return ""


class XRayGroupSpec(SpecModel):
    """An X-Ray group: the traces matching a filter expression, with optional X-Ray Insights."""

    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"notifications": {"const": True}}, "required": ["notifications"]},
        "then": {"properties": {"insights": {"const": True}}, "required": ["insights"]},
    })

    filter: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        description="X-Ray filter expression, e.g. service(\"coaching\") AND responsetime > 2 (seconds)."
    )
    insights: bool = Field(default=False, description="Enable X-Ray Insights (anomaly detection) on the group; "
                                                      "default false.")
    notifications: bool = Field(default=False, description="Send Insights notifications through EventBridge; "
                                                           "needs insights: true; default false.")
    enabled: bool = Field(default=True, description="false drops the group; default true.")
    env: dict[Name, TracingOverride] = Field(default_factory=dict, description="Per-environment overrides.")

    @model_validator(mode="after")
    def _filter_and_insights(self) -> Self:
        problems = RuleProblems()
        if self.notifications and not self.insights:
            problems.add(("notifications",), "Insights notifications need insights: true")
        error = filter_expression_error(self.filter)
        if error:
            problems.add(("filter",), f"expected an X-Ray filter expression: {error}", self.filter)
        problems.raise_any(type(self))
        return self


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
        default="*", description="HTTP method, e.g. GET; default *.",
        json_schema_extra={"pattern": r"^(\*|[A-Za-z*?]*[A-Za-z][A-Za-z*?]*)$"})
    url_path: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        default="*", description="Request URL path, e.g. /api/*; default *.", json_schema_extra={"pattern": "^[/*]"})
    resource_arn: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        default="*", description="ARN of the resource the service runs on; default *.")
    attributes: dict[AttributeText, AttributeText] = Field(
        default_factory=dict, description="Segment attributes that must match (at most 5).",
        json_schema_extra={"maxProperties": MAX_SAMPLING_ATTRIBUTES})
    enabled: bool = Field(default=True, description="false drops the rule; default true.")
    env: dict[Name, TracingOverride] = Field(default_factory=dict, description="Per-environment overrides.")

    @model_validator(mode="after")
    def _method_path_and_attributes(self) -> Self:
        problems = RuleProblems()
        if len(self.attributes) > MAX_SAMPLING_ATTRIBUTES:
            problems.add(("attributes",), f"{len(self.attributes)} attributes; X-Ray allows {MAX_SAMPLING_ATTRIBUTES}")
        if self.method != "*" and not self.method.replace("*", "").replace("?", "").isalpha():
            problems.add(("method",), f'expected an HTTP method like GET or *, got "{self.method}"')
        if self.url_path != "*" and not self.url_path.startswith(("/", "*")):
            problems.add(("url_path",), f'expected a path starting with / (or *), got "{self.url_path}"')
        problems.raise_any(type(self))
        return self


class TracingSpec(SpecModel):
    """X-Ray groups and sampling rules of a service. Names are `{env}-{key}`, unique per account and region."""

    groups: dict[TracingKey, XRayGroupSpec] = Field(default_factory=dict, description="X-Ray groups by key.")
    sampling: dict[TracingKey, SamplingRuleSpec] = Field(default_factory=dict,
                                                         description="X-Ray sampling rules by key.")
