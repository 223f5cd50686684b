"""A CloudWatch metric as the specs name it: namespace, metric name, dimensions, statistic and period. Shared by
alarms, SLOs and dashboards."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from vigil.spec.types import AlarmPeriod, SpecModel, Stat

Namespace = Annotated[str, StringConstraints(min_length=1, max_length=255)]
MetricName = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Dimensions = dict[Annotated[str, StringConstraints(min_length=1, max_length=255)],
                  Annotated[str, StringConstraints(min_length=1, max_length=1024)]]


class MetricSpec(SpecModel):
    """One CloudWatch metric with its statistic; unset fields come from the service defaults."""

    metric: MetricName = Field(description="CloudWatch metric name.")
    namespace: Namespace | None = Field(default=None, description="Default: the service's defaults.namespace.")
    dimensions: Dimensions | None = Field(default=None, description="Default: the service's defaults.dimensions.")
    stat: Stat | None = Field(default=None, description="Statistic; default: defaults.stat, else Average.")
    period: AlarmPeriod | None = Field(default=None, description="Default: the alarm's period.")
