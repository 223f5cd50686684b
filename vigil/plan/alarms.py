"""Resolve the `alarms` of one service file for one environment: overrides applied, disabled alarms dropped,
defaults filled in, names, actions and descriptions set, and CloudWatch's limits checked."""

from __future__ import annotations

from typing import Any

from vigil import naming
from vigil.expressions import render_rule, rule_references
from vigil.limits import (
    MAX_ALARM_DESCRIPTION,
    MAX_ALARM_NAME,
    MAX_COMPOSITE_RULE,
    SECONDS_PER_DAY,
    action_count_problems,
    max_evaluation_seconds,
)
from vigil.plan.alarm_shape import DEFAULT_PERIOD
from vigil.plan.context import ServiceContext, enabled_in
from vigil.plan.describe import alarm_condition, alarm_description
from vigil.plan.logs import alarm_with_filter
from vigil.plan.model import AlarmPlan, ExpressionQuery, MetricQuery
from vigil.spec.alarm_options import AlarmActionsSpec, AlarmMetricSpec, ExpressionSpec, NotifyState
from vigil.spec.metrics import MetricSpec
from vigil.spec.service import AlarmOverride, AlarmSpec
from vigil.spec.types import ANOMALY_OPERATORS, Severity

MISSING_DATA = {"missing": "missing", "not_breaching": "notBreaching", "breaching": "breaching", "ignore": "ignore"}
"""TreatMissingData for each `missing_data` of the spec."""
_NO_OVERRIDE = AlarmOverride()


def resolve_alarms(context: ServiceContext) -> list[AlarmPlan]:
    """The alarms of the service enabled in the context's environment, in key order. An alarm with a problem
    is left out (the problem is reported)."""
    spec = context.spec
    for key, alarm in spec.alarms.items():
        context.check_override_names(alarm.env, ("alarms", key))
    enabled = {key: alarm for key, alarm in spec.alarms.items() if enabled_in(alarm.enabled, _override(context, alarm))}
    names = {key: naming.alarm_name(context.scope, spec.service, key) for key in spec.alarms}
    alarms = []
    for key in sorted(enabled):
        plan = _alarm(context, key, enabled[key], names, enabled)
        if plan is not None:
            alarms.append(plan)
    return alarms


DEFAULT_NOTIFY: dict[Severity, tuple[NotifyState, ...]] = {
    "critical": ("alarm", "ok"), "warning": ("alarm", "ok"), "info": ("alarm",)}
"""The states whose entry notifies a severity's channels unless the environment or the alarm says otherwise:
every alarm that pages also sends OK, so that incidents resolve themselves."""


def severity_actions(env: str, severity: Severity, states: tuple[NotifyState, ...] | list[NotifyState] | None = None,
                     extra: AlarmActionsSpec | None = None) -> dict[str, tuple[str, ...]]:
    """The actions of an alarm of `severity`: its severity topic on entering each of `states` (default
    DEFAULT_NOTIFY), then the `extra` actions by ARN of each state."""
    topic = naming.topic_name(env, severity)
    notify = DEFAULT_NOTIFY[severity] if states is None else states
    extra = extra or AlarmActionsSpec()
    return {f"{field}_actions": ((topic,) if state in notify else ()) + tuple(getattr(extra, state))
            for state, field in (("alarm", "alarm"), ("ok", "ok"), ("insufficient_data", "insufficient_data"))}


def described(alarm: AlarmPlan, env: str, composite_rule: str | None = None) -> AlarmPlan:
    """`alarm` with its condition and description (vigil/plan/describe.py) filled in."""
    condition = alarm_condition(alarm, composite_rule)
    return alarm.with_description(condition, alarm_description(alarm, condition, env))


def _override(context: ServiceContext, alarm: AlarmSpec) -> AlarmOverride:
    return alarm.env.get(context.env_name) or _NO_OVERRIDE


