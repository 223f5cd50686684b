"""Resolve a service's canaries for one environment: names, schedules, retention, the generated script and the
alarms on their CloudWatchSynthetics metrics, all checked before any CDK code runs."""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2

from vigil import naming
from vigil.limits import SECONDS_PER_DAY, max_evaluation_seconds
from vigil.plan.alarms import described, severity_actions
from vigil.plan.context import ServiceContext, enabled_in
from vigil.plan.model import AlarmPlan, CanaryPlan, MetricQuery
from vigil.plan.text import one_line
from vigil.spec.canaries import CanaryOverride, CanarySpec, StepSpec
from vigil.spec.canary_durations import run_seconds
from vigil.spec.durations import words
from vigil.spec.environment import SecretRef

RUNTIME_VERSION = "syn-python-selenium-14.0"
"""Synthetics runtime of generated canaries (Python 3.12); the checks themselves use only the standard library."""
HANDLER = "index.handler"
"""Inline canary scripts are stored as index.py; the entry point is its handler function."""
NAMESPACE = "CloudWatchSynthetics"
SCRIPT_TEMPLATE = Path(__file__).resolve().parent.parent / "functions" / "canary" / "canary.py.j2"


def resolve_canaries(context: ServiceContext) -> tuple[tuple[CanaryPlan, ...], tuple[AlarmPlan, ...]]:
    """The canaries of the service enabled in the context's environment and their alarms, in key order.
    Outside a local environment every URL must be https; every secret must be one the environment may read."""
    canaries: list[CanaryPlan] = []
    alarms: list[AlarmPlan] = []
    for key, canary in sorted(context.spec.canaries.items()):
        resolver = _CanaryResolver(context, key, canary)
        resolved = resolver.resolve()
        if resolved is not None:
            canaries.append(resolved[0])
            alarms.extend(resolved[1])
    return tuple(canaries), tuple(alarms)


