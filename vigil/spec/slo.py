"""Service level objectives (`slos:` in a service file): availability from an errors/total or good/total pair
of metrics, latency from a bound on one metric; alerted by multiwindow, multi-burn-rate alarms."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from vigil.spec.durations import format_duration
from vigil.spec.metrics import Dimensions, MetricName, MetricSpec, Namespace
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Duration, HttpsUrl, MetricId, Name, Severity, SpecModel


class LatencySpec(SpecModel):
    """A latency objective: the share of events of `metric` at or below `below` (CloudWatch's percentile-rank
    statistic `PR(:below)`); the event count is the metric's SampleCount."""

    metric: MetricName = Field(description="CloudWatch metric name of the latency observations.")
    namespace: Namespace | None = Field(default=None, description="Default: the service's defaults.namespace.")
    dimensions: Dimensions | None = Field(default=None, description="Default: the service's defaults.dimensions.")
    below: float = Field(gt=0, description="Bound in the metric's unit (e.g. milliseconds): an event at or below "
                                           "it is good.")


Expression = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
WINDOWS = (7 * 86400, 28 * 86400, 30 * 86400)
"""Compliance windows an SLO may use, in seconds: 7, 28 or 30 days."""
SOURCES = ("errors", "good", "latency", "math")
"""The ways an SLO counts its events; exactly one is given."""
_NO_PERIOD = "not used by an SLO: each burn window sets its own period"
_WINDOW_PATTERN = (r"^\s*0*(7\s*d|28\s*d|30\s*d|168\s*h|672\s*h|720\s*h|10080\s*m|40320\s*m|43200\s*m|604800\s*s"
                   r"|2419200\s*s|2592000\s*s)\s*$")
"""WINDOWS written as durations, for the JSON Schema."""


class SloMathSpec(SpecModel):
    """Good, bad and total events as metric math over named metrics, e.g. errors: `e5xx + e4xx`."""

    model_config = ConfigDict(json_schema_extra={
        "oneOf": [{"required": ["errors"]}, {"required": ["good"]}],
        "allOf": [{"properties": {"metrics": {"additionalProperties": {"properties": {"period": False}}}}}],
    })

    metrics: dict[MetricId, MetricSpec] = Field(description="Named metrics the expressions use (at most 10).")
    errors: Expression | None = Field(default=None, description="Failed events, e.g. FILL(e5xx, 0) + "
                                                                "FILL(e4xx, 0); or give good.")
    good: Expression | None = Field(default=None, description="Good events; or give errors.")
    total: Expression = Field(description="All events, e.g. requests.")

    @model_validator(mode="after")
    def _errors_or_good(self) -> Self:
        problems = RuleProblems()
        if (self.errors is None) == (self.good is None):
            problems.add((), "expected exactly one of errors or good")
        for metric_id, metric in self.metrics.items():
            if metric.period is not None:
                problems.add(("metrics", metric_id, "period"), _NO_PERIOD)
        problems.raise_any(type(self))
        return self


class SloAlertSpec(SpecModel):
    """Who a burn-rate alert notifies."""

    severity: Severity | None = Field(default=None, description="Default: critical for page, warning for ticket.")
    enabled: bool = Field(default=True, description="false drops this alert (its child alarms too); default true.")


class SloOverride(SpecModel):
    """What one environment changes in an SLO."""

    enabled: bool | None = Field(default=None, description="false drops the SLO in this environment.")
    objective: float | None = Field(default=None, gt=0, lt=100, description="Objective in percent here.")
    min_requests: int | None = Field(default=None, ge=1, description="Low-traffic guard here, in events per "
                                                                      "hour.")


class SloSpec(SpecModel):
    """One objective. Exactly one of: `errors` + `total`, `good` + `total`, `latency` or `math`."""

    model_config = ConfigDict(json_schema_extra={
        "oneOf": [{"required": ["errors", "total"]}, {"required": ["good", "total"]},
                  {"required": ["latency"], "not": {"required": ["total"]}},
                  {"required": ["math"], "not": {"required": ["total"]}}],
        "allOf": [{"properties": {"window": {"pattern": _WINDOW_PATTERN}}},
                  *({"properties": {name: {"properties": {"period": False}}}} for name in ("errors", "good", "total"))],
    })

    objective: float = Field(gt=0, lt=100, description="Percent of good events over the window, e.g. 99.9.")
    window: Duration = Field(description="Compliance window: 30d, 28d or 7d.")
    summary: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None, description="What the objective promises, in one sentence.")
    runbook: HttpsUrl | None = Field(default=None, description="Default: the service's runbook.")
    enabled: bool = Field(default=True, description="false drops the SLO and its alarms; default true.")
    errors: MetricSpec | None = Field(default=None, description="Failed events (with total), usually stat Sum.")
    good: MetricSpec | None = Field(default=None, description="Good events (with total), usually stat Sum.")
    total: MetricSpec | None = Field(default=None, description="All events, usually stat Sum.")
    latency: LatencySpec | None = Field(default=None, description="Latency bound instead of a metric pair.")
    math: SloMathSpec | None = Field(default=None, description="Metric math instead of a metric pair.")
    min_requests: int = Field(default=100, ge=1, description="Events needed in the last hour before any burn-rate "
                                                             "alert may fire (low-traffic guard); default 100.")
    page: SloAlertSpec = Field(default_factory=SloAlertSpec, description="Fast burn: 2% of the budget in 1 h "
                               "or 5% in 6 h; default severity critical.")
    ticket: SloAlertSpec = Field(default_factory=SloAlertSpec, description="Slow burn: 10% of the budget in 1 d "
                                 "or 3 d; default severity warning; suppressed while the page fires.")
    env: dict[Name, SloOverride] = Field(default_factory=dict, description="Per-environment overrides.")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        problems = RuleProblems()
        if self.window not in WINDOWS:
            problems.add(("window",), f"expected 30d, 28d or 7d, got {format_duration(self.window)}")
        sources = [name for name in SOURCES if getattr(self, name) is not None]
        if len(sources) != 1:
            found = " and ".join(sources) if sources else "none"
            problems.add((), f"expected exactly one of errors (with total), good (with total), latency or math, "
                             f"got {found}")
            problems.raise_any(type(self))
        for name in ("errors", "good", "total"):
            metric = getattr(self, name)
            if metric is not None and metric.period is not None:
                problems.add((name, "period"), _NO_PERIOD)
        source = sources[0]
        if source in ("latency", "math") and self.total is not None:
            problems.add(("total",), f"not used by a {source} SLO: " + (
                "the event count is the latency metric's SampleCount" if source == "latency" else "set math.total"))
        elif source in ("errors", "good") and self.total is None:
            problems.add(("total",), f"required field is missing: {source} needs total, e.g. "
                                     "{metric: RequestCount, stat: Sum}")
        problems.raise_any(type(self))
        return self