def _alarm(context: ServiceContext, key: str, alarm: AlarmSpec, names: dict[str, str],
           enabled: dict[str, AlarmSpec]) -> AlarmPlan | None:
    path = ("alarms", key)
    override = _override(context, alarm)
    count = context.problem_count()
    if alarm.filter is not None:
        resolved = alarm_with_filter(context, alarm)
        if resolved is None:
            return None
        alarm = resolved
    spec = context.spec
    severity = override.severity or alarm.severity
    name = names[key]
    notify = alarm.notify if alarm.notify is not None else context.env.notify.get(severity)
    common: dict[str, Any] = {
        "key": key, "name": name, "service": spec.service, "severity": severity,
        "summary": alarm.summary or "", "owner": spec.owner, "runbook": alarm.runbook or spec.runbook,
        "source": context.source, "actions_enabled": alarm.actions_enabled,
        **severity_actions(context.env_name, severity, notify, alarm.actions),
        "preset": str(context.origins[key]) if key in context.origins else None,
        "region": context.pinned_region(key),
    }
    if len(name) > MAX_ALARM_NAME:
        context.problem(path, f"alarm name {name} is {len(name)} characters; CloudWatch allows {MAX_ALARM_NAME}")
    if alarm.composite is not None:
        plan = _composite(context, key, alarm, names, enabled, common)
    else:
        plan = _metric_alarm(context, key, alarm, override, common)
    for message in action_count_problems(plan.alarm_actions, plan.ok_actions, plan.insufficient_data_actions
                                         ) if plan is not None else ():
        context.problem((*path, "actions" if alarm.actions else "severity"), message)
    if plan is None or context.problem_count() > count:
        return None
    plan = described(plan, context.env_name, alarm.composite)
    if len(plan.description) > MAX_ALARM_DESCRIPTION:
        context.problem((*path, "summary"), f"the alarm description would be longer than the "
                                            f"{MAX_ALARM_DESCRIPTION} characters CloudWatch allows: shorten the "
                                            "summary")
        return None
    return plan


def _composite(context: ServiceContext, key: str, alarm: AlarmSpec, names: dict[str, str],
               enabled: dict[str, AlarmSpec], common: dict[str, Any]) -> AlarmPlan | None:
    path = ("alarms", key, "composite")
    rule = alarm.composite or ""
    references = rule_references(rule)  # the spec model checked the rule's syntax and the alarms it names
    env = context.env_name
    for reference in references:
        if pinned := context.pinned_region(reference):
            context.problem(path, f'alarm "{reference}" lives in {pinned} (its metric '
                                  f"exists only there); a composite alarm in {context.env.region} cannot refer to it")
        elif reference not in context.spec.alarms:  # a preset alarm its resource does not generate
            known = ", ".join(sorted(k for k in context.spec.alarms if k != key))
            context.problem(path, f'unknown alarm "{reference}"; alarms of this service: {known}')
        elif reference not in enabled:
            context.problem(path, f'alarm "{reference}" is disabled in {env}; disable this composite there too '
                                  f"(env: {{{env}: {{enabled: false}}}})")
    if any(p.file == context.source and p.field.startswith(f"alarms.{key}.") for p in context.problems):
        return None
    rendered = render_rule(rule, names)
    if len(rendered) > MAX_COMPOSITE_RULE:
        context.problem(path, f"the rule is {len(rendered)} characters with full alarm names; CloudWatch "
                              f"allows {MAX_COMPOSITE_RULE}")
        return None
    children = tuple(dict.fromkeys(names[r] for r in references))
    suppressor: dict[str, Any] = {}
    if alarm.suppressor is not None:
        wanted, alarms = alarm.suppressor.alarm, context.spec.alarms
        if wanted == key or wanted not in enabled:
            known = ", ".join(sorted(k for k in enabled if k != key))
            reason = "the alarm itself" if wanted == key else (
                f"disabled in {env}" if wanted in alarms else f"unknown; alarms of this service: {known}")
            context.problem(("alarms", key, "suppressor", "alarm"), f'alarm "{wanted}" cannot suppress this one: '
                                                                    f"{reason}")
            return None
        suppressor = {"actions_suppressor": names[wanted], "suppressor_wait_period": alarm.suppressor.wait,
                      "suppressor_extension_period": alarm.suppressor.extension}
    return AlarmPlan(kind="composite", condition="", description="", rule=rendered, children=children, **common,
                     **suppressor)


