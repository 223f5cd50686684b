"""The service file (alarm_specs/<service>.yaml): one team's alarms and the defaults they share."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, create_model, model_validator

from vigil.expressions import EXPRESSION_ID, rule_references, rule_syntax_error
from vigil.naming import canary_alarm_key, preset_alarm_key
from vigil.presets.catalog import catalog, possible_alarm_keys
from vigil.spec.alarm_options import (
    AccountId,
    AlarmActionsSpec,
    AlarmQuerySpec,
    Label,
    LowSampleCount,
    NotifyState,
    SuppressorSpec,
    check_alarm_metrics,
)
from vigil.spec.canaries import CanaryKey, CanarySpec
from vigil.spec.environment import TargetName
from vigil.spec.logs import LogGroupName, LogGroupSpec, Unit
from vigil.spec.metrics import Dimensions, MetricName, Namespace
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
    Owner,
    Severity,
    SpecModel,
    Stat,
    Summary,
    Threshold,
)

MissingData = Literal["missing", "not_breaching", "breaching", "ignore"]
NOT_ON_COMPOSITE = ("threshold", "anomaly", "metrics", "namespace", "dimensions", "stat", "period",
                    "evaluation_periods", "datapoints_to_alarm", "missing_data", "label", "account", "unit",
                    "expression_period", "evaluate_low_sample_count_percentile")
"""Fields a composite alarm may not have: it watches other alarms, not metrics."""
NOT_ON_EXPRESSION = ("namespace", "dimensions", "stat", "account", "unit", "evaluate_low_sample_count_percentile")
"""Fields an expression or query alarm takes per metric (or from defaults), not on the alarm."""
ONLY_ON = {"expression_period": "expression", "suppressor": "composite"}
"""Fields only one kind of alarm takes."""


def _none_of(*fields: str) -> dict[str, object]:
    return {"not": {"anyOf": [{"required": [field]} for field in fields]}}


_ALARM_SCHEMA = {
    "oneOf": [{"required": [kind]} for kind in ("metric", "filter", "expression", "query", "composite")],
    "not": {"required": ["threshold", "anomaly"]},
    "dependentSchemas": {
        "composite": _none_of(*NOT_ON_COMPOSITE),
        "metric": _none_of("metrics"),
        "filter": _none_of("metrics"),
        "expression": {"required": ["metrics"], **_none_of(*NOT_ON_EXPRESSION)},
        "query": _none_of("metrics", "anomaly", *NOT_ON_EXPRESSION),
        **{field: {"required": [kind]} for field, kind in ONLY_ON.items()},
    },
}
"""The rules of AlarmSpec's validator, as JSON Schema for editors."""


