"""Expand a service's `resources:` into ordinary alarms keyed `{resource}-{alarm}`: the catalog's recommended
values, with the resource's inputs filled in, then the spec's overrides on top. After this step a preset alarm is
an alarm like any other (routing, env rules, composites, dashboards, cost, verify, diff)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from vigil import naming
from vigil.plan.model import GraphPlan, MetricQuery, ResourcePlan
from vigil.presets.catalog import CONTEXT_NAMES, AlarmDef, MetricDef, Placeholder, PresetType, catalog
from vigil.spec.durations import format_duration
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument
from vigil.spec.resources import ResourceBase
from vigil.spec.service import AlarmSpec, ServiceSpec
from vigil.spec.types import Key, format_number

Path = tuple[str | int, ...]
_KEY: TypeAdapter[str] = TypeAdapter(Key)
OPTIONAL_MARK = "?"
"""A catalog dimension value ending in `?` (`"{event_bus}?"`) is left out when its input is not set."""


@dataclass(frozen=True)
class PresetOrigin:
    """Where a generated alarm comes from: resource `resource` of type `type`, its preset alarm `alarm`, the AWS
    page it follows, and the one region its metric exists in (None: the environment's)."""

    resource: str
    type: str
    alarm: str
    source: str
    region: str | None = None

    def __str__(self) -> str:
        return f"{self.resource} ({self.type}/{self.alarm})"


@dataclass
class Expansion:
    """The alarms a service's resources expand into, by key, with their origins and the problems found (path in
    the service document, message)."""

    alarms: dict[str, AlarmSpec] = field(default_factory=dict)
    origins: dict[str, PresetOrigin] = field(default_factory=dict)
    problems: list[tuple[Path, str]] = field(default_factory=list)
    resources: list[ResourcePlan] = field(default_factory=list)


def expand(resources: Mapping[str, ResourceBase], *, account: str, region: str,
           env_names: Collection[str]) -> Expansion:
    """Expand every resource for one environment (`account` and `region` fill `{account}` and `{region}` in
    dimensions; `env_names` are the environments that exist). Alarms whose `when` input is not set are left out
    unless an override gives them a threshold. Environment names in a resource's `env` are checked by the caller
    (ServiceContext.check_override_names); unknown ones are ignored here."""
    out = Expansion()
    types = catalog()
    for name, resource in resources.items():
        preset = types[resource.type]
        if not resource.enabled:
            continue
        values = {**{n: getattr(resource, n) for n in preset.inputs}, "account": account, "region": region}
        for key, definition in preset.alarms.items():
            _expand_alarm(out, name, resource, preset, key, definition, values, env_names)
        keys = tuple(k for k, origin in out.origins.items() if origin.resource == name)
        out.resources.append(ResourcePlan(name, preset.type, keys, _graphs(preset, values)))
    return out


GRAPH_PERIOD = 300
"""Period of a resource row's extra graphs, in seconds (5 minutes, as CloudWatch's automatic dashboards)."""


def _graphs(preset: PresetType, values: Mapping[str, Any]) -> tuple[GraphPlan, ...]:
    graphs = []
    for graph in preset.graphs:
        missing: list[str] = []
        queries = tuple(MetricQuery(id=f"m{index}", namespace=metric.namespace or preset.namespace,
                                    metric=metric.metric,
                                    dimensions=tuple(sorted(_dimensions(metric.dimensions or preset.dimensions,
                                                                        values, missing).items())),
                                    stat=metric.stat, period=GRAPH_PERIOD)
                        for index, metric in enumerate(graph.metrics, start=1))
        if not missing:
            graphs.append(GraphPlan(graph.title, queries))
    return tuple(graphs)


def _expand_alarm(out: Expansion, name: str, resource: ResourceBase, preset: PresetType, key: str,
                  definition: AlarmDef, values: dict[str, Any], env_names: Collection[str]) -> None:
    patch: BaseModel | None = resource.alarms.get(key)
    given = patch.model_dump(exclude_none=True, mode="json") if patch is not None else {}
    path: Path = ("resources", name, "alarms", key) if patch is not None else ("resources", name)
    enabled = given.get("enabled", definition.enabled)
    overrides_threshold = "threshold" in given or "anomaly" in given
    if not enabled:
        return
    if definition.when is not None and values.get(definition.when) is None and not overrides_threshold:
        if "enabled" in given:
            alternative = "" if _names_dimension(definition, preset, definition.when) else " (or a threshold)"
            out.problems.append(((*path, "enabled"), f"needs input {definition.when}{alternative} on the "
                                                     f"resource: {preset.inputs[definition.when].description}"))
        return
    generated_key = naming.preset_alarm_key(name, key)
    try:
        _KEY.validate_python(generated_key)
    except ValidationError:
        out.problems.append((("resources", name), f"alarm key {generated_key} is longer than 128 characters; "
                                                  "shorten the resource key"))
        return
    data: dict[str, Any] = {"severity": definition.severity, "summary": definition.summary,
                            "period": format_duration(definition.period),
                            "evaluation_periods": definition.evaluation_periods,
                            "datapoints_to_alarm": definition.datapoints_to_alarm,
                            "missing_data": definition.missing_data}
    missing: list[str] = []
    if definition.metric is not None:
        data["metric"] = definition.metric
        data["stat"] = definition.stat
        data["namespace"] = definition.namespace or preset.namespace
        data["dimensions"] = _dimensions(definition.dimensions or preset.dimensions, values, missing)
    else:
        data["expression"] = definition.expression
        data["metrics"] = {metric_id: _metric(metric, definition, preset, values, missing)
                           for metric_id, metric in (definition.metrics or {}).items()}
    if not overrides_threshold:
        data["threshold"] = threshold_text(definition, values, missing)
    for missing_input in sorted(set(missing)):
        out.problems.append((path, f"needs input {missing_input}: {preset.inputs[missing_input].description}"))
    if missing:
        return
    if "metric" in given and "expression" in data:  # a math alarm made a single-metric one: the type's metric
        del data["expression"], data["metrics"]      # namespace and dimensions, unless given
        data["namespace"] = definition.namespace or preset.namespace
        data["dimensions"] = _dimensions(definition.dimensions or preset.dimensions, values, [])
    elif "expression" in given:
        for name in ("metric", "stat", "namespace", "dimensions"):
            data.pop(name, None)
    data.update({k: v for k, v in given.items() if k not in ("env", "enabled")})
    if "anomaly" in given:
        data.pop("threshold", None)
    data["env"] = _environments(resource, given.get("env", {}), env_names)
    try:
        out.alarms[generated_key] = AlarmSpec.model_validate(data)
    except ValidationError as error:
        for detail in error.errors(include_url=False):  # a rule's problem carries its path in its context
            where = (*detail["loc"], *detail.get("ctx", {}).get("path", ()))
            out.problems.append(((*path, *[str(p) for p in where]), str(detail["msg"])))
        return
    out.origins[generated_key] = PresetOrigin(name, preset.type, key, definition.source, definition.region)


def _names_dimension(definition: AlarmDef, preset: PresetType, name: str) -> bool:
    """Whether input `name` fills a dimension of the alarm (then no threshold can stand in for it)."""
    return any(name in Placeholder.findall(text) for text in preset.dimension_templates(definition))


def _environments(resource: ResourceBase, alarm_env: Mapping[str, Any], known: Collection[str]) -> dict[str, Any]:
    """The alarm's per-environment overrides: the resource's `env` (enabled) under the alarm's own. Environment
    names the resource's `env` gets wrong are reported once, at the resource (with_presets), not per alarm."""
    merged: dict[str, Any] = {}
    for env_name, override in resource.env.items():
        if override.enabled is not None and env_name in known:
            merged[env_name] = {"enabled": override.enabled}
    for env_name, override in alarm_env.items():
        merged[env_name] = {**merged.get(env_name, {}), **override}
    return merged


def _metric(metric: MetricDef, definition: AlarmDef, preset: PresetType, values: Mapping[str, Any],
            missing: list[str]) -> dict[str, Any]:
    return {"metric": metric.metric, "stat": metric.stat,
            "namespace": metric.namespace or definition.namespace or preset.namespace,
            "dimensions": _dimensions(metric.dimensions or definition.dimensions or preset.dimensions, values,
                                      missing)}


def _dimensions(templates: Mapping[str, str], values: Mapping[str, Any], missing: list[str]) -> dict[str, str]:
    """Fill `{input}` placeholders; report unset inputs as missing, except in a dimension marked optional
    (`"{event_bus}?"`), which is left out instead (an EventBridge rule on the default bus has no EventBusName)."""
    out = {}
    for name, template in templates.items():
        optional = template.endswith(OPTIONAL_MARK)
        text = template.removesuffix(OPTIONAL_MARK)
        unset = [n for n in Placeholder.findall(text) if values.get(n) is None]
        if unset and optional:
            continue
        missing.extend(n for n in unset if n not in CONTEXT_NAMES)
        out[name] = Placeholder.sub(lambda m: _text(values.get(m.group(1))), text)
    return out


def threshold_text(definition: AlarmDef, values: Mapping[str, Any], missing: list[str]) -> str | None:
    """The alarm's threshold as a comparison (`> 45`): the catalog's value, or factor x the input (None, with
    the input added to `missing`, when it is not set)."""
    threshold = definition.threshold
    if threshold.value is not None:
        return f"{threshold.operator} {_number(threshold.value)}"
    value = values.get(threshold.input or "")
    if value is None:
        missing.append(str(threshold.input))
        return None
    return f"{threshold.operator} {_number(float(value) * threshold.factor)}"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: float) -> str:
    """A threshold as text a comparison parses (format_number), rounded to the precision a threshold needs
    (binary-to-decimal noise of a factor removed)."""
    return format_number(round(float(value), 6))



