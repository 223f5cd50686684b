"""The service file (alarm_specs/<service>.yaml): one team's alarms and the defaults they share."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, create_model, model_validator

from vigil.spec.canaries import CanaryKey, CanarySpec
from vigil.spec.logs import LogGroupName, LogGroupSpec
from vigil.spec.metrics import Dimensions, MetricName, MetricSpec, Namespace
from vigil.spec.resources import resource_union
from vigil.spec.rules import RuleProblems
from vigil.spec.slo import SloSpec
from vigil.spec.tracing import TracingSpec
from vigil.spec.types import (
    AlarmPeriod,
    AnomalyDirection,
    HttpsUrl,
    Key,
    MetricId,
    Name,
    Severity,
    SpecModel,
    Stat,
    Threshold,
)

MissingData = Literal["missing", "not_breaching", "breaching", "ignore"]
NOT_ON_COMPOSITE = ("threshold", "anomaly", "metrics", "namespace", "dimensions", "stat", "period",
                    "evaluation_periods", "datapoints_to_alarm", "missing_data")
"""Fields a composite alarm may not have: it watches other alarms, not metrics."""
NOT_ON_EXPRESSION = ("namespace", "dimensions", "stat")
"""Fields an expression alarm takes per metric (or from defaults), not on the alarm."""


def _none_of(*fields: str) -> dict[str, object]:
    return {"not": {"anyOf": [{"required": [field]} for field in fields]}}


_ALARM_SCHEMA = {
    "oneOf": [{"required": [kind]} for kind in ("metric", "filter", "expression", "composite")],
    "not": {"required": ["threshold", "anomaly"]},
    "dependentSchemas": {
        "composite": _none_of(*NOT_ON_COMPOSITE),
        "metric": _none_of("metrics"),
        "filter": _none_of("metrics"),
        "expression": {"required": ["metrics"], **_none_of("anomaly", *NOT_ON_EXPRESSION)},
    },
}
"""The rules of AlarmSpec's validator, as JSON Schema for editors."""


class AnomalySpec(SpecModel):
    """An anomaly-detection band instead of a static threshold."""

    band: float = Field(default=2, gt=0, le=100, description="Band width in standard deviations; default 2.")
    direction: AnomalyDirection = Field(
        default="both", description="Which side of the band breaches; default both."
    )


class AlarmOverride(SpecModel):
    """What one environment changes in an alarm."""

    enabled: bool | None = Field(default=None, description="Deploy the alarm in this environment; default: as "
                                 "the alarm's enabled.")
    severity: Severity | None = Field(default=None, description="Severity here; default: the alarm's.")
    threshold: Threshold | None = Field(default=None, description="Threshold here; default: the alarm's.")
    period: AlarmPeriod | None = Field(default=None, description="Period here; default: the alarm's.")
    evaluation_periods: int | None = Field(default=None, ge=1, description="N here; default: the alarm's.")
    datapoints_to_alarm: int | None = Field(default=None, ge=1, description="M here; default: the alarm's.")


