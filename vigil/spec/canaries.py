"""The `canaries` section of a service file: CloudWatch Synthetics checks of HTTP endpoints.

A canary is either a heartbeat (`url`, one request) or a multi-step API check (`steps`, requests in order).
Strings in URLs, header values and JSON bodies may use `${name}`: a value saved from an earlier response
(`save`) or read from Secrets Manager at run time (`secrets`). `${...}` is not Jinja2: spec files are rendered
with Jinja2 first, and `${...}` passes through unchanged.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from vigil.spec.environment import SecretRef
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Duration, HttpsUrl, Name, Severity, SpecModel, Threshold

CanaryKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
"""A canary key: lowercase letters, digits, `-` and `_`, starting with a letter; at most 64 characters (canary
names allow only lowercase)."""

VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
"""A `${name}` variable: letters, digits and `_`, not starting with a digit."""

HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$")]
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
JsonPath = Annotated[str, StringConstraints(pattern=r"^[^.\s]+(\.[^.\s]+)*$", max_length=256)]
"""A dotted path into a JSON document: `access_token`, `data.items.0.id` (numbers index lists)."""


def _header_value(value: object) -> str | SecretRef:
    """A header value: text, or a Secrets Manager reference `{secret: name, field: key}` read at run time."""
    if isinstance(value, str | SecretRef):
        return value
    if isinstance(value, dict):
        try:
            return SecretRef.model_validate(value)
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in detail["loc"])
            reason = "is missing" if detail["type"] == "missing" else f"is invalid ({detail['msg'].lower()})"
            raise ValueError(f"expected text or {{secret: name, field: key}}: {where} {reason}") from None
    raise ValueError(f"expected text or {{secret: name, field: key}}, got {value!r}")


HeaderValue = Annotated[
    str | SecretRef,
    PlainValidator(_header_value),
    WithJsonSchema({"anyOf": [{"type": "string"}, SecretRef.model_json_schema()]}),
]


class ExpectSpec(SpecModel):
    """What a response must be for the check to pass."""

    status: int = Field(default=200, ge=100, le=599, description="Expected HTTP status code; default 200.")
    body_contains: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = Field(
        default=None, description="Text the response body must contain.")
    json_fields: dict[JsonPath, Any] = Field(
        default_factory=dict, alias="json",
        description="Dotted JSON paths and the values they must hold, e.g. {status: ready, checks.database: "
                    "healthy}; the body must be JSON.")


class RequestFields(SpecModel):
    """One HTTP request and its expected response."""

    method: Method = Field(default="GET", description="HTTP method; default GET.")
    headers: dict[HeaderName, HeaderValue] = Field(
        default_factory=dict, description="Request headers; a value is text (with ${name} variables) or "
                                          "{secret: name, field: key}, read from Secrets Manager at run time.")
    body: dict[str, Any] | list[Any] | None = Field(
        default=None, description="JSON request body, sent with Content-Type: application/json; strings may "
                                  "use ${name} variables.")
    expect: ExpectSpec = Field(default_factory=ExpectSpec, description="Expected response; default status 200.")


REQUEST_FIELDS = ("method", "headers", "body", "expect")
"""The fields of one request: on the canary for a heartbeat, on each step for an API check."""
_NO_BODY_METHODS = ("GET", "HEAD")
_NO_BODY_SCHEMA = {"if": {"properties": {"method": {"enum": list(_NO_BODY_METHODS)}}},
                   "then": {"not": {"required": ["body"]}}}


def _check_body(request: RequestFields, problems: RuleProblems) -> None:
    if request.method in _NO_BODY_METHODS and request.body is not None:
        problems.add(("body",), f"a {request.method} request has no body")


class StepSpec(RequestFields):
    """One request of a multi-step check."""

    model_config = ConfigDict(json_schema_extra=_NO_BODY_SCHEMA)

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")] = Field(
        description="Step name, unique in the canary; shown in failures, e.g. login.")
    url: HttpsUrl = Field(description="Request URL; may use ${name} variables.")
    save: dict[VariableName, JsonPath] = Field(
        default_factory=dict, description="Variables for later steps, from the JSON response: {token: "
                                          "access_token}.")

    @model_validator(mode="after")
    def _no_body_on_get(self) -> Self:
        problems = RuleProblems()
        _check_body(self, problems)
        problems.raise_any(type(self))
        return self


class CanaryOverride(SpecModel):
    """What one environment changes in a canary."""

    enabled: bool | None = Field(default=None, description="false drops the canary and its alarms here.")
    severity: Severity | None = Field(default=None, description="Severity of its alarms here.")
    every: Duration | None = Field(default=None, description="Schedule here.")


class FailureAlarmSpec(SpecModel):
    """When the SuccessPercent alarm fires: `failed` of the last `of` runs failed."""

    failed: int = Field(default=2, ge=1, description="Failed runs (M of N); default 2.")
    of: int = Field(default=3, ge=1, description="Runs evaluated (N); default 3.")

    @model_validator(mode="after")
    def _m_of_n(self) -> Self:
        problems = RuleProblems()
        if self.failed > self.of:
            problems.add(("failed",), f"expected at most alarm.of ({self.of}), got {self.failed}")
        problems.raise_any(type(self))
        return self


class DurationAlarmSpec(SpecModel):
    """An alarm on the canary's run time (CloudWatchSynthetics Duration, milliseconds)."""

    threshold: Threshold = Field(description='Breaching run time in milliseconds, e.g. "> 5000".')
    severity: Severity | None = Field(default=None, description="Default: the canary's severity.")


