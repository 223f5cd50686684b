"""Log groups of a service spec (`log_groups`): retention, KMS key, metric filters and saved Logs Insights queries."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from vigil.limits import MAX_FILTER_DIMENSIONS, MAX_FILTERS_PER_GROUP
from vigil.spec.durations import parse_duration
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Key, SpecModel, format_number

RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
"""The retention periods CloudWatch Logs accepts, in days."""
NEVER = 0
"""Retention value meaning the logs never expire (`never` in a spec)."""

LOG_GROUP_NAME_PATTERN = r"^[A-Za-z0-9_/.#-]{1,512}$"
LogGroupName = Annotated[str, StringConstraints(pattern=LOG_GROUP_NAME_PATTERN)]
"""A CloudWatch Logs group name: letters, digits, `_`, `-`, `/`, `.`, `#`; at most 512 characters."""

UNITS = ("Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
         "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
         "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
         "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None")
Unit = Literal[UNITS]  # type: ignore[valid-type]

KMS_KEY_ARN_PATTERN = r"^arn:aws[a-z-]*:kms:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):key/[A-Za-z0-9-]{1,128}$"
_KMS_KEY_ARN = re.compile(KMS_KEY_ARN_PATTERN)
FIELD_PATTERN = r"^\$(\.[A-Za-z0-9_@.\[\]-]+|[A-Za-z_][A-Za-z0-9_]*)$"
"""A field of a log event: `$.latency` in JSON events, `$latency` in space-delimited ones."""
_FIELD = re.compile(FIELD_PATTERN)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse_retention(value: object, *, never: bool = True) -> int:
    """`30d` -> 30; `never` -> 0 (no expiry) unless `never` is false. Only the day counts CloudWatch Logs
    accepts pass."""
    if never and value == "never":
        return NEVER
    if value == "never":
        raise ValueError('expected a retention like "30d"; log groups without one never expire already')
    alternative = " or never" if never else ""
    accepted = ", ".join(f"{d}d" for d in RETENTION_DAYS)
    try:
        seconds = parse_duration(value)
    except ValueError:
        raise ValueError(f'expected a retention like "30d"{alternative}, got {_show(value)}') from None
    if seconds % 86400 or seconds // 86400 not in RETENTION_DAYS:
        raise ValueError(f"expected a retention CloudWatch Logs accepts ({accepted}){alternative}, "
                         f"got {_show(value)}")
    return seconds // 86400


def parse_expiring_retention(value: object) -> int:
    """`30d` -> 30: a retention CloudWatch Logs accepts, and not `never`."""
    return parse_retention(value, never=False)


Retention = Annotated[
    int,
    PlainValidator(parse_retention),
    WithJsonSchema({"anyOf": [{"type": "string", "enum": [f"{d}d" for d in RETENTION_DAYS]},
                              {"const": "never"}]}),
]
"""Log retention in days (0 for never), written `30d` or `never`."""

ExpiringRetention = Annotated[
    int,
    PlainValidator(parse_expiring_retention),
    WithJsonSchema({"type": "string", "enum": [f"{d}d" for d in RETENTION_DAYS]}),
]
"""Log retention in days, written `30d`: one of RETENTION_DAYS, never `never`."""


def check_kms_key(value: str) -> str:
    """A KMS key ARN; an alias is refused with how to find the ARN (CloudWatch Logs takes key ARNs only)."""
    if _KMS_KEY_ARN.match(value):
        return value
    if value.startswith("alias/") or ":alias/" in value:
        raise ValueError(f'CloudWatch Logs needs a key ARN, not an alias ("{value}"): find it with `aws kms '
                         f"describe-key --key-id {value} --query KeyMetadata.Arn` and "
                         "set it per environment through vars")
    raise ValueError(f'expected a KMS key ARN like "arn:aws:kms:us-east-1:123456789012:key/<key id>", '
                     f"got {_show(value)}")


KmsKeyArn = Annotated[str, StringConstraints(min_length=1, max_length=2048), AfterValidator(check_kms_key),
                      WithJsonSchema({"type": "string", "maxLength": 2048, "pattern": KMS_KEY_ARN_PATTERN})]


def check_pattern(pattern: str) -> str:
    """Refuse obviously malformed filter patterns: empty, or `{}` / `[]` / `()` unbalanced outside quotes."""
    if not pattern.strip():
        raise ValueError("expected a filter pattern, got an empty one")
    closing = {"}": "{", "]": "[", ")": "("}
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for char in pattern:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char == '"':
            quote = char
        elif char in "{[(":
            stack.append(char)
        elif char in closing:
            if not stack or stack[-1] != closing[char]:
                raise ValueError(f'unbalanced "{char}" in the filter pattern')
            stack.pop()
    if quote:
        raise ValueError("unterminated quoted term in the filter pattern")
    if stack:
        raise ValueError(f'unbalanced "{stack[-1]}" in the filter pattern: it is never closed')
    return pattern


FilterPattern = Annotated[str, StringConstraints(max_length=1024), AfterValidator(check_pattern),
                          WithJsonSchema({"type": "string", "maxLength": 1024, "pattern": r"\S"})]
"""A filter pattern; the JSON Schema says it is not blank, but not that its braces and quotes are balanced."""


def parse_value(value: object) -> str:
    """A metric filter value: a number, or a field of the event (`$.latency` in JSON, `$latency` when spaced)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number or a field like $.latency, got {_show(value)}")
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str) and (_NUMBER.match(value.strip()) or _FIELD.match(value.strip())):
        return value.strip()
    raise ValueError(f"expected a number or a field like $.latency, got {_show(value)}")


