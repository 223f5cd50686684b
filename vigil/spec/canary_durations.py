"""A canary's durations: its schedule (`every`), how long Synthetics keeps its runs, its request timeout, and
how long a run may last, each with the JSON Schema that says the same."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from typing_extensions import TypeAliasType

from vigil.limits import (
    MAX_CANARY_INTERVAL_SECONDS,
    MAX_CANARY_RETENTION_DAYS,
    MAX_CANARY_RUN_SECONDS,
    MIN_CANARY_INTERVAL_SECONDS,
    MIN_CANARY_RETENTION_DAYS,
    SECONDS_PER_DAY,
)
from vigil.spec.durations import DURATION_PATTERN, durations_pattern, format_duration, parse_duration, words


def parse_interval(value: object) -> int:
    """A canary schedule: whole minutes from 1m to 1h (`rate(n minutes)`). Returns seconds."""
    seconds = parse_duration(value)
    if not MIN_CANARY_INTERVAL_SECONDS <= seconds <= MAX_CANARY_INTERVAL_SECONDS or seconds % 60:
        raise ValueError(f"expected whole minutes from 1m to 1h (Synthetics rate schedules), got {words(seconds)}")
    return seconds


INTERVALS = range(MIN_CANARY_INTERVAL_SECONDS, MAX_CANARY_INTERVAL_SECONDS + 1, 60)
"""The schedules a canary may run on, in seconds."""
Interval = Annotated[
    int, PlainValidator(parse_interval), PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "allOf": [{"pattern": durations_pattern(INTERVALS)}],
                    "examples": ["1m", "5m", "1h"]}),
]
"""How often a canary runs, held in seconds."""
DEFAULT_INTERVAL = 300
"""A canary's schedule when `every` is not set: 5 minutes."""


def run_seconds(every: int) -> int:
    """How long a run of a canary scheduled every `every` seconds may last, in seconds."""
    return min(every, MAX_CANARY_RUN_SECONDS)


def run_time_schema() -> list[dict[str, Any]]:
    """JSON Schema for a single request's timeout fitting in a run, for every run length: when the canary's
    schedule, or one environment's, gives that run length, the timeout is at most it. (With several steps the
    timeout times their number must fit: a product a JSON Schema does not compute.)"""
    conditions = []
    for run in sorted({run_seconds(every) for every in INTERVALS}):
        schedules = durations_pattern(every for every in INTERVALS if run_seconds(every) == run)
        uses = [{"required": ["every"], "properties": {"every": {"pattern": schedules}}},
                {"required": ["env"], "properties": {"env": {"not": {"additionalProperties": {
                    "not": {"required": ["every"], "properties": {"every": {"pattern": schedules}}}}}}}}]
        if run_seconds(DEFAULT_INTERVAL) == run:
            uses.append({"not": {"required": ["every"]}})
        conditions.append({"if": {"anyOf": uses}, "then": {
            "if": {"not": {"required": ["steps"], "properties": {"steps": {"minItems": 2}}}},
            "then": {"properties": {"timeout": {"pattern": durations_pattern(range(1, run + 1))}}}}})
    return conditions


def parse_retention(value: object) -> int:
    """How long Synthetics keeps runs: whole days from 1d to 455d. Returns seconds."""
    seconds = parse_duration(value)
    days = seconds // SECONDS_PER_DAY
    if seconds % SECONDS_PER_DAY or not MIN_CANARY_RETENTION_DAYS <= days <= MAX_CANARY_RETENTION_DAYS:
        raise ValueError(f"expected whole days from {MIN_CANARY_RETENTION_DAYS}d to {MAX_CANARY_RETENTION_DAYS}d, "
                         f"got {words(seconds)}")
    return seconds


_RetentionText = TypeAliasType(  # type: ignore[misc]
    "CanaryRetention", Annotated[str, WithJsonSchema({
        "type": "string", "pattern": DURATION_PATTERN, "examples": ["7d", "31d"],
        "description": f"How long Synthetics keeps runs: a duration of whole days from {MIN_CANARY_RETENTION_DAYS}d "
                       f"to {MAX_CANARY_RETENTION_DAYS}d, e.g. 31d.",
        "allOf": [{"pattern": durations_pattern(SECONDS_PER_DAY * days for days in range(
            MIN_CANARY_RETENTION_DAYS, MAX_CANARY_RETENTION_DAYS + 1))}]})])
Retention = Annotated[int, PlainValidator(parse_retention, json_schema_input_type=_RetentionText),
                      PlainSerializer(format_duration, return_type=str)]
"""How long a canary's runs are kept, held in seconds."""


def parse_timeout(value: object) -> int:
    """A request timeout: at least 1s. Returns seconds."""
    seconds = parse_duration(value)
    if seconds < 1:
        raise ValueError("expected at least 1s")
    return seconds


Timeout = Annotated[
    int, PlainValidator(parse_timeout), PlainSerializer(format_duration, return_type=str),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN, "allOf": [{"pattern": r"^\s*0*[1-9]"}],
                    "examples": ["10s", "30s"]}),
]
"""A request timeout, held in seconds."""
