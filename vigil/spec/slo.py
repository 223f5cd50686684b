"""Service level objectives (`slos:` in a service file): availability from an errors/total or good/total pair
of metrics, latency from a bound on one metric; alerted by multiwindow, multi-burn-rate alarms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StringConstraints

from vigil.spec.types import Duration, HttpsUrl, MetricId, Name, Severity, SpecModel, Summary

if TYPE_CHECKING:  # resolved by vigil.spec.service, which defines MetricSpec and imports this module
    from vigil.spec.service import Dimensions, MetricName, MetricSpec, Namespace


class LatencySpec(SpecModel):
    """A latency objective: the share of events of `metric` at or below `below` (CloudWatch's percentile-rank
    statistic `PR(:below)`); the event count is the metric's SampleCount."""

    metric: MetricName = Field(description="CloudWatch metric name of the latency observations.")
    namespace: Namespace | None = Field(default=None, description="Default: the service's defaults.namespace.")
    dimensions: Dimensions | None = Field(default=None, description="Default: the service's defaults.dimensions.")
    below: float = Field(gt=0, description="Bound in the metric's unit (e.g. milliseconds): an event at or below "
                                           "it is good.")


Expression = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class SloMathSpec(SpecModel):
    """Good, bad and total events as metric math over named metrics, e.g. errors: `e5xx + e4xx`."""

    metrics: dict[MetricId, MetricSpec] = Field(description="Named metrics the expressions use (at most 10).")
    errors: Expression | None = Field(default=None, description="Failed events, e.g. FILL(e5xx, 0) + "
                                                                "FILL(e4xx, 0); or give good.")
    good: Expression | None = Field(default=None, description="Good events; or give errors.")
    total: Expression = Field(description="All events, e.g. requests.")


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
    """One objective. Exactly one of: `errors` + `total`, `good` + `total`, or `latency`."""

    objective: float = Field(gt=0, lt=100, description="Percent of good events over the window, e.g. 99.9.")
    window: Duration = Field(description="Compliance window: 30d, 28d or 7d.")
    summary: Summary | None = Field(
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