def _metric_alarm(context: ServiceContext, key: str, alarm: AlarmSpec, override: AlarmOverride,
                  common: dict[str, Any]) -> AlarmPlan | None:
    path = ("alarms", key)
    defaults = context.spec.defaults
    period = override.period or alarm.period or defaults.period or DEFAULT_PERIOD
    evaluation = override.evaluation_periods or alarm.evaluation_periods or defaults.evaluation_periods or 1
    datapoints = override.datapoints_to_alarm or alarm.datapoints_to_alarm or evaluation
    if datapoints > evaluation:
        context.problem((*path, "datapoints_to_alarm"), f"expected at most evaluation_periods ({evaluation}), "
                                                        f"got {datapoints}")
    limit = max_evaluation_seconds(period)
    if period * evaluation > limit:
        context.problem((*path, "evaluation_periods"),
                        f"period x evaluation_periods is {period * evaluation} s; CloudWatch allows {limit} s "
                        f"({'1 day for periods under 1 hour' if limit == SECONDS_PER_DAY else '7 days'})")
    threshold = override.threshold or alarm.threshold
    if threshold is None and alarm.anomaly is None:  # the spec model refuses both; an override may give it
        context.problem(path, "expected exactly one of threshold or anomaly")
        return None
    fields: dict[str, Any] = {
        "period": period, "evaluation_periods": evaluation, "datapoints_to_alarm": datapoints,
        "missing_data": MISSING_DATA[alarm.missing_data or defaults.missing_data or "missing"],
        "evaluate_low_sample_count_percentile": alarm.evaluate_low_sample_count_percentile,
    }
    if alarm.metric is not None:
        single = AlarmMetricSpec.model_construct(metric=alarm.metric, namespace=alarm.namespace,
                                                 dimensions=alarm.dimensions, stat=alarm.stat, period=None,
                                                 label=alarm.label, account=alarm.account, unit=alarm.unit)
        fields["metric"] = context.metric_query(path, "m1", single, period)  # fields validated with the alarm
        stat = fields["metric"].stat
        if alarm.evaluate_low_sample_count_percentile is not None and alarm.stat is None and not stat.startswith("p"):
            context.problem((*path, "evaluate_low_sample_count_percentile"), f"only for a percentile statistic like "
                                                                             f"p99; this alarm's statistic is {stat}")
    elif alarm.query is not None:
        fields.update(expression=alarm.query, expression_period=period, label=alarm.label)
    else:
        metrics, expressions = _expression_metrics(context, path, alarm, period)
        fields.update(expression=alarm.expression, metrics=metrics, expressions=expressions, label=alarm.label,
                      expression_period=alarm.expression_period)
    if threshold is not None:
        fields.update(kind="threshold", operator=threshold.cloudformation_operator, threshold=threshold.value)
    elif alarm.anomaly is not None and context.metrics_account is not None:
        context.problem((*path, "anomaly"), "anomaly detection cannot watch another account's metric; with "
                                            "routing: central use a threshold, or disable the alarm there")
        return None
    elif alarm.anomaly is not None:
        fields.update(kind="anomaly", operator=ANOMALY_OPERATORS[alarm.anomaly.direction], band=alarm.anomaly.band,
                      band_label=alarm.anomaly.label)
    return AlarmPlan(condition="", description="", **common, **fields)


def _expression_metrics(context: ServiceContext, path: tuple[str, ...], alarm: AlarmSpec, period: int
                        ) -> tuple[tuple[MetricQuery, ...], tuple[ExpressionQuery, ...]]:
    """The metrics and intermediate expressions of an expression alarm (the spec model checked the ids they use,
    their count and that expressions do not refer to each other in a cycle)."""
    entries = alarm.metrics or {}
    metrics = {k: v for k, v in entries.items() if isinstance(v, MetricSpec)}
    expressions = {k: v for k, v in entries.items() if isinstance(v, ExpressionSpec)}
    queries = []
    for metric_id, metric in sorted(metrics.items()):
        metric_path = (*path, "metrics", metric_id)
        queries.append(context.metric_query(metric_path, metric_id, metric, metric.period or period))
    intermediate = tuple(ExpressionQuery(id=k, expression=e.expression, label=e.label, period=e.period)
                         for k, e in sorted(expressions.items()))
    return tuple(queries), intermediate