FilterValue = Annotated[
    str, PlainValidator(parse_value),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^\$\S+$"}]}),
]


def check_dimension_value(value: str) -> str:
    """Metric filter dimension values are event fields, e.g. `$.adapter`."""
    if not _FIELD.match(value):
        raise ValueError(f'expected a field of the event like $.adapter, got "{value}"')
    return value


class MetricFilterSpec(SpecModel):
    """A metric filter: events matching `pattern` publish `value` to `namespace`/`metric`."""

    model_config = ConfigDict(json_schema_extra={"not": {"required": ["dimensions", "default_value"]}})

    pattern: FilterPattern = Field(description="CloudWatch Logs filter pattern, e.g. '{ $.level = \"error\" }', "
                                               "'ERROR' or '[ip, user, status = 5*]'.")
    metric: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="Metric name to publish.")
    namespace: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = Field(
        default=None, description="Metric namespace; default: the service's defaults.namespace.")
    value: FilterValue = Field(default="1", description="Published per matching event: a number or a field like "
                                                        "$.latency; default 1.")
    default_value: float | None = Field(
        default=None, description="Published when no event matches in a period; default: nothing is published. "
                                  "Not allowed with dimensions.")
    unit: Unit | None = Field(default=None, description="CloudWatch unit of the metric; default None.")
    dimensions: dict[Annotated[str, StringConstraints(min_length=1, max_length=255)],
                     Annotated[str, AfterValidator(check_dimension_value),
                               WithJsonSchema({"type": "string", "pattern": FIELD_PATTERN})]] | None = Field(
        default=None, description="Up to 3 dimensions whose values are event fields, e.g. {adapter: $.adapter}.",
        json_schema_extra={"maxProperties": MAX_FILTER_DIMENSIONS})

    @model_validator(mode="after")
    def _dimension_rules(self) -> Self:
        problems = RuleProblems()
        if self.dimensions and len(self.dimensions) > MAX_FILTER_DIMENSIONS:
            problems.add(("dimensions",), f"{len(self.dimensions)} dimensions; CloudWatch Logs allows "
                                          f"{MAX_FILTER_DIMENSIONS} per metric filter")
        if self.dimensions and self.default_value is not None:
            problems.add(("default_value",), "not allowed with dimensions: CloudWatch Logs publishes a default "
                                             "value only for metric filters without dimensions")
        problems.raise_any(type(self))
        return self


QueryText = Annotated[str, StringConstraints(min_length=1, max_length=10000)]


class LogGroupSpec(SpecModel):
    """A log group, keyed by its name. Owned groups are created and retained when removed from the spec;
    existing groups (`existing: true`) get retention, filters and queries only."""

    model_config = ConfigDict(json_schema_extra={
        "if": {"properties": {"existing": {"const": True}}, "required": ["existing"]},
        "then": {"not": {"required": ["kms_key"]}},
        "else": {"required": ["retention"]},
    })

    existing: bool = Field(default=False, description="true: created elsewhere (e.g. by Lambda); vigil sets its "
                                                      "retention and adds filters and queries, never creates or "
                                                      "deletes it. Default false.")
    retention: Retention | None = Field(
        default=None, description="How long events are kept: 1d, 3d, 5d, 7d, 14d, 30d, 60d, 90d, 120d, 150d, "
                                  "180d, 365d, 400d, 545d, 731d, 1096d, 1827d, 2192d, 2557d, 2922d, 3288d, 3653d "
                                  "or never. Required for owned groups; existing groups keep theirs when unset.")
    kms_key: KmsKeyArn | None = Field(
        default=None, description="KMS key ARN encrypting an owned group (same region; its key policy must allow "
                                  "logs.<region>.amazonaws.com). Default: CloudWatch Logs' own encryption.")
    metric_filters: dict[Key, MetricFilterSpec] = Field(default_factory=dict,
                                                        description="Metric filters by stable key (at most 100).",
                                                        json_schema_extra={"maxProperties": MAX_FILTERS_PER_GROUP})
    queries: dict[Key, QueryText] = Field(default_factory=dict,
                                          description="Saved Logs Insights queries over this group, by key.")

    @model_validator(mode="after")
    def _owned_or_existing(self) -> Self:
        problems = RuleProblems()
        if not self.existing and self.retention is None:
            problems.add(("retention",), "required field is missing: an owned log group needs a retention (e.g. "
                                         "30d, or never)")
        if self.existing and self.kms_key is not None:
            problems.add(("kms_key",), "only for owned log groups: an existing group keeps the key it was created "
                                       "with")
        if len(self.metric_filters) > MAX_FILTERS_PER_GROUP:
            problems.add(("metric_filters",), f"{len(self.metric_filters)} metric filters; CloudWatch Logs allows "
                                              f"{MAX_FILTERS_PER_GROUP} per log group")
        problems.raise_any(type(self))
        return self


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else repr(value)
