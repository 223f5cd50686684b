"""Resolve a service's canaries for one environment: names, schedules, retention, the generated script and the
alarms on their CloudWatchSynthetics metrics, all checked before any CDK code runs."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from vigil.plan import naming
from vigil.plan.describe import alarm_condition, alarm_description
from vigil.plan.limits import (
    MAX_CANARY_INTERVAL_SECONDS,
    MAX_CANARY_RETENTION_DAYS,
    MAX_CANARY_RUN_SECONDS,
    MIN_CANARY_INTERVAL_SECONDS,
    MIN_CANARY_RETENTION_DAYS,
)
from vigil.plan.model import AlarmPlan, MetricQuery
from vigil.plan.overrides import check_environment_names, enabled_in
from vigil.plan.text import one_line
from vigil.spec.canaries import CanaryOverride, CanarySpec, StepSpec
from vigil.spec.durations import words
from vigil.spec.environment import EnvironmentSpec, SecretRef
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument
from vigil.spec.logs import RETENTION_DAYS
from vigil.spec.service import ServiceSpec
from vigil.spec.types import Severity

RUNTIME_VERSION = "syn-python-selenium-14.0"
"""Synthetics runtime of generated canaries (Python 3.12); the checks themselves use only the standard library."""
HANDLER = "index.handler"
"""Inline canary scripts are stored as index.py; the entry point is its handler function."""
NAMESPACE = "CloudWatchSynthetics"
ONE_DAY, SEVEN_DAYS = 86400, 604800
VARIABLE = re.compile(r"\$\{([^}]*)\}")
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SCRIPT_TEMPLATE = Path(__file__).resolve().parent.parent / "functions" / "canary" / "canary.py.j2"


@dataclass(frozen=True)
class CanaryPlan:
    """One canary as deployed. Durations in seconds, retention in days. `config` is the JSON the script runs
    (steps, expectations, secret ids: never secret values); `script` the generated Python source."""

    key: str
    name: str
    service: str
    severity: Severity
    every: int
    timeout: int
    run_timeout: int
    success_retention: int
    failure_retention: int
    runtime: str
    handler: str
    secret_ids: tuple[str, ...]
    config: str
    script: str
    alarms: tuple[str, ...]
    source: str
    owns_log_group: bool = True
    """The stack creates the canary's log group with its retention (`log_retention`). False in a local
    environment: LocalStack has no Synthetics, so no canary id exists to name the group after."""

    @property
    def schedule(self) -> str:
        """The Synthetics schedule expression, e.g. `rate(5 minutes)`."""
        minutes = self.every // 60
        if minutes == 60:
            return "rate(1 hour)"
        return f"rate({minutes} minute{'s' if minutes > 1 else ''})"

    @property
    def artifact_expiry(self) -> int:
        """Days after which S3 artifacts expire: the longer of the two retentions."""
        return max(self.success_retention, self.failure_retention)

    @property
    def log_retention(self) -> int:
        """Days the canary's log group keeps its runs' logs: the shortest retention CloudWatch Logs accepts that
        is at least the artifact expiry, so logs outlive the artifacts they explain."""
        return next(days for days in RETENTION_DAYS if days >= self.artifact_expiry)


def resolve_canaries(environment: EnvironmentSpec, env_names: list[str], spec: ServiceSpec,
                     document: LoadedDocument, problems: list[SpecProblem]
                     ) -> tuple[tuple[CanaryPlan, ...], tuple[AlarmPlan, ...]]:
    """The canaries of `spec` enabled in `environment` and their alarms, in key order; problems are appended.
    Outside a local environment every URL must be https; every secret must be one `environment` may read."""
    canaries: list[CanaryPlan] = []
    alarms: list[AlarmPlan] = []
    for key, canary in sorted(spec.canaries.items()):
        resolver = _CanaryResolver(environment, env_names, spec, document, problems, key, canary)
        resolved = resolver.resolve()
        if resolved is not None:
            canaries.append(resolved[0])
            alarms.extend(resolved[1])
    return tuple(canaries), tuple(alarms)


class _CanaryResolver:
    def __init__(self, environment: EnvironmentSpec, env_names: list[str], spec: ServiceSpec,
                 document: LoadedDocument, problems: list[SpecProblem], key: str, canary: CanarySpec) -> None:
        self.environment, self.env = environment, environment.name
        self.env_names, self.spec, self.document = env_names, spec, document
        self.problems, self.key, self.canary = problems, key, canary
        self.path: tuple[str | int, ...] = ("canaries", key)

    def problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self.document.problem(path, message))

    def resolve(self) -> tuple[CanaryPlan, tuple[AlarmPlan, ...]] | None:
        canary, path = self.canary, self.path
        check_environment_names(canary.env, self.env_names, path, self.problem)
        override = canary.env.get(self.env) or CanaryOverride()
        if not enabled_in(canary.enabled, override):
            return None
        count = len(self.problems)
        name = naming.canary_name(self.env, self.spec.service, self.key)
        every = override.every or canary.every
        every_path = (*path, "env", self.env, "every") if override.every else (*path, "every")
        if every < MIN_CANARY_INTERVAL_SECONDS or every > MAX_CANARY_INTERVAL_SECONDS or every % 60:
            self.problem(every_path, f"expected whole minutes from 1m to 1h (Synthetics rate schedules), got "
                                     f"{words(every)}")
        success = self._retention((*path, "retention"), canary.retention)
        failure = success if canary.failure_retention is None else self._retention(
            (*path, "failure_retention"), canary.failure_retention)
        run_timeout = min(every, MAX_CANARY_RUN_SECONDS)
        if canary.timeout < 1:
            self.problem((*path, "timeout"), "expected at least 1s")
        steps = self._steps()
        if steps and canary.timeout * len(steps) > run_timeout:
            self.problem((*path, "timeout"), f"{len(steps)} request(s) x {words(canary.timeout)} exceed the "
                                             f"{words(run_timeout)} a run may last (the schedule interval, at "
                                             "most 14 min)")
        alarm = canary.alarm
        if alarm.failed > alarm.of:
            self.problem((*path, "alarm", "failed"), f"expected at most alarm.of ({alarm.of}), got {alarm.failed}")
        limit = ONE_DAY if every < 3600 else SEVEN_DAYS
        if every * alarm.of > limit:
            self.problem((*path, "alarm", "of"), f"{alarm.of} runs x {words(every)} exceed the "
                                                 f"{words(limit)} CloudWatch evaluates")
        alarm_keys = [naming.canary_alarm_key(self.key)] + (
            [naming.canary_alarm_key(self.key, "duration")] if canary.duration else [])
        for alarm_key in alarm_keys:
            if alarm_key in self.spec.alarms:
                self.problem(path, f'the canary\'s alarm key "{alarm_key}" is also an alarm of this service; '
                                   "rename one of them")
        if len(self.problems) > count:
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
            config=config_text, script="", alarms=(), source=self.document.file,
            owns_log_group=not self.environment.local,
        )
        plan = replace(plan, script=render_script(plan))
        alarm_plans = self._alarms(plan, steps)
        return replace(plan, alarms=tuple(a.name for a in alarm_plans)), alarm_plans

    def _retention(self, path: tuple[str | int, ...], seconds: int) -> int:
        if seconds % ONE_DAY or not MIN_CANARY_RETENTION_DAYS <= seconds // ONE_DAY <= MAX_CANARY_RETENTION_DAYS:
            self.problem(path, f"expected whole days from {MIN_CANARY_RETENTION_DAYS}d to "
                               f"{MAX_CANARY_RETENTION_DAYS}d, got {words(seconds)}")
        return max(seconds // ONE_DAY, MIN_CANARY_RETENTION_DAYS)

    def _steps(self) -> list[StepSpec]:
        canary, path = self.canary, self.path
        if (canary.url is None) == (canary.steps is None):
            self.problem(path, "expected exactly one of url (a heartbeat) or steps (an API check), got "
                               + ("both" if canary.url else "neither"))
            return []
        if canary.steps is not None:
            for field in ("method", "headers", "body", "expect"):
                if field in canary.model_fields_set:
                    self.problem((*path, field), "set this on each step; this canary has steps")
            if not canary.steps:
                self.problem((*path, "steps"), "expected at least one step")
            steps = list(canary.steps)
        else:
            steps = [StepSpec(name="check", url=canary.url or "", method=canary.method, headers=canary.headers,
                              body=canary.body, expect=canary.expect)]
        for name, ref in canary.secrets.items():
            self._check_secret((*path, "secrets", name, "secret"), ref)
        known = set(canary.secrets)
        seen: set[str] = set()
        for index, step in enumerate(steps):
            step_path = (*path, "steps", index) if canary.steps is not None else path
            if step.name in seen:
                self.problem((*step_path, "name"), f'step "{step.name}" is already defined in this canary')
            seen.add(step.name)
            if not self.environment.local and not step.url.startswith("https://"):
                self.problem((*step_path, "url"), f'expected an https URL (http only in a local environment), got '
                                                  f'"{step.url}"')
            for header, value in step.headers.items():
                if isinstance(value, SecretRef):
                    self._check_secret((*step_path, "headers", header, "secret"), value)
            for field, text in _templated(step):
                for used in VARIABLE.findall(text):
                    if not VARIABLE_NAME.match(used):
                        self.problem((*step_path, *field),
                                     f'expected ${{name}} with a variable name, got "${{{used}}}"')
                    elif used not in known:
                        defined = ", ".join(sorted(known)) or "none"
                        self.problem((*step_path, *field), f'unknown variable "${{{used}}}"; defined before this '
                                                           f"step: {defined}")
            for field, value in (("body", step.body), ("expect", step.expect.json_fields)):
                try:
                    json.dumps(value)
                except (TypeError, ValueError):
                    self.problem((*step_path, field), "expected JSON values (text, numbers, true/false, null, lists "
                                                      "and mappings); quote dates and times")
            if step.method in ("GET", "HEAD") and step.body is not None:
                self.problem((*step_path, "body"), f"a {step.method} request has no body")
            known.update(step.save)
        return steps

    def _check_secret(self, path: tuple[str | int, ...], ref: SecretRef) -> None:
        message = self.environment.secret_problem(ref.secret)
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
            "source": self.document.file, "kind": "threshold", "condition": "", "description": "",
            "period": plan.every, "evaluation_periods": canary.alarm.of, "datapoints_to_alarm": canary.alarm.failed,
        }
        success_key = naming.canary_alarm_key(self.key)
        alarms = [AlarmPlan(
            key=success_key, name=naming.alarm_name(self.env, self.spec.service, success_key),
            severity=plan.severity,
            summary=canary.summary or f"Canary {plan.name} failed {canary.alarm.failed} of the last "
                                      f"{canary.alarm.of} runs ({target})",
            metric=MetricQuery("m1", NAMESPACE, "SuccessPercent", dimensions, "Average", plan.every),
            operator="LessThanThreshold", threshold=100.0, missing_data="breaching",
            **{**common, **_actions(self.env, plan.severity)},
        )]
        if canary.duration is not None:
            duration_key = naming.canary_alarm_key(self.key, "duration")
            severity = canary.duration.severity or plan.severity
            alarms.append(AlarmPlan(
                key=duration_key, name=naming.alarm_name(self.env, self.spec.service, duration_key),
                severity=severity,
                summary=f"Canary {plan.name} runs take longer than {canary.duration.threshold.value:g} ms "
                        f"({target})",
                metric=MetricQuery("m1", NAMESPACE, "Duration", dimensions, "Average", plan.every),
                operator=canary.duration.threshold.cloudformation_operator,
                threshold=canary.duration.threshold.value, missing_data="missing",
                **{**common, **_actions(self.env, severity)},
            ))
        described = []
        for alarm in alarms:
            condition = alarm_condition(alarm)
            described.append(replace(alarm, condition=condition,
                                     description=alarm_description(alarm, condition, self.env)))
        return tuple(described)


def _actions(env: str, severity: Severity) -> dict[str, tuple[str, ...]]:
    topic = naming.topic_name(env, severity)
    return {"alarm_actions": (topic,), "ok_actions": (topic,) if severity != "info" else ()}


def _templated(step: StepSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """Every string of a step that may hold ${name} variables, with its path inside the step."""
    found: list[tuple[tuple[str | int, ...], str]] = [(("url",), step.url)]
    for name, value in step.headers.items():
        if isinstance(value, str):
            found.append((("headers", name), value))

    def walk(value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, str):
            found.append((path, value))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))

    walk(step.body, ("body",))
    return found


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