class AlarmSpec(SpecModel):
    """An alarm: on a metric (`metric`, or a metric filter's with `filter`), on metric math (`expression` +
    `metrics`) or over other alarms of the service (`composite`). Metric and math alarms take a static
    `threshold` or an `anomaly` band."""

    model_config = ConfigDict(json_schema_extra=_ALARM_SCHEMA)

    severity: Severity = Field(description="critical pages, warning and info notify; routes decide who.")
    summary: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        default=None, description="What is wrong, in one sentence for the person notified."
    )
    runbook: HttpsUrl | None = Field(default=None, description="Default: the service's runbook.")
    enabled: bool = Field(default=True, description="false drops the alarm; default true.")
    metric: MetricName | None = Field(default=None, description="Metric name, for a single-metric alarm.")
    filter: Key | None = Field(default=None, description="Key of one of the service's metric filters: its metric, "
                               "namespace and dimensions (none) instead of metric and namespace.")
    namespace: Namespace | None = Field(default=None, description="Default: defaults.namespace.")
    dimensions: Dimensions | None = Field(default=None, description="Default: defaults.dimensions.")
    stat: Stat | None = Field(default=None, description="Default: defaults.stat, else Average.")
    period: AlarmPeriod | None = Field(default=None, description="10s, 20s, 30s or a multiple of 1m; default: "
                                    "defaults.period, else 5m.")
    expression: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = Field(
        default=None, description="Metric math over the ids in `metrics`, e.g. 100 * errors / requests."
    )
    metrics: dict[MetricId, MetricSpec] | None = Field(default=None, description="Named metrics of `expression`.")
    threshold: Threshold | None = Field(default=None, description='Breaching condition, e.g. "> 5".')
    anomaly: AnomalySpec | None = Field(default=None, description="Anomaly band instead of a threshold.")
    composite: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Rule over this service's alarm keys: ALARM(a) OR (ALARM(b) AND NOT OK(c))."
    )
    evaluation_periods: int | None = Field(default=None, ge=1, description="N in M of N; default 1.")
    datapoints_to_alarm: int | None = Field(default=None, ge=1, description="M in M of N; default N.")
    missing_data: MissingData | None = Field(default=None, description="Treatment of missing data; default "
                                             "defaults.missing_data, else missing.")
    env: dict[Name, AlarmOverride] = Field(default_factory=dict, description="Per-environment overrides.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        problems = RuleProblems()
        if self.filter is not None:
            clashing = [f for f in ("metric", "namespace", "expression", "composite") if getattr(self, f) is not None]
            if clashing:
                problems.add(("filter",), f"expected filter or {clashing[0]}, not both: filter gives the metric and "
                                          "namespace")
                problems.raise_any(type(self))
        else:
            kinds = [f for f in ("metric", "expression", "composite") if getattr(self, f) is not None]
            if len(kinds) != 1:
                found = " and ".join(kinds) if kinds else "none"
                problems.add((), f"expected exactly one of metric, expression or composite, got {found}")
                problems.raise_any(type(self))
        if self.composite is not None:
            for field in NOT_ON_COMPOSITE:
                if getattr(self, field) is not None:
                    problems.add((field,), "not allowed on a composite alarm")
        else:
            self._metric_rules(problems)
        problems.raise_any(type(self))
        return self

    def _metric_rules(self, problems: RuleProblems) -> None:
        if self.threshold is not None and self.anomaly is not None:
            problems.add((), "expected exactly one of threshold or anomaly")
        if self.anomaly is not None:
            for env_name, override in self.env.items():
                if override.threshold is not None:
                    problems.add(("env", env_name, "threshold"), "not allowed: this alarm has an anomaly band, "
                                                                 "not a threshold")
        if self.expression is None:
            if self.metrics is not None:
                problems.add(("metrics",), "metrics belong to an expression; this alarm has metric")
            return
        if self.anomaly is not None:
            problems.add(("anomaly",), "anomaly detection needs a single metric; use metric, not expression")
        for field in NOT_ON_EXPRESSION:
            if getattr(self, field) is not None:
                problems.add((field,), f"not used by an expression alarm: set {field} on each of its metrics, or "
                                       "in defaults")
        if not self.metrics:
            problems.add(("metrics",), "required: an expression needs its metrics, e.g. "
                                       "{errors: {metric: Errors, stat: Sum}}")


PATCH_EXCLUDED = ("composite", "filter")
"""Alarm fields a preset alarm's override may not set: a preset alarm is always a metric or math alarm."""

AlarmPatch: type[SpecModel] = create_model(
    "AlarmPatch", __base__=SpecModel, __doc__="Overrides of one preset alarm: any alarm field, all optional.",
    **{name: (field.annotation | None, Field(default=None, description=field.description))
       for name, field in AlarmSpec.model_fields.items() if name not in PATCH_EXCLUDED},
)


class ServiceDefaults(SpecModel):
    """Values every alarm of the service starts from."""

    namespace: Namespace | None = Field(default=None, description="CloudWatch namespace of the service's metrics.")
    dimensions: Dimensions | None = Field(default=None, description="Dimensions of metrics in `namespace`; "
                                          "metrics in other namespaces do not inherit them.")
    stat: Stat | None = Field(default=None, description="Statistic; default Average.")
    period: AlarmPeriod | None = Field(default=None, description="Alarm period; default 5m.")
    evaluation_periods: int | None = Field(default=None, ge=1, description="N in M of N; default 1.")
    missing_data: MissingData | None = Field(default=None, description="Treatment of missing data; default "
                                             "missing.")


class ServiceSpec(SpecModel):
    """A service's monitoring."""

    version: Literal[1] = Field(description="Spec format version; must be 1.")
    service: Name = Field(description="Service name, unique across alarm_specs/.")
    owner: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="Owning team, written into every alarm description and tag."
    )
    runbook: HttpsUrl | None = Field(default=None, description="Runbook link for alarms that name none.")
    tags: dict[str, str] = Field(default_factory=dict, description="Extra tags on every resource.")
    defaults: ServiceDefaults = Field(default_factory=ServiceDefaults, description="Values every alarm starts "
                                      "from.")
    alarms: dict[Key, AlarmSpec] = Field(default_factory=dict, description="Alarms by stable key.")
    resources: dict[Key, resource_union(AlarmPatch)] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="AWS resources by stable key, each monitored with the alarms AWS "
                                          "recommends for its type (docs/presets.md); their alarms are keyed "
                                          "{resource}-{alarm}.")
    tracing: TracingSpec = Field(default_factory=TracingSpec, description="X-Ray groups and sampling rules.")
    canaries: dict[CanaryKey, CanarySpec] = Field(default_factory=dict,
                                                  description="CloudWatch Synthetics canaries by stable key.")
    slos: dict[Key, SloSpec] = Field(default_factory=dict, description="Service level objectives by "
                                              "stable key, alerted by multiwindow burn-rate alarms.")
    log_groups: dict[LogGroupName, LogGroupSpec] = Field(
        default_factory=dict, description="Log groups by name (Jinja allowed): retention, filters, queries.")
    dashboard: bool = Field(default=True, description="Generate the service's dashboard (a graph per alarm, their "
                                                      "states, a row per SLO with its error budget and burn rate, "
                                                      "metric filter metrics); default true. With false, SLO error "
                                                      "budgets go to {env}-{service}-slos.")
