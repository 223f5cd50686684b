"""The `canaries` section of a service file: CloudWatch Synthetics checks of HTTP endpoints.

A canary is either a heartbeat (`url`, one request) or a multi-step API check (`steps`, requests in order).
Strings in URLs, header values and JSON bodies may use `${name}`: a value saved from an earlier response
(`save`) or read from Secrets Manager at run time (`secrets`). `${...}` is not Jinja2: spec files are rendered
with Jinja2 first, and `${...}` passes through unchanged.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    WrapValidator,
    model_validator,
)
from pydantic_core.core_schema import ValidatorFunctionWrapHandler
from typing_extensions import TypeAliasType

from vigil.limits import MAX_CANARY_RUN_SECONDS
from vigil.spec.canary_durations import DEFAULT_INTERVAL, Interval, Retention, Timeout, run_seconds, run_time_schema
from vigil.spec.durations import words
from vigil.spec.environment import SecretRef
from vigil.spec.rules import RuleProblems
from vigil.spec.types import HttpsUrl, Name, Severity, SpecModel, Summary, Threshold

CanaryKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
"""A canary key: lowercase letters, digits, `-` and `_`, starting with a letter; at most 64 characters (canary
names allow only lowercase)."""

VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
"""A `${name}` variable: letters, digits and `_`, not starting with a digit."""

HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$")]
Method = Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
JsonPath = Annotated[str, StringConstraints(pattern=r"^[^.\s]+(\.[^.\s]+)*$", max_length=256)]
"""A dotted path into a JSON document: `access_token`, `data.items.0.id` (numbers index lists)."""

VARIABLE = re.compile(r"\$\{([^}]*)\}")
"""A `${...}` in a URL, header value or body string; between the braces must be a variable name."""
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MALFORMED_VARIABLE_PATTERN = r"\$\{(?:\}|[^A-Za-z_}][^}]*\}|[A-Za-z_][^}]*[^A-Za-z0-9_}][^}]*\})"
"""Found in text holding a `${...}` whose inside is no variable name (empty, a digit first, a space ...): what
VARIABLE and _VARIABLE_NAME refuse, as a JSON Schema pattern (which searches, as VARIABLE does)."""
_TEMPLATED_TEXT_SCHEMA = {"type": "string", "not": {"pattern": MALFORMED_VARIABLE_PATTERN}}
_NO_MALFORMED_VARIABLE = {"not": {"type": "string", "pattern": MALFORMED_VARIABLE_PATTERN}}

TemplatedText = Annotated[str, WithJsonSchema(_TEMPLATED_TEXT_SCHEMA)]
TemplatedJson = TypeAliasType(  # type: ignore[misc]
    "TemplatedJson", Annotated[
        "TemplatedText | int | float | bool | list[TemplatedJson] | dict[str, TemplatedJson] | None",
        Field(description="A JSON value: text, a number, true/false, null, a list or a mapping of them. Text may "
                          "use ${name} variables.")])
"""A JSON value whose strings use only well-formed `${name}` variables (for the JSON Schema of `body`)."""


def _as_read(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    return handler(value)


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
    WithJsonSchema({"anyOf": [_TEMPLATED_TEXT_SCHEMA, SecretRef.model_json_schema()]}),
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
    body: Annotated[dict[str, Any] | list[Any] | None, WrapValidator(
        _as_read, json_schema_input_type=dict[str, TemplatedJson] | list[TemplatedJson] | None)] = Field(
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


def templated_strings(url: str, request: RequestFields) -> list[tuple[tuple[str | int, ...], str]]:
    """Every string of a request that may hold `${name}` variables (its URL, header texts, body strings), with
    its path inside the request."""
    found: list[tuple[tuple[str | int, ...], str]] = [(("url",), url)]
    for name, value in request.headers.items():
        if isinstance(value, str):
            found.append((("headers", name), value))

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, str):
            found.append((path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(request.body, ("body",))
    return found


def _check_request(url: str, request: RequestFields, problems: RuleProblems) -> None:
    """What one request may get wrong on its own: a body on GET, a malformed variable, values JSON cannot hold."""
    _check_body(request, problems)
    for path, text in templated_strings(url, request):
        for used in VARIABLE.findall(text):
            if not _VARIABLE_NAME.match(used):
                problems.add(path, f'expected ${{name}} with a variable name, got "${{{used}}}"')
    for path, value in ((("body",), request.body), (("expect", "json"), request.expect.json_fields)):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            problems.add(path, "expected JSON values (text, numbers, true/false, null, lists and mappings); quote "
                               "dates and times")


class StepSpec(RequestFields):
    """One request of a multi-step check."""

    model_config = ConfigDict(json_schema_extra=_NO_BODY_SCHEMA)

    name: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,63}$")] = Field(
        description="Step name, unique in the canary; shown in failures, e.g. login.")
    url: HttpsUrl = Field(description="Request URL; may use ${name} variables.",
                          json_schema_extra=_NO_MALFORMED_VARIABLE)
    save: dict[VariableName, JsonPath] = Field(
        default_factory=dict, description="Variables for later steps, from the JSON response: {token: "
                                          "access_token}.")

    @model_validator(mode="after")
    def _one_request(self) -> Self:
        problems = RuleProblems()
        _check_request(self.url, self, problems)
        problems.raise_any(type(self))
        return self


class CanaryOverride(SpecModel):
    """What one environment changes in a canary."""

    enabled: bool | None = Field(default=None, description="false drops the canary and its alarms here.")
    severity: Severity | None = Field(default=None, description="Severity of its alarms here.")
    every: Interval | None = Field(default=None, description="Schedule here.")


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
        "allOf": [{"properties": {"steps": {"minItems": 1}}}, *run_time_schema()],
    })

    severity: Severity = Field(description="Severity of the canary's alarms; routes decide who is notified.")
    summary: Summary | None = Field(
        default=None, description="What a failure means, for the person notified.")
    runbook: HttpsUrl | None = Field(default=None, description="Default: the service's runbook.")
    enabled: bool = Field(default=True, description="false drops the canary; default true.")
    url: HttpsUrl | None = Field(default=None, description="Heartbeat: the URL requested; may use ${name} "
                                                           "variables from secrets.",
                                 json_schema_extra=_NO_MALFORMED_VARIABLE)
    steps: list[StepSpec] | None = Field(default=None, description="API check: requests in order, instead of url.")
    secrets: dict[VariableName, SecretRef] = Field(
        default_factory=dict, description="Variables read from Secrets Manager at run time (never stored in the "
                                          "template), e.g. {password: {secret: monitoring/canary-user, field: "
                                          "password}}.")
    every: Interval = Field(default=DEFAULT_INTERVAL,
                            description="How often it runs: 1m to 1h in whole minutes; default 5m.")
    timeout: Timeout = Field(default=30, description="Per request: fail when no answer arrives in time; at least "
                                                     "1s, and all requests must fit in a run (the schedule "
                                                     "interval, at most 14 min); default 30s.")
    retention: Retention = Field(default=2678400, description="How long successful runs (and their S3 artifacts) "
                                                             "are kept: 1d to 455d; default 31d.")
    failure_retention: Retention | None = Field(default=None, description="How long failed runs are kept; "
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
            _check_request(self.url or "", self, problems)
        self._check_variables_defined(problems)
        self._check_run_time(problems)
        problems.raise_any(type(self))
        return self

    def _check_variables_defined(self, problems: RuleProblems) -> None:
        """Each `${name}` is a secret or saved by an earlier step."""
        known = set(self.secrets)
        requests: list[tuple[tuple[str | int, ...], str, RequestFields, dict[str, str]]] = (
            [(("steps", index), step.url, step, step.save) for index, step in enumerate(self.steps)]
            if self.steps is not None else [((), self.url or "", self, {})])
        for prefix, url, request, saved in requests:
            for path, text in templated_strings(url, request):
                for used in VARIABLE.findall(text):
                    if _VARIABLE_NAME.match(used) and used not in known:
                        problems.add((*prefix, *path), f'unknown variable "${{{used}}}"; defined before this step: '
                                                       f"{', '.join(sorted(known)) or 'none'}")
            known.update(saved)

    def _check_run_time(self, problems: RuleProblems) -> None:
        """Its requests must fit in a run, which lasts at most the schedule interval (in every environment)."""
        every = min([self.every, *(override.every for override in self.env.values() if override.every)])
        run_timeout = run_seconds(every)
        requests = len(self.steps) if self.steps else 1
        if self.timeout * requests > run_timeout:
            problems.add(("timeout",), f"{requests} request(s) x {words(self.timeout)} exceed the "
                                       f"{words(run_timeout)} a run may last (the schedule interval, at most "
                                       f"{words(MAX_CANARY_RUN_SECONDS)})")
