"""Resolve validated specs for one environment: apply defaults and overrides, drop disabled alarms, name
everything and check what CloudWatch would refuse, before any CDK code runs."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from vigil.gc_paused import cyclic_gc_paused
from vigil.plan import naming
from vigil.plan.canaries import resolve_canaries
from vigil.plan.dashboards import plan_dashboards
from vigil.plan.describe import alarm_condition, alarm_description
from vigil.plan.drills import drill_alarms
from vigil.plan.expressions import (
    metric_ids,
    render_rule,
    rule_references,
    rule_syntax_error,
)
from vigil.plan.limits import (
    MAX_ALARM_DESCRIPTION,
    MAX_ALARM_NAME,
    MAX_COMPOSITE_RULE,
    MAX_DIMENSIONS,
    MAX_METRICS_PER_ALARM,
    alarm_action_problems,
)
from vigil.plan.logs import alarm_with_filter, resolve_log_groups
from vigil.plan.model import AlarmPlan, EnvironmentPlan, MetricQuery, ServicePlan, WorkspacePlan
from vigil.plan.overrides import check_environment_names, enabled_in
from vigil.plan.shards import EMPTY_LOCK, Lock, assign_shards, parse_lock
from vigil.plan.slo import resolve_slos
from vigil.plan.tracing import check_unique_names, resolve_tracing
from vigil.presets.expand import PresetOrigin, relocate, with_presets
from vigil.spec.environment import LOCAL_ACCOUNT, EnvironmentSpec, SlackChannel
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.loader import LoadedDocument, load, parse
from vigil.spec.service import AlarmOverride, AlarmSpec, MetricSpec, ServiceSpec
from vigil.spec.types import SEVERITIES
from vigil.spec.validation import validate_document
from vigil.spec.workspace import Sources

DEFAULT_PERIOD = 300
"""Alarm period when neither the alarm nor the service defaults set one, in seconds (5 minutes)."""
DEFAULT_STAT = "Average"
ONE_DAY, SEVEN_DAYS, ONE_HOUR = 86400, 604800, 3600
RESERVED_EXPRESSION_ID = "expr"
"""The id vigil gives the expression of a metric-math alarm; user metric ids may not take it."""

_NO_OVERRIDE = AlarmOverride()
_MISSING_DATA = {"missing": "missing", "not_breaching": "notBreaching", "breaching": "breaching", "ignore": "ignore"}


def plan_workspace(sources: Sources, only: Iterable[str] | None = None, *, lock: Lock | None = None,
                   strict_lock: bool = True) -> WorkspacePlan:
    """Validate every environment (or those named in `only`) and resolve their plans.

    Services are split into stacks following `lock` (default: the lock file in `sources`); `strict_lock`
    False accepts unlocked alarms in multi-stack services, for `vigil lock` to write them.
    Raises SpecError listing every problem found, in file and line order.
    The cyclic garbage collector is paused meanwhile (vigil/gc_paused.py).
    """
    with cyclic_gc_paused():
        return _plan_workspace(sources, only, lock, strict_lock)


def _plan_workspace(sources: Sources, only: Iterable[str] | None, lock: Lock | None,
                    strict_lock: bool) -> WorkspacePlan:
    problems: list[SpecProblem] = []
    lock = parse_lock(sources.lock) if lock is None else lock
    environments = _load_environments(sources, problems)
    names = sorted(spec.name for spec, _ in environments)
    wanted = set(only) if only else set(names)
    for unknown in sorted(wanted - set(names)):
        problems.append(SpecProblem("environments", 0, "", f'no environment "{unknown}"; found: {", ".join(names)}'))
    plans = []
    for spec, document in environments:
        if spec.name in wanted:
            plans.append(_plan_environment(spec, document, sources, names, problems, lock, strict_lock))
    if problems:
        raise SpecError(problems)
    return WorkspacePlan(tuple(plans))


def _load_environments(sources: Sources, problems: list[SpecProblem]) -> list[tuple[EnvironmentSpec, LoadedDocument]]:
    loaded = []
    for source in sources.environments:
        try:
            document = parse(source.path, source.text)
            spec = validate_document(document, EnvironmentSpec)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        if spec.name != source.stem:
            problems.append(document.problem(("name",), f'expected "{source.stem}" to match the file name, '
                                                       f'got "{spec.name}"'))
            continue
        problems.extend(_check_environment(spec, document))
        loaded.append((spec, document))
    return loaded


def _check_environment(spec: EnvironmentSpec, document: LoadedDocument) -> list[SpecProblem]:
    problems = []
    for severity, channels in spec.routes.items():
        for index, channel in enumerate(channels):
            if channel not in spec.channels:
                known = ", ".join(sorted(spec.channels)) or "none defined"
                problems.append(document.problem(("routes", severity, index),
                                                 f'unknown channel "{channel}"; channels: {known}'))
    if spec.local and spec.account != LOCAL_ACCOUNT:
        problems.append(document.problem(("local",), f"a local environment must use LocalStack's account "
                                                     f"{LOCAL_ACCOUNT}, got {spec.account}"))
    for name, channel in spec.channels.items():
        if channel.endpoint is not None:
            if not spec.local:
                problems.append(document.problem(("channels", name, "endpoint"),
                                                 "only allowed in a local environment (local: true)"))
            elif urlsplit(channel.endpoint).hostname not in ("127.0.0.1", "localhost", "::1"):
                problems.append(document.problem(("channels", name, "endpoint"),
                                                 f"expected a loopback URL (127.0.0.1 or localhost), got "
                                                 f'"{channel.endpoint}"'))
            continue
        if isinstance(channel, SlackChannel):
            chatbot = channel.workspace_id is not None or channel.channel_id is not None
            if chatbot and channel.webhook is not None:
                problems.append(document.problem(("channels", name, "webhook"),
                                                 "expected either webhook or workspace_id + channel_id, not both"))
            elif chatbot and (channel.workspace_id is None or channel.channel_id is None):
                missing = "channel_id" if channel.channel_id is None else "workspace_id"
                problems.append(document.problem(("channels", name, missing),
                                                 "required field is missing; AWS Chatbot needs workspace_id "
                                                 "and channel_id"))
            elif not chatbot and channel.webhook is None:
                problems.append(document.problem(("channels", name),
                                                 "expected webhook, or workspace_id and channel_id"))
    return problems


def template_context(spec: EnvironmentSpec) -> dict[str, Any]:
    """What Jinja2 templates in service files may use: env, account, region and vars."""
    return {"env": spec.name, "account": spec.account, "region": spec.region, "vars": spec.vars}


@functools.lru_cache(maxsize=4096)
def _validated_service(document: LoadedDocument) -> ServiceSpec:
    return validate_document(document, ServiceSpec)


def _plan_environment(env: EnvironmentSpec, env_document: LoadedDocument, sources: Sources,
                      env_names: list[str], problems: list[SpecProblem], lock: Lock = EMPTY_LOCK,
                      strict_lock: bool = True) -> EnvironmentPlan:
    services: list[ServicePlan] = []
    specs: dict[str, ServiceSpec] = {}
    documents: dict[str, LoadedDocument] = {}
    first_file: dict[str, str] = {}
    context = template_context(env)
    for source in sources.services:
        try:
            document = load(source.path, source.text, context)
            spec = _validated_service(document)
        except SpecError as error:
            problems.extend(error.problems)
            continue
        expanded = with_presets(spec, document, account=env.account, region=env.region, env_names=env_names)
        spec, document, origins = expanded.spec, expanded.document, expanded.origins
        problems.extend(expanded.problems)
        if spec.service in first_file:
            problems.append(document.problem(("service",), f'service "{spec.service}" is already defined in '
                                                           f"{first_file[spec.service]}"))
            continue
        first_file[spec.service] = source.path
        specs[spec.service] = spec
        documents[spec.service] = document
        first_problem = len(problems)
        service = _ServiceResolver(env, spec, document, env_names, problems, origins).resolve()
        services.append(dataclasses.replace(service, resources=expanded.resources))
        problems[first_problem:] = [relocate(p, origins) for p in problems[first_problem:]]
    problems.extend(check_unique_names([item for service in services
                                        for item in (*service.xray_groups, *service.sampling_rules)]))
    services, dashboards = plan_dashboards(env, sources, services, specs, context, problems)
    services = [assign_shards(service, env=env.name, region=env.region, account=env.account,
                              locked=lock.service(env.name, service.name), document=documents[service.name],
                              problems=problems, strict=strict_lock) for service in services]
    return EnvironmentPlan(
        name=env.name,
        account=env.account,
        region=env.region,
        protected=env.protected,
        routes={severity: tuple(env.routes.get(severity, ())) for severity in SEVERITIES},
        channels=dict(sorted(env.channels.items())),
        tags=tuple(sorted(env.tags.items())),
        services=tuple(sorted(services, key=lambda s: s.name)),
        dashboards=dashboards,
        drills=drill_alarms(env.name, env_document.file),
    )


class _ServiceResolver:
    """Resolves one service file for one environment, collecting problems with their file and line."""

    def __init__(self, env: EnvironmentSpec, spec: ServiceSpec, document: LoadedDocument,
                 env_names: list[str], problems: list[SpecProblem],
                 origins: dict[str, PresetOrigin] | None = None) -> None:
        self.env = env
        self.spec = spec
        self.document = document
        self.env_names = env_names
        self.problems = problems
        self.origins = origins or {}

    def resolve(self) -> ServicePlan:
        spec = self.spec
        self._check_override_names()
        enabled = {key: alarm for key, alarm in spec.alarms.items() if self._enabled(alarm)}
        names = {key: naming.alarm_name(self.env.name, spec.service, key) for key in spec.alarms}
        alarms = []
        for key in sorted(enabled):
            plan = self._alarm(key, enabled[key], names, enabled)
            if plan is not None:
                alarms.append(plan)
        slo_alarms, slos = resolve_slos(self, set(spec.alarms))
        alarms.extend(slo_alarms)
        tags = {"service": spec.service, "owner": spec.owner, "environment": self.env.name}
        groups, rules = resolve_tracing(self.env.name, self.env_names, spec, self.document, self.problems)
        canaries, canary_alarms = resolve_canaries(self.env.name, self.env_names, spec, self.document, self.problems)
        return ServicePlan(
            name=spec.service,
            owner=spec.owner,
            source=self.document.file,
            tags=tuple(sorted({**self.env.tags, **spec.tags, **tags}.items())),
            alarms=(*alarms, *canary_alarms),
            xray_groups=groups,
            sampling_rules=rules,
            canaries=canaries,
            slos=tuple(slos),
            log_groups=resolve_log_groups(self.env.name, self.env.region, spec, self._problem,
                                          manage_existing_retention=not self.env.local),
        )

    def _pinned_region(self, key: str) -> str | None:
        """The region a preset alarm must live in when its metric exists only there and it is not this
        environment's (None otherwise)."""
        origin = self.origins.get(key)
        region = origin.region if origin is not None else None
        return region if region and region != self.env.region else None

    def _problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self.document.problem(path, message))

    def _check_override_names(self) -> None:
        for key, alarm in self.spec.alarms.items():
            check_environment_names(alarm.env, self.env_names, ("alarms", key), self._problem)

    def _enabled(self, alarm: AlarmSpec) -> bool:
        return enabled_in(alarm.enabled, self._override(alarm))

    def _override(self, alarm: AlarmSpec) -> AlarmOverride:
        return alarm.env.get(self.env.name) or _NO_OVERRIDE

    def _alarm(self, key: str, alarm: AlarmSpec, names: dict[str, str],
               enabled: dict[str, AlarmSpec]) -> AlarmPlan | None:
        path = ("alarms", key)
        override = self._override(alarm)
        count = len(self.problems)
        if alarm.filter is not None:
            resolved = alarm_with_filter(self.spec, key, alarm, self._problem)
            if resolved is None:
                return None
            alarm = resolved
        forms = [f for f in ("metric", "expression", "composite") if getattr(alarm, f) is not None]
        if len(forms) != 1:
            found = " and ".join(forms) if forms else "none"
            self._problem(path, f"expected exactly one of metric, expression or composite, got {found}")
            return None
        severity = override.severity or alarm.severity
        runbook = alarm.runbook or self.spec.runbook
        name = names[key]
        common: dict[str, Any] = {
            "key": key, "name": name, "service": self.spec.service, "severity": severity,
            "summary": alarm.summary or "", "owner": self.spec.owner, "runbook": runbook,
            "source": self.document.file,
            "preset": str(self.origins[key]) if key in self.origins else None,
            "region": self._pinned_region(key),
            "alarm_actions": (naming.topic_name(self.env.name, severity),),
            "ok_actions": (naming.topic_name(self.env.name, severity),) if severity != "info" else (),
        }
        if len(name) > MAX_ALARM_NAME:
            self._problem(path, f"alarm name {name} is {len(name)} characters; CloudWatch allows {MAX_ALARM_NAME}")
        if alarm.composite is not None:
            plan = self._composite(key, alarm, names, enabled, common)
        else:
            plan = self._metric_alarm(key, alarm, override, common)
        for message in alarm_action_problems(plan) if plan is not None else ():
            self._problem((*path, "severity"), message)
        if plan is None or len(self.problems) > count:
            return None
        condition = alarm_condition(plan, alarm.composite)
        description = alarm_description(plan, condition, self.env.name)
        if len(description) > MAX_ALARM_DESCRIPTION:
            self._problem((*path, "summary"), f"the alarm description would be longer than the {MAX_ALARM_DESCRIPTION} "
                                              "characters CloudWatch allows: shorten the summary")
            return None
        return _replace(plan, condition=condition, description=description)

    def _composite(self, key: str, alarm: AlarmSpec, names: dict[str, str], enabled: dict[str, AlarmSpec],
                   common: dict[str, Any]) -> AlarmPlan | None:
        path = ("alarms", key, "composite")
        for field in ("threshold", "anomaly", "metrics", "namespace", "dimensions", "stat", "period",
                      "evaluation_periods", "datapoints_to_alarm", "missing_data"):
            if getattr(alarm, field) is not None:
                self._problem(("alarms", key, field), "not allowed on a composite alarm")
        rule = alarm.composite or ""
        syntax = rule_syntax_error(rule)
        if syntax:
            self._problem(path, f'expected a rule like "ALARM(a) OR ALARM(b)": {syntax}')
            return None
        references = rule_references(rule)
        if not references:
            self._problem(path, "expected the rule to name at least one alarm, as ALARM(key)")
        for reference in references:
            if reference == key:
                self._problem(path, f'the rule refers to the alarm itself ("{key}")')
            elif reference not in self.spec.alarms:
                known = ", ".join(sorted(k for k in self.spec.alarms if k != key))
                self._problem(path, f'unknown alarm "{reference}"; alarms of this service: {known}')
            elif self._pinned_region(reference):
                self._problem(path, f'alarm "{reference}" lives in {self._pinned_region(reference)} (its metric exists '
                                    f"only there); a composite alarm in {self.env.region} cannot refer to it")
            elif reference not in enabled:
                self._problem(path, f'alarm "{reference}" is disabled in {self.env.name}; disable this composite '
                                    f"there too (env: {{{self.env.name}: {{enabled: false}}}})")
        if any(p.file == self.document.file and p.field.startswith(f"alarms.{key}.") for p in self.problems):
            return None
        rendered = render_rule(rule, names)
        if len(rendered) > MAX_COMPOSITE_RULE:
            self._problem(path, f"the rule is {len(rendered)} characters with full alarm names; CloudWatch "
                                f"allows {MAX_COMPOSITE_RULE}")
            return None
        children = tuple(dict.fromkeys(names[r] for r in references))
        return AlarmPlan(kind="composite", condition="", description="", rule=rendered, children=children, **common)

    def _metric_alarm(self, key: str, alarm: AlarmSpec, override: AlarmOverride,
                      common: dict[str, Any]) -> AlarmPlan | None:
        path = ("alarms", key)
        defaults = self.spec.defaults
        period = override.period or alarm.period or defaults.period or DEFAULT_PERIOD
        period_path = (*path, "env", self.env.name, "period") if override.period else (*path, "period")
        self._check_period(period_path, period)
        evaluation = override.evaluation_periods or alarm.evaluation_periods or defaults.evaluation_periods or 1
        datapoints = override.datapoints_to_alarm or alarm.datapoints_to_alarm or evaluation
        if datapoints > evaluation:
            self._problem((*path, "datapoints_to_alarm"), f"expected at most evaluation_periods ({evaluation}), "
                                                          f"got {datapoints}")
        limit = ONE_DAY if period < ONE_HOUR else SEVEN_DAYS
        if period * evaluation > limit:
            self._problem((*path, "evaluation_periods"),
                          f"period x evaluation_periods is {period * evaluation} s; CloudWatch allows {limit} s "
                          f"({'1 day for periods under 1 hour' if limit == ONE_DAY else '7 days'})")
        threshold = override.threshold or alarm.threshold
        if (threshold is None) == (alarm.anomaly is None):
            self._problem(path, "expected exactly one of threshold or anomaly")
            return None
        fields: dict[str, Any] = {
            "period": period, "evaluation_periods": evaluation, "datapoints_to_alarm": datapoints,
            "missing_data": _MISSING_DATA[alarm.missing_data or defaults.missing_data or "missing"],
        }
        if alarm.metric is not None:
            if alarm.metrics is not None:
                self._problem((*path, "metrics"), "metrics belong to an expression; this alarm has metric")
            single = MetricSpec.model_construct(metric=alarm.metric, namespace=alarm.namespace,
                                                dimensions=alarm.dimensions, stat=alarm.stat, period=None)
            metric = self._metric_query(path, "m1", single, period)  # fields already validated with the alarm
            fields["metric"] = metric
        else:
            if alarm.anomaly is not None:
                self._problem((*path, "anomaly"), "anomaly detection needs a single metric; use metric, not "
                                                  "expression")
            for field in ("namespace", "dimensions", "stat"):
                if getattr(alarm, field) is not None:
                    self._problem((*path, field), f"not used by an expression alarm: set {field} on each of "
                                                  f"its metrics, or in defaults")
            fields["expression"] = alarm.expression
            fields["metrics"] = self._expression_metrics(path, alarm, period)
        if threshold is not None:
            fields.update(kind="threshold", operator=threshold.cloudformation_operator, threshold=threshold.value)
        elif alarm.anomaly is not None:
            operator = {"above": "GreaterThanUpperThreshold", "below": "LessThanLowerThreshold",
                        "both": "LessThanLowerOrGreaterThanUpperThreshold"}[alarm.anomaly.direction]
            fields.update(kind="anomaly", operator=operator, band=alarm.anomaly.band)
        return AlarmPlan(condition="", description="", **common, **fields)

    def _expression_metrics(self, path: tuple[str, ...], alarm: AlarmSpec, period: int) -> tuple[MetricQuery, ...]:
        metrics = alarm.metrics or {}
        if not metrics:
            self._problem((*path, "metrics"), "required: an expression needs its metrics, e.g. "
                                              "{errors: {metric: Errors, stat: Sum}}")
        if len(metrics) > MAX_METRICS_PER_ALARM:
            self._problem((*path, "metrics"), f"{len(metrics)} metrics; CloudWatch allows {MAX_METRICS_PER_ALARM} "
                                              "in one alarm expression")
        if RESERVED_EXPRESSION_ID in metrics:
            self._problem((*path, "metrics", RESERVED_EXPRESSION_ID),
                          f'"{RESERVED_EXPRESSION_ID}" is reserved for the expression itself; rename this metric')
        for used in metric_ids(alarm.expression or ""):
            if used not in metrics:
                known = ", ".join(sorted(metrics)) or "none"
                self._problem((*path, "expression"), f'unknown metric id "{used}"; metrics defined: {known}')
        queries = []
        for metric_id, metric in sorted(metrics.items()):
            metric_path = (*path, "metrics", metric_id)
            if metric.period is not None:
                self._check_period((*metric_path, "period"), metric.period)
            queries.append(self._metric_query(metric_path, metric_id, metric, metric.period or period))
        return tuple(queries)

    def _metric_query(self, path: tuple[str, ...], metric_id: str, metric: MetricSpec, period: int) -> MetricQuery:
        defaults = self.spec.defaults
        namespace = metric.namespace or defaults.namespace
        if namespace is None:
            self._problem((*path, "namespace"), "required field is missing: set namespace here or in "
                                                "defaults.namespace")
            namespace = ""
        dimensions = metric.dimensions
        if dimensions is None:
            dimensions = defaults.dimensions if namespace == defaults.namespace else None
        if dimensions and len(dimensions) > MAX_DIMENSIONS:
            self._problem((*path, "dimensions"), f"{len(dimensions)} dimensions; CloudWatch allows {MAX_DIMENSIONS}")
        return MetricQuery(
            id=metric_id,
            namespace=namespace,
            metric=metric.metric,
            dimensions=tuple(sorted((dimensions or {}).items())),
            stat=metric.stat or defaults.stat or DEFAULT_STAT,
            period=period,
        )

    def _check_period(self, path: tuple[str, ...], period: int) -> None:
        if period not in (10, 20, 30) and (period < 60 or period % 60):
            self._problem(path, f"expected 10s, 20s, 30s or a multiple of 60s, got {period}s")


def _replace(plan: AlarmPlan, **changes: Any) -> AlarmPlan:
    from dataclasses import replace

    return replace(plan, **changes)