@dataclass(frozen=True)
class ServiceWithPresets:
    """A service spec whose `alarms` include its resources' alarms; `document` locates each generated alarm at
    its resource; `origins` says where each comes from; `problems` are those the expansion found."""

    spec: ServiceSpec
    document: LoadedDocument
    origins: dict[str, PresetOrigin]
    problems: list[SpecProblem]
    resources: tuple[ResourcePlan, ...] = ()


def with_presets(spec: ServiceSpec, document: LoadedDocument, *, account: str, region: str,
                 env_names: Collection[str]) -> ServiceWithPresets:
    """`spec` with its resources' alarms added to `alarms` (see ServiceWithPresets). A generated key that a
    hand-written alarm already uses is a problem: neither silently wins."""
    if not spec.resources:
        return ServiceWithPresets(spec, document, {}, [])
    expansion = expand(spec.resources, account=account, region=region, env_names=env_names)
    problems = [document.problem(path, message) for path, message in expansion.problems]
    alarms = dict(spec.alarms)
    lines = dict(document.lines)
    for key, alarm in expansion.alarms.items():
        origin = expansion.origins[key]
        if key in alarms:
            problems.append(document.problem(("resources", origin.resource),
                                             f"its alarm {origin.alarm} is keyed {key}, which alarms already "
                                             f"has (line {document.line_of(('alarms', key))}); rename one"))
            continue
        alarms[key] = alarm
        source = ("resources", origin.resource, "alarms", origin.alarm)
        lines[("alarms", key)] = document.line_of(source)
        for path, line in document.lines.items():
            if path[:len(source)] == source:
                lines[("alarms", key, *path[len(source):])] = line
    merged = spec.model_copy(update={"alarms": alarms})
    return ServiceWithPresets(merged, LoadedDocument(document.file, document.data, lines), expansion.origins,
                              problems, tuple(expansion.resources))



def relocate(problem: SpecProblem, origins: Mapping[str, PresetOrigin]) -> SpecProblem:
    """A problem found in a generated alarm, named at the resource that generated it
    (`alarms.orders-fn-errors.threshold` -> `resources.orders-fn.alarms.errors.threshold`)."""
    for key, origin in origins.items():
        prefix = f"alarms.{key}"
        if problem.field == prefix or problem.field.startswith(prefix + "."):
            rest = problem.field[len(prefix):]
            return replace(problem, field=f"resources.{origin.resource}.alarms.{origin.alarm}{rest}")
    return problem
