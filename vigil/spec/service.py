"""The service file (alarm_specs/<service>.yaml): one team's alarms and the defaults they share."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, create_model

from vigil.spec import slo as slo_spec
from vigil.spec.canaries import CanaryKey, CanarySpec
from vigil.spec.logs import LogGroupName, LogGroupSpec
from vigil.spec.resources import resource_union
from vigil.spec.tracing import TracingSpec
from vigil.spec.types import Duration, HttpsUrl, Key, MetricId, Name, Severity, SpecModel, Stat, Threshold

MissingData = Literal["missing", "not_breaching", "breaching", "ignore"]
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
    period: Duration | None = Field(default=None, description="Default: the alarm's period.")


slo_spec.SloSpec.model_rebuild(_types_namespace={"MetricSpec": MetricSpec, "MetricName": MetricName,
                                                 "Namespace": Namespace, "Dimensions": Dimensions})


class AnomalySpec(SpecModel):
    """An anomaly-detection band instead of a static threshold."""

    band: float = Field(default=2, gt=0, le=100, description="Band width in standard deviations; default 2.")
    direction: Literal["above", "below", "both"] = Field(
        default="both", description="Which side of the band breaches; default both."
    )


class AlarmOverride(SpecModel):
    """What one environment changes in an alarm."""

    enabled: bool | None = Field(default=None, description="Deploy the alarm in this environment; default: as "
                                 "the alarm's enabled.")
    severity: Severity | None = Field(default=None, description="Severity here; default: the alarm's.")
    threshold: Threshold | None = Field(default=None, description="Threshold here; default: the alarm's.")
    period: Duration | None = Field(default=None, description="Period here; default: the alarm's.")
    evaluation_periods: int | None = Field(default=None, ge=1, description="N here; default: the alarm's.")
    datapoints_to_alarm: int | None = Field(default=None, ge=1, description="M here; default: the alarm's.")


class AlarmSpec(SpecModel):
    """An alarm: on a metric (`metric`), on metric math (`expression` + `metrics`) or over other alarms of the
    service (`composite`). Metric and math alarms take a static `threshold` or an `anomaly` band."""

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
    period: Duration | None = Field(default=None, description="10s, 20s, 30s or a multiple of 1m; default: "
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
    period: Duration | None = Field(default=None, description="Alarm period; default 5m.")
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
    slos: dict[Key, slo_spec.SloSpec] = Field(default_factory=dict, description="Service level objectives by "
                                              "stable key, alerted by multiwindow burn-rate alarms.")
    log_groups: dict[LogGroupName, LogGroupSpec] = Field(
        default_factory=dict, description="Log groups by name (Jinja allowed): retention, filters, queries.")
    dashboard: bool = Field(default=True, description="Generate the service's dashboard (a graph per alarm, their "
                                                      "states, a row per SLO with its error budget and burn rate, "
                                                      "metric filter metrics); default true. With false, SLO error "
                                                      "budgets go to {env}-{service}-slos.")