class _CanaryResolver:
    def __init__(self, context: ServiceContext, key: str, canary: CanarySpec) -> None:
        self.context, self.env, self.spec = context, context.env_name, context.spec
        self.problem = context.problem
        self.key, self.canary = key, canary
        self.path: tuple[str | int, ...] = ("canaries", key)

    def resolve(self) -> tuple[CanaryPlan, tuple[AlarmPlan, ...]] | None:
        canary, path = self.canary, self.path
        self.context.check_override_names(canary.env, path)
        override = canary.env.get(self.env) or CanaryOverride()
        if not enabled_in(canary.enabled, override):
            return None
        count = self.context.problem_count()
        name = naming.canary_name(self.env, self.spec.service, self.key)
        every = override.every or canary.every  # the spec model checked every schedule and the run time
        success = canary.retention // SECONDS_PER_DAY
        failure = success if canary.failure_retention is None else canary.failure_retention // SECONDS_PER_DAY
        run_timeout = run_seconds(every)
        steps = self._steps()
        alarm = canary.alarm
        limit = max_evaluation_seconds(every)
        if every * alarm.of > limit:
            self.problem((*path, "alarm", "of"), f"{alarm.of} runs x {words(every)} exceed the "
                                                 f"{words(limit)} CloudWatch evaluates")
        if self.context.problem_count() > count:
            return None
        secrets = self._secret_refs(steps)
        config = {
            "timeout": canary.timeout,
            "secrets": [{"name": n, "secret": s.secret, "field": s.field} for n, s in sorted(canary.secrets.items())],
            "steps": [_step_config(step) for step in steps],
        }
        # secrets named only in headers are read too (stored under an internal key, never a ${name} variable)
        for secret in secrets:
            entry = {"name": f"header_{len(config['secrets'])}", "secret": secret.secret, "field": secret.field}
            if not any(e["secret"] == secret.secret and e["field"] == secret.field for e in config["secrets"]):
                config["secrets"].append(entry)
        config_text = json.dumps(config, sort_keys=True, separators=(",", ":"))
        severity = override.severity or canary.severity
        plan = CanaryPlan(
            key=self.key, name=name, service=self.spec.service, severity=severity, every=every,
            timeout=canary.timeout, run_timeout=run_timeout, success_retention=success, failure_retention=failure,
            runtime=RUNTIME_VERSION, handler=HANDLER,
            secret_ids=tuple(sorted({e["secret"] for e in config["secrets"]})),
            config=config_text, script="", alarms=(), source=self.context.source,
            owns_log_group=not self.context.env.local,
        )
        plan = replace(plan, script=render_script(plan))
        alarm_plans = self._alarms(plan, steps)
        return replace(plan, alarms=tuple(a.name for a in alarm_plans)), alarm_plans

    def _steps(self) -> list[StepSpec]:
        """The canary's requests in order (a heartbeat's one as a step). The spec model has checked their forms;
        what needs the environment is checked here: https outside a local environment, and secrets it allows."""
        canary, path = self.canary, self.path
        if canary.steps is not None:
            steps = list(canary.steps)
        else:
            steps = [StepSpec(name="check", url=canary.url or "", method=canary.method, headers=canary.headers,
                              body=canary.body, expect=canary.expect)]
        for name, ref in canary.secrets.items():
            self._check_secret((*path, "secrets", name, "secret"), ref)
        for index, step in enumerate(steps):
            step_path = (*path, "steps", index) if canary.steps is not None else path
            if not self.context.env.local and not step.url.startswith("https://"):
                self.problem((*step_path, "url"), f'expected an https URL (http only in a local environment), got '
                                                  f'"{step.url}"')
            for header, value in step.headers.items():
                if isinstance(value, SecretRef):
                    self._check_secret((*step_path, "headers", header, "secret"), value)
        return steps

    def _check_secret(self, path: tuple[str | int, ...], ref: SecretRef) -> None:
        message = self.context.env.secret_problem(ref.secret)
        if message:
            self.problem(path, message)

    def _secret_refs(self, steps: list[StepSpec]) -> list[SecretRef]:
        refs = [value for step in steps for value in step.headers.values() if isinstance(value, SecretRef)]
        return sorted({(r.secret, r.field or ""): r for r in refs}.values(), key=lambda r: (r.secret, r.field or ""))

    def _alarms(self, plan: CanaryPlan, steps: list[StepSpec]) -> tuple[AlarmPlan, ...]:
        canary = self.canary
        dimensions = (("CanaryName", plan.name),)
        target = steps[0].url if len(steps) == 1 else f"{len(steps)} steps from {steps[0].url}"
        common: dict[str, Any] = {
            "service": self.spec.service, "owner": self.spec.owner, "runbook": canary.runbook or self.spec.runbook,
            "source": self.context.source, "kind": "threshold", "condition": "", "description": "",
            "period": plan.every, "evaluation_periods": canary.alarm.of, "datapoints_to_alarm": canary.alarm.failed,
        }
        success_key = naming.canary_alarm_key(self.key)
        alarms = [AlarmPlan(
            key=success_key, name=naming.alarm_name(self.context.scope, self.spec.service, success_key),
            severity=plan.severity,
            summary=canary.summary or f"Canary {plan.name} failed {canary.alarm.failed} of the last "
                                      f"{canary.alarm.of} runs ({target})",
            metric=MetricQuery("m1", NAMESPACE, "SuccessPercent", dimensions, "Average", plan.every),
            operator="LessThanThreshold", threshold=100.0, missing_data="breaching",
            **{**common, **severity_actions(self.env, plan.severity)},
        )]
        if canary.duration is not None:
            duration_key = naming.canary_alarm_key(self.key, "duration")
            severity = canary.duration.severity or plan.severity
            alarms.append(AlarmPlan(
                key=duration_key, name=naming.alarm_name(self.context.scope, self.spec.service, duration_key),
                severity=severity,
                summary=f"Canary {plan.name} runs take longer than {canary.duration.threshold.value:g} ms "
                        f"({target})",
                metric=MetricQuery("m1", NAMESPACE, "Duration", dimensions, "Average", plan.every),
                operator=canary.duration.threshold.cloudformation_operator,
                threshold=canary.duration.threshold.value, missing_data="missing",
                **{**common, **severity_actions(self.env, severity)},
            ))
        return tuple(described(alarm, self.env) for alarm in alarms)


def _step_config(step: StepSpec) -> dict[str, Any]:
    headers: list[dict[str, Any]] = []
    for name, value in sorted(step.headers.items()):
        if isinstance(value, SecretRef):
            headers.append({"name": name, "secret": value.secret, "field": value.field})
        else:
            headers.append({"name": name, "value": value})
    return {
        "name": step.name,
        "method": step.method,
        "url": step.url,
        "headers": headers,
        "body": step.body,
        "expect": {"status": step.expect.status, "body_contains": step.expect.body_contains,
                   "json": [[path, value] for path, value in sorted(step.expect.json_fields.items())]},
        "save": [[name, path] for name, path in sorted(step.save.items())],
    }


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # The template is vigil's own (never a spec); every value it receives is escaped for where it goes: text in
    # comments through the one_line filter, the configuration as a Python string literal (repr).
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     autoescape=False)
    environment.filters["one_line"] = one_line
    return environment.from_string(SCRIPT_TEMPLATE.read_text(encoding="utf-8"))


def render_script(plan: CanaryPlan) -> str:
    """The canary's Python source: the template's fixed check logic with the plan's config embedded."""
    return _template().render(name=plan.name, source=plan.source, runtime=plan.runtime,
                              config_literal=repr(plan.config))
