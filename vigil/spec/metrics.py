"""A CloudWatch metric as the specs name it: namespace, metric name, dimensions, statistic and period. Shared by
alarms, SLOs and dashboards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from vigil.expressions import EXPRESSION_ID, metric_ids
from vigil.limits import MAX_DIMENSIONS, MAX_METRICS_PER_ALARM
from vigil.spec.rules import RuleProblems
from vigil.spec.types import AlarmPeriod, MetricId, SpecModel, Stat

Namespace = Annotated[str, StringConstraints(min_length=1, max_length=255)]
MetricName = Annotated[str, StringConstraints(min_length=1, max_length=255)]


def check_dimension_count(dimensions: dict[str, str]) -> dict[str, str]:
    """At most CloudWatch's 30 dimensions on one metric."""
    if len(dimensions) > MAX_DIMENSIONS:
        raise ValueError(f"{len(dimensions)} dimensions; CloudWatch allows {MAX_DIMENSIONS}")
    return dimensions


Dimensions = Annotated[dict[Annotated[str, StringConstraints(min_length=1, max_length=255)],
                            Annotated[str, StringConstraints(min_length=1, max_length=1024)]],
                       AfterValidator(check_dimension_count),
                       Field(json_schema_extra={"maxProperties": MAX_DIMENSIONS})]
"""A metric's dimensions, name -> value; at most 30."""


class MetricSpec(SpecModel):
    """One CloudWatch metric with its statistic; unset fields come from the service defaults."""

    metric: MetricName = Field(description="CloudWatch metric name.")
    namespace: Namespace | None = Field(default=None, description="Default: the service's defaults.namespace.")
    dimensions: Dimensions | None = Field(default=None, description="Default: the service's defaults.dimensions.")
    stat: Stat | None = Field(default=None, description="Statistic; default: defaults.stat, else Average.")
    period: AlarmPeriod | None = Field(default=None, description="Default: the alarm's period.")


ExpressionMetrics = Annotated[dict[MetricId, MetricSpec], Field(json_schema_extra={
    "maxProperties": MAX_METRICS_PER_ALARM, "not": {"required": [EXPRESSION_ID]}})]
"""The named metrics of one alarm expression, by id: CloudWatch takes at most 10, and the expression itself has
the id `expr` (checked by the model that has them, with check_expression_metrics)."""


def check_expression_metrics(metrics: Mapping[str, object] | None, problems: RuleProblems,
                             counted: int | None = None) -> None:
    """The named entries (field `metrics`) of one alarm expression: at most CloudWatch's limit of metrics
    (`counted` of them are metrics; default all), none using the expression's own id."""
    count = len(metrics or {}) if counted is None else counted
    if count > MAX_METRICS_PER_ALARM:
        problems.add(("metrics",), f"{count} metrics; CloudWatch allows {MAX_METRICS_PER_ALARM} in one alarm "
                                   "expression")
    if metrics and EXPRESSION_ID in metrics:
        problems.add(("metrics", EXPRESSION_ID), f'"{EXPRESSION_ID}" is reserved for the expression itself; rename '
                                                 "this metric")


def check_metric_ids(path: tuple[str, ...], expression: str | None, metrics: Mapping[str, object],
                     problems: RuleProblems, itself: str | None = None) -> None:
    """Every metric id the expression at `path` uses is one of `metrics` (and not `itself`, the expression's own
    id when it is one of them)."""
    for used in metric_ids(expression or ""):
        if used == itself:
            problems.add(path, "an expression cannot use itself")
        elif used not in metrics:
            known = ", ".join(sorted(metrics)) or "none"
            problems.add(path, f'unknown metric id "{used}"; metrics defined: {known}')