class AnomalySpec(SpecModel):
    """An anomaly-detection band instead of a static threshold."""

    band: float = Field(default=2, gt=0, le=100, description="Band width in standard deviations; default 2.")
    direction: AnomalyDirection = Field(
        default="both", description="Which side of the band breaches; default both."
    )
    label: Label | None = Field(default=None, description="Name CloudWatch shows for the band; default: "
                                                          "`{metric or alarm key} (expected band)`.")


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
    summary: Summary | None = Field(
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
    metrics: dict[MetricId, AlarmQuerySpec] | None = Field(
        default=None, description="Named metrics of `expression` (at most 10), and intermediate expressions over "
                                  "them (`{expression: ...}`) that `expression` uses.",
        json_schema_extra={"not": {"required": [EXPRESSION_ID]}})
    expression_period: AlarmPeriod | None = Field(
        default=None, description="Period of the expression's own result; default: its metrics'.")
    query: Annotated[str, StringConstraints(min_length=1, max_length=2048)] | None = Field(
        default=None, description="An expression over no metric of the alarm, with `period` as its period: a "
                                  "CloudWatch Metrics Insights query returning one time series, e.g. SELECT "
                                  "MAX(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId), or a series such as "
                                  "TIME_SERIES(1).")
    label: Label | None = Field(default=None, description="Name CloudWatch shows for what the alarm watches (its "
                                                          "metric, expression or query); default: none for a "
                                                          "metric, the alarm key otherwise.")
    account: AccountId | None = Field(
        default=None, description="Account that publishes the alarm's metric, when it is not the environment's "
                                  "(listed in the environment's source_accounts).")
    unit: Unit | None = Field(default=None, description="Only data points of the metric in this unit count; "
                                                        "default: any.")
    evaluate_low_sample_count_percentile: LowSampleCount | None = Field(
        default=None, description="For a percentile statistic: with too few data points, evaluate anyway or "
                                  "ignore (keep the state); default: CloudWatch's (evaluate).")
    threshold: Threshold | None = Field(default=None, description='Breaching condition, e.g. "> 5".')
    anomaly: AnomalySpec | None = Field(default=None, description="Anomaly band instead of a threshold.")
    composite: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, description="Rule over this service's alarm keys: ALARM(a) OR (ALARM(b) AND NOT OK(c))."
    )
    evaluation_periods: int | None = Field(default=None, ge=1, description="N in M of N; default 1.")
    datapoints_to_alarm: int | None = Field(default=None, ge=1, description="M in M of N; default N.")
    missing_data: MissingData | None = Field(default=None, description="Treatment of missing data; default "
                                             "defaults.missing_data, else missing.")
    notify: list[NotifyState] | None = Field(
        default=None, description="States whose entry notifies the severity's channels, e.g. [alarm, ok, "
                                  "insufficient_data]; [] notifies nobody; default: the environment's notify for "
                                  "the severity.")
    actions: AlarmActionsSpec | None = Field(
        default=None, description="Actions by ARN beside the severity routing (Lambda, Systems Manager OpsItem or "
                                  "Incident Manager, EC2, Auto Scaling), by state.")
    actions_enabled: bool = Field(default=True, description="false keeps the alarm evaluating but takes no "
                                                            "action (no notification); default true.")
    suppressor: SuppressorSpec | None = Field(
        default=None, description="Composite alarms only: an alarm of the service that, while in ALARM, "
                                  "suppresses this alarm's actions.")
    env: dict[Name, AlarmOverride] = Field(default_factory=dict, description="Per-environment overrides.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        problems = RuleProblems()
        if self.filter is not None:
            clashing = [f for f in ("metric", "namespace", "expression", "query", "composite")
                        if getattr(self, f) is not None]
            if clashing:
                problems.add(("filter",), f"expected filter or {clashing[0]}, not both: filter gives the metric and "
                                          "namespace")
                problems.raise_any(type(self))
        else:
            kinds = [f for f in ("metric", "expression", "query", "composite") if getattr(self, f) is not None]
            if len(kinds) != 1:
                found = " and ".join(kinds) if kinds else "none"
                problems.add((), f"expected exactly one of metric, expression, query or composite, got {found}")
                problems.raise_any(type(self))
        if self.composite is not None:
            for field in NOT_ON_COMPOSITE:
                if getattr(self, field) is not None:
                    problems.add((field,), "not allowed on a composite alarm")
            for state, actions in self.actions or ():
                for index, arn in enumerate(actions):
                    if any(kind in arn for kind in (":automate:", ":swf:", ":autoscaling:")):
                        problems.add(("actions", state, index), "EC2 and Auto Scaling actions need a metric alarm; "
                                                                "a composite alarm cannot take them")
        else:
            self._metric_rules(problems)
        for field, kind in ONLY_ON.items():
            if getattr(self, field) is not None and getattr(self, kind) is None:
                problems.add((field,), f"only allowed on an alarm with {kind}")
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
        if self.stat is not None and self.evaluate_low_sample_count_percentile is not None \
                and not self.stat.startswith("p"):
            problems.add(("evaluate_low_sample_count_percentile",), f"only for a percentile statistic like p99; "
                                                                    f"this alarm's statistic is {self.stat}")
        kind = "expression" if self.expression is not None else "query" if self.query is not None else None
        if kind is None:
            if self.metrics is not None:
                problems.add(("metrics",), "metrics belong to an expression; this alarm has metric")
            return
        if kind == "query":
            for field in ("metrics", "anomaly"):
                if getattr(self, field) is not None:
                    problems.add((field,), "not allowed on a query alarm: a query names its own metrics")
        for field in NOT_ON_EXPRESSION:
            if getattr(self, field) is not None:
                problems.add((field,), f"not used by an {kind} alarm: set {field} on each of its metrics, or "
                                       "in defaults" if kind == "expression" else "not used by a query alarm")
        if kind == "expression" and not self.metrics:
            problems.add(("metrics",), "required: an expression needs its metrics, e.g. "
                                       "{errors: {metric: Errors, stat: Sum}}")
        if kind == "expression" and self.metrics:
            check_alarm_metrics(self.expression or "", self.metrics, problems)


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
    owner: Owner = Field(
        description="Owning team, written into every alarm description and tag."
    )
    runbook: HttpsUrl | None = Field(default=None, description="Runbook link for alarms that name none.")
    targets: Annotated[list[TargetName], Field(min_length=1)] | None = Field(
        default=None, description="Where the service runs in environments with `targets`: the names of the "
        "targets it runs in (each a target of some environment, at least one); default: all targets. "
        "Environments with one "
        "`account` and `region` run every service.")
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

    @model_validator(mode="after")
    def _references(self) -> Self:
        """What one section names in another: a composite's alarms, an alarm's metric filter, and the alarm keys
        canaries take."""
        problems = RuleProblems()
        known = set(self.alarms) | self._resource_alarm_keys()
        for key, alarm in self.alarms.items():
            path = ("alarms", key)
            if alarm.composite is not None:
                _check_composite(key, alarm.composite, known, problems)
            if alarm.filter is not None:
                _check_filter(path, alarm, self.log_groups, problems)
        for key, canary in self.canaries.items():
            for alarm_key in [canary_alarm_key(key)] + ([canary_alarm_key(key, "duration")] if canary.duration else []):
                if alarm_key in self.alarms:
                    problems.add(("canaries", key), f'the canary\'s alarm key "{alarm_key}" is also an alarm of this '
                                                    "service; rename one of them")
        problems.raise_any(type(self))
        return self

    @classmethod
    def entry_keys(cls, field: str, key: str) -> set[str]:
        """The keys entry `key` of map `field` gives besides its own: a resource's possible preset alarm keys
        (whatever its type, since a resource left out as invalid may have none); vigil/spec/validation.py."""
        return possible_alarm_keys(key) if field == "resources" else set()

    def _resource_alarm_keys(self) -> set[str]:
        """The keys the resources' preset alarms may take (`{resource}-{alarm}`, vigil/presets): composites may
        name them. Whether one is generated in an environment (inputs given, enabled) is checked by the plan."""
        presets = catalog()
        return {preset_alarm_key(name, alarm) for name, resource in self.resources.items()
                if resource.type in presets for alarm in presets[resource.type].alarms}


def _check_composite(key: str, rule: str, alarms: set[str], problems: RuleProblems) -> None:
    path = ("alarms", key, "composite")
    syntax = rule_syntax_error(rule)
    if syntax:
        problems.add(path, f'expected a rule like "ALARM(a) OR ALARM(b)": {syntax}')
        return
    references = rule_references(rule)
    if not references:
        problems.add(path, "expected the rule to name at least one alarm, as ALARM(key)")
    for reference in references:
        if reference == key:
            problems.add(path, f'the rule refers to the alarm itself ("{key}")')
        elif reference not in alarms:
            known = ", ".join(sorted(k for k in alarms if k != key))
            problems.add(path, f'unknown alarm "{reference}"; alarms of this service: {known}')


def _check_filter(path: tuple[str, ...], alarm: AlarmSpec, log_groups: dict[str, LogGroupSpec],
                  problems: RuleProblems) -> None:
    """The metric filter an alarm names is one of the service's, in one log group, and the alarm picks one value
    of each of its dimensions."""
    found = [(name, group.metric_filters[alarm.filter]) for name, group in sorted(log_groups.items())
             if alarm.filter in group.metric_filters]
    if not found:
        known = sorted({k for group in log_groups.values() for k in group.metric_filters})
        problems.add((*path, "filter"), f'unknown metric filter "{alarm.filter}"; metric filters of this service: '
                                        f"{', '.join(known) or 'none'}")
    elif len(found) > 1:
        problems.add((*path, "filter"), f'metric filter "{alarm.filter}" is defined in several log groups '
                                        f"({', '.join(name for name, _ in found)}); rename one of them")
    elif found[0][1].dimensions and alarm.dimensions is None:
        problems.add((*path, "filter"), f"metric filter \"{alarm.filter}\" publishes with dimensions "
                                        f"({', '.join(sorted(found[0][1].dimensions))}): set the alarm's dimensions "
                                        "to one value of each")
