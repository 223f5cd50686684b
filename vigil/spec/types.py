"""Field types shared by the spec models: durations, comparisons, severities, statistics and names."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema

from vigil.spec.durations import DURATION_PATTERN, format_duration, parse_duration

Severity = Literal["critical", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "warning", "info")


class SpecModel(BaseModel):
    """Base of every spec model: unknown keys are errors, values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Duration = Annotated[
    int,
    PlainValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["30s", "5m", "1h", "30d"]}),
]
"""A duration written as `30s`, `5m`, `1h` or `30d`; held in seconds."""

_MULTIPLE_OF_THREE = (r"(?:[0369]|[147][0369]*[258]|(?:[258]|[147][0369]*[147])(?:[0369]|[258][0369]*[147])*"
                      r"(?:[147]|[258][0369]*[258]))*")
"""Decimal numbers divisible by 3 (a regular language: the digits' sum modulo 3), for the JSON Schema."""


def parse_alarm_period(value: object) -> int:
    """A duration CloudWatch accepts as an alarm or metric period: 10s, 20s or 30s (high resolution) or a
    multiple of 60 seconds. Returns seconds."""
    seconds = parse_duration(value)
    if seconds not in (10, 20, 30) and (seconds < 60 or seconds % 60):
        raise ValueError(f"expected 10s, 20s, 30s or a multiple of 60s, got {format_duration(seconds)}")
    return seconds


AlarmPeriod = Annotated[
    int,
    PlainValidator(parse_alarm_period),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "examples": ["30s", "1m", "5m", "1h"], "anyOf": [
        {"pattern": r"^\s*(10|20|30)\s*s\s*$"},
        {"pattern": r"^\s*0*[1-9][0-9]*\s*[mhd]\s*$"},
        {"allOf": [{"pattern": r"^\s*[0-9]*[02468]0\s*s\s*$"}, {"pattern": r"^\s*0*[1-9]"},
                   {"pattern": rf"^\s*{_MULTIPLE_OF_THREE}\s*s\s*$"}]},
    ]}),
]
"""An alarm or metric period (`1m`, `5m`, `10s`), held in seconds: 10, 20, 30 or a multiple of 60
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html, Period)."""

_COMPARISON = re.compile(r"^\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")
COMPARISON_PATTERN = r"^\s*(>=|<=|>|<)\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$"

OPERATORS = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}
"""The ComparisonOperator CloudWatch expects for each comparison a threshold is written with."""
SYMBOLS = {operator: symbol for symbol, operator in OPERATORS.items()}
"""The inverse of OPERATORS: GreaterThanThreshold -> `>`."""
AnomalyDirection = Literal["above", "below", "both"]
ANOMALY_OPERATORS: dict[str, str] = {"above": "GreaterThanUpperThreshold", "below": "LessThanLowerThreshold",
                                     "both": "LessThanLowerOrGreaterThanUpperThreshold"}
"""The ComparisonOperator of an anomaly alarm for each side of the band that breaches."""
ANOMALY_DIRECTIONS = {operator: direction for direction, operator in ANOMALY_OPERATORS.items()}
"""The inverse of ANOMALY_OPERATORS: GreaterThanUpperThreshold -> above."""


@dataclass(frozen=True)
class Comparison:
    """A threshold read as a comparison, e.g. `> 5`: breaching when the value is greater than 5."""

    operator: str
    value: float

    @property
    def cloudformation_operator(self) -> str:
        """The ComparisonOperator CloudWatch expects, e.g. GreaterThanThreshold."""
        return OPERATORS[self.operator]

    def __str__(self) -> str:
        return f"{self.operator} {format_number(self.value)}"


def format_number(value: float) -> str:
    """A number as vigil writes it in names, descriptions, expressions and templates: whole numbers without a
    decimal point (`5`, not `5.0`), others as Python's shortest round-trip form (`0.5`, `1e-05`), the same as
    JavaScript's `JSON.stringify` for the values CloudWatch takes."""
    return str(int(value)) if float(value).is_integer() else repr(value)


def parse_comparison(value: object) -> Comparison:
    """Parse `"> 5"`, `">= 90"`, `"< 1"` or `"<= 0.5"` into a Comparison."""
    if isinstance(value, Comparison):
        return value
    if isinstance(value, str):
        match = _COMPARISON.match(value)
        if match:
            number = float(match.group(2))
            if not math.isfinite(number):
                raise ValueError(f'expected a number CloudWatch can hold (a 64-bit float), got "{value}"')
            return Comparison(match.group(1), number)
    shown = f'"{value}"' if isinstance(value, str) else f'"{value}"' if isinstance(value, int | float) else repr(value)
    raise ValueError(f'expected a comparison like "> 5", got {shown}')