class CanarySpec(RequestFields):
    """A CloudWatch Synthetics canary: `url` for a heartbeat check or `steps` for an API workflow, run every
    `every`, with an alarm when it fails (`alarm`) and optionally when it is slow (`duration`)."""

    model_config = ConfigDict(json_schema_extra={
        "oneOf": [{"required": ["url"], **_NO_BODY_SCHEMA},
                  {"required": ["steps"], "not": {"anyOf": [{"required": [f]} for f in REQUEST_FIELDS]}}],
        "allOf": [{"properties": {"steps": {"minItems": 1}}}],
    })

    severity: Severity = Field(description="Severity of the canary's alarms; routes decide who is notified.")
    summary: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None, description="What a failure means, for the person notified.")
    runbook: HttpsUrl | None = Field(default=None, description="Default: the service's runbook.")
    enabled: bool = Field(default=True, description="false drops the canary; default true.")
    url: HttpsUrl | None = Field(default=None, description="Heartbeat: the URL requested; may use ${name} "
                                                           "variables from secrets.")
    steps: list[StepSpec] | None = Field(default=None, description="API check: requests in order, instead of url.")
    secrets: dict[VariableName, SecretRef] = Field(
        default_factory=dict, description="Variables read from Secrets Manager at run time (never stored in the "
                                          "template), e.g. {password: {secret: monitoring/canary-user, field: "
                                          "password}}.")
    every: Duration = Field(default=300, description="How often it runs: 1m to 1h in whole minutes; default 5m.")
    timeout: Duration = Field(default=30, description="Per request: fail when no answer arrives in time; "
                                                      "default 30s.")
    retention: Duration = Field(default=2678400, description="How long successful runs (and their S3 artifacts) "
                                                             "are kept: 1d to 455d; default 31d.")
    failure_retention: Duration | None = Field(default=None, description="How long failed runs are kept; "
                                                                         "default: retention.")
    alarm: FailureAlarmSpec = Field(default_factory=FailureAlarmSpec,
                                    description="SuccessPercent alarm; default failed 2 of the last 3 runs.")
    duration: DurationAlarmSpec | None = Field(default=None, description="Optional alarm on run time (ms).")
    env: dict[Name, CanaryOverride] = Field(default_factory=dict, description="Per-environment overrides.")

    @model_validator(mode="after")
    def _url_or_steps(self) -> Self:
        problems = RuleProblems()
        if (self.url is None) == (self.steps is None):
            problems.add((), "expected exactly one of url (a heartbeat) or steps (an API check), got "
                             + ("both" if self.url else "neither"))
        elif self.steps is not None:
            for field in REQUEST_FIELDS:
                if field in self.model_fields_set:
                    problems.add((field,), "set this on each step; this canary has steps")
            if not self.steps:
                problems.add(("steps",), "expected at least one step")
            seen: set[str] = set()
            for index, step in enumerate(self.steps):
                if step.name in seen:
                    problems.add(("steps", index, "name"), f'step "{step.name}" is already defined in this canary')
                seen.add(step.name)
        else:
            _check_body(self, problems)
        problems.raise_any(type(self))
        return self