Threshold = Annotated[
    Comparison,
    PlainValidator(parse_comparison),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "pattern": COMPARISON_PATTERN, "examples": ["> 5", ">= 90", "< 1"]}),
]

_STAT = re.compile(
    r"^(SampleCount|Average|Sum|Minimum|Maximum|IQM"
    r"|[pP](100|\d{1,2}(\.\d{1,3})?)"
    r"|(tm|wm|tc|ts)(100|\d{1,2}(\.\d{1,3})?)"
    r"|(TM|WM|TC|TS|PR)\((\d+(\.\d+)?%?)?:(\d+(\.\d+)?%?)?\))$"
)
STAT_PATTERN = _STAT.pattern


def parse_stat(value: object) -> str:
    """Accept a CloudWatch statistic: Sum, Average, Minimum, Maximum, SampleCount, p95, p99.9, tm90,
    TM(10%:90%), PR(:2000), IQM and the other extended statistics."""
    normalized = _normalized_stat(value) if isinstance(value, str) else None
    if normalized is not None:
        return normalized
    raise ValueError(
        "expected a statistic: Sum, Average, Minimum, Maximum, SampleCount, a percentile like p95 or p99.9, "
        f'a trimmed mean like tm90 or TM(10%:90%), or PR(:2000); got "{value}"'
    )


@functools.lru_cache(maxsize=1024)
def _normalized_stat(value: str) -> str | None:
    """`value` as CloudWatch spells it (percentiles in lower case), None if it is no statistic. Cached: a spec
    repository names the same few statistics thousands of times."""
    text = value.strip()
    if not _STAT.match(text):
        return None
    return text.lower() if text[0] in "pP" and text[1:2].isdigit() else text


Stat = Annotated[str, PlainValidator(parse_stat), WithJsonSchema({"type": "string", "pattern": STAT_PATTERN})]

Key = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
"""A map key naming an alarm, channel or similar: letters, digits, `-`, `_`, `.`; at most 128 characters."""

MetricId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-zA-Z0-9_]{0,254}$")]
"""A metric id in a math expression: starts with a lowercase letter, then letters, digits and `_`."""

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
"""A service or environment name: lowercase letters, digits and `-`, starting with a letter; at most 40."""

HttpsUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=512)]

PATTERN_MEANINGS = {
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$": "a key of letters, digits, '-', '_' or '.' (at most 128 characters)",
    r"^[a-z][a-zA-Z0-9_]{0,254}$": "a metric id starting with a lowercase letter, then letters, digits or '_'",
    r"^[a-z][a-z0-9-]{0,39}$": "a lowercase name of letters, digits and '-' starting with a letter (at most 40)",
    r"^https?://\S+$": "an http(s) URL",
    r"^\d{12}$": "a 12-digit AWS account id",
    r"^[a-z]{2}(-[a-z]+)+-\d$": "an AWS region like us-east-1",
    r"^[A-Z0-9]{9,11}$": "a Slack id like T0123ABCD or C0123ABCD",
    r"^[^@\s]+@[^@\s]+\.[^@\s]+$": "an email address",
    r"^[A-Za-z0-9/_+=.@:-]{1,2048}$": "a Secrets Manager secret name or ARN",
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$": "a key of letters, digits, '-' or '_' (at most 32 characters)",
    r"^[a-z][a-z0-9_-]{0,63}$": "a lowercase name of letters, digits, '-' or '_' starting with a letter (at most 64)",
    r"^[A-Za-z_][A-Za-z0-9_]{0,63}$": "a variable name of letters, digits and '_' not starting with a digit",
    r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,256}$": "an HTTP header name",
    r"^[^.\s]+(\.[^.\s]+)*$": "a dotted JSON path like data.items.0.id",
    r"^[A-Za-z0-9_/.#-]{1,512}$": "a log group name of letters, digits, '_', '-', '/', '.' or '#' (at most 512)",
    r"^[A-Za-z0-9_-]{1,255}$": "a dashboard name of letters, digits, '-' or '_' (at most 255 characters)",
    r"^([a-z][a-z0-9-]{0,39}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$": "an alarm key, or service/key",
}
"""What each name pattern above means, for error messages."""
