"""Recognise, among alarms read from an account, the sets a preset would generate, so that `vigil import` writes
one resource line instead of its alarms. An alarm matches a preset alarm when its metric, namespace, statistic,
comparison, period, M of N and missing-data treatment are the preset's, its dimensions fit the preset's (giving
the resource's inputs) and its threshold is the preset's or the one an input gives. A resource is recognised only
when its line would generate exactly the alarms matched, with the same inputs; the rest stay alarms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.expressions import rename_in_rule
from vigil.naming import preset_alarm_key
from vigil.presets.catalog import CONTEXT_NAMES, AlarmDef, Placeholder, PresetType, catalog
from vigil.presets.expand import OPTIONAL_MARK, threshold_text
from vigil.spec.durations import format_duration, parse_duration
from vigil.spec.types import parse_comparison

EXPRESSIBLE = frozenset({"severity", "summary", "runbook", "metric", "namespace", "dimensions", "stat", "period",
                         "threshold", "evaluation_periods", "datapoints_to_alarm", "missing_data", "expression",
                         "metrics"})
"""The alarm fields a resource line reproduces; an alarm with any other (notify states, extra actions, a
label ...) stays an alarm, so that nothing it says is lost."""


@dataclass
class Recognised:
    """What recognition made of a service's alarm entries: `resources` by key (spec form), the `alarms` left
    (composites' rules rewritten to the generated keys), and which alarm key became which generated key."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    alarms: dict[str, dict[str, Any]] = field(default_factory=dict)
    replaced: dict[str, str] = field(default_factory=dict)


@dataclass
class _Match:
    key: str
    inputs: dict[str, Any]


def recognise(entries: Mapping[str, dict[str, Any]]) -> Recognised:
    """Split `entries` (alarm key -> alarm in spec form, `period` in seconds) into resources and alarms."""
    out = Recognised()
    used: set[str] = set()
    for preset in catalog().values():
        groups: dict[tuple[tuple[str, Any], ...], dict[str, _Match]] = {}
        for key, entry in entries.items():
            if key in used:
                continue
            for alarm_name, definition in preset.alarms.items():
                match = _match(preset, definition, entry, key)
                if match is not None:
                    identity = tuple(sorted((n, v) for n, v in match.inputs.items() if n in _identity(preset)))
                    groups.setdefault(identity, {}).setdefault(alarm_name, match)
                    break
        for identity, matches in groups.items():
            resource = _resource(preset, dict(identity), matches, entries)
            if resource is None:
                continue
            others = set(entries) - used - {m.key for m in matches.values()}
            taken = others | set(out.resources) | set(out.replaced.values())
            name = _kept_key(preset, matches, taken) or _resource_key(preset, dict(identity), taken)
            out.resources[name] = resource
            for alarm_name, match in matches.items():
                used.add(match.key)
                out.replaced[match.key] = preset_alarm_key(name, alarm_name)
    for key, entry in entries.items():
        if key in used:
            continue
        if "composite" in entry:
            entry = {**entry, "composite": rename_in_rule(entry["composite"], out.replaced)}
        out.alarms[key] = entry
    return out


def _match(preset: PresetType, definition: AlarmDef, entry: Mapping[str, Any], key: str) -> _Match | None:
    if not set(entry) <= EXPRESSIBLE or entry.get("metric") != definition.metric or \
            entry.get("expression") != definition.expression:
        return None
    expected = (definition.period, definition.evaluation_periods, definition.datapoints_to_alarm,
                definition.missing_data)
    evaluation = entry.get("evaluation_periods", 1)
    actual = (entry.get("period", definition.period if definition.expression else None), evaluation,
              entry.get("datapoints_to_alarm", evaluation), entry.get("missing_data", "missing"))
    if expected != actual:
        return None
    inputs = _metric_inputs(preset, definition, entry) if definition.metric else _math_inputs(preset, definition, entry)
    if inputs is None:
        return None
    threshold = _input_from_threshold(preset, definition, str(entry.get("threshold", "")), inputs)
    return None if threshold is None else _Match(key, {**inputs, **threshold})


def _metric_inputs(preset: PresetType, definition: AlarmDef, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    if (entry.get("namespace"), entry.get("stat")) != (definition.namespace or preset.namespace, definition.stat):
        return None
    return _inputs_from_dimensions(definition.dimensions or preset.dimensions, entry.get("dimensions") or {})


def _math_inputs(preset: PresetType, definition: AlarmDef, entry: Mapping[str, Any]) -> dict[str, Any] | None:
    """The inputs the metrics of a math alarm give, when they are the preset's (same ids, metrics, statistics,
    namespaces and the alarm's period)."""
    metrics = entry.get("metrics") or {}
    if set(metrics) != set(definition.metrics or {}):
        return None
    inputs: dict[str, Any] = {}
    for metric_id, spec in (definition.metrics or {}).items():
        given = metrics[metric_id]
        wanted = (spec.metric, spec.stat, spec.namespace or definition.namespace or preset.namespace,
                  given.get("period", entry.get("period")))
        if (given.get("metric"), given.get("stat"), given.get("namespace"), definition.period) != wanted:
            return None
        found = _inputs_from_dimensions(spec.dimensions or definition.dimensions or preset.dimensions,
                                        given.get("dimensions") or {})
        if found is None or any(inputs.setdefault(n, v) != v for n, v in found.items()):
            return None
    return inputs


def _inputs_from_dimensions(templates: Mapping[str, str], dimensions: Mapping[str, str]) -> dict[str, Any] | None:
    required = {n for n, t in templates.items() if not t.endswith(OPTIONAL_MARK)}
    if not required <= set(dimensions) <= set(templates):
        return None
    inputs: dict[str, Any] = {}
    for name, value in dimensions.items():
        template = templates[name].removesuffix(OPTIONAL_MARK)
        pattern = "".join(f"(?P<{part}>.+)" if index % 2 else re.escape(part)
                          for index, part in enumerate(Placeholder.split(template)))
        found = re.fullmatch(pattern, value)
        if found is None:
            return None
        inputs.update({n: v for n, v in found.groupdict().items() if n not in CONTEXT_NAMES})
    return inputs


def _input_from_threshold(preset: PresetType, definition: AlarmDef, text: str,
                          inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    """{} when the threshold is the preset's fixed one, {input: value} when an input gives it, else None."""
    threshold = definition.threshold
    if threshold.input is None:
        return {} if text == threshold_text(definition, {}, []) else None
    try:
        comparison = parse_comparison(text)
    except ValueError:
        return None
    value = round(comparison.value / threshold.factor, 6)
    kind = preset.inputs[threshold.input].kind
    if comparison.operator != threshold.operator or (kind in ("count", "duration") and not value.is_integer()):
        return None
    given: Any = int(value) if kind == "count" else format_duration(int(value)) if kind == "duration" else value
    held = parse_duration(given) if kind == "duration" else given  # as the resource model holds it
    if threshold_text(definition, {threshold.input: held}, []) != text:
        return None
    return {threshold.input: given}


def _resource(preset: PresetType, identity: dict[str, Any], matches: Mapping[str, _Match],
              entries: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The resource line for `matches`, or None when an alarm the preset always generates is missing, two
    matches disagree on an input, or a required input is unknown."""
    inputs: dict[str, Any] = dict(identity)
    for match in matches.values():
        for name, value in match.inputs.items():
            if inputs.setdefault(name, value) != value:
                return None
    for name, spec in preset.inputs.items():
        if spec.default is not None and name not in inputs:
            inputs[name] = spec.held_default
    generated = {k for k, d in preset.alarms.items() if (d.enabled or k in matches)
                 and (d.when is None or d.when in inputs) and _placeholders(preset, d) <= set(inputs)}
    if generated != set(matches) or any(s.required and n not in inputs for n, s in preset.inputs.items()):
        return None  # the line would generate alarms the account does not have, or lacks a required input
    resource: dict[str, Any] = {"type": preset.type}
    for name, spec in preset.inputs.items():
        value = inputs.get(name)
        held = parse_duration(value) if spec.kind == "duration" and isinstance(value, str) else value
        if value is not None and held != spec.held_default:
            resource[name] = value
    overrides: dict[str, Any] = {}
    for alarm_name, match in matches.items():
        definition, entry = preset.alarms[alarm_name], entries[match.key]
        change: dict[str, Any] = {}
        if not definition.enabled:
            change["enabled"] = True
        if entry.get("severity") != definition.severity:
            change["severity"] = entry.get("severity")
        if entry.get("summary") and entry["summary"] != definition.summary:
            change["summary"] = entry["summary"]
        if entry.get("runbook"):
            change["runbook"] = entry["runbook"]
        if change:
            overrides[alarm_name] = change
    if overrides:
        resource["alarms"] = overrides
    return resource


def _placeholders(preset: PresetType, definition: AlarmDef) -> set[str]:
    templates = preset.dimension_templates(definition)
    return {n for t in templates if not t.endswith(OPTIONAL_MARK) for n in Placeholder.findall(t)} - set(CONTEXT_NAMES)


def _identity(preset: PresetType) -> set[str]:
    """The inputs of the type's own dimensions (a function's name, a queue's): they tell resources apart; an
    alarm on other dimensions only (a queue's dead-letter queue) cannot be tied to its resource."""
    return {n for t in preset.dimensions.values() for n in Placeholder.findall(t)} - set(CONTEXT_NAMES)


def _kept_key(preset: PresetType, matches: Mapping[str, _Match], taken: set[str]) -> str | None:
    """The resource key under which every matched alarm keeps its key (`api-function` for `api-function-errors`
    and `api-function-throttles`, as vigil itself deploys them), so that adopting the line renames nothing."""
    prefixes = {match.key.removesuffix(f"-{alarm}") for alarm, match in matches.items()
                if match.key.endswith(f"-{alarm}")}
    if len(prefixes) != 1 or any(not m.key.endswith(f"-{a}") for a, m in matches.items()):
        return None
    (prefix,) = prefixes
    clash = prefix in taken or any(preset_alarm_key(prefix, alarm) in taken for alarm in preset.alarms)
    return None if clash or not prefix else prefix


def _resource_key(preset: PresetType, identity: Mapping[str, Any], taken: set[str]) -> str:
    first = next((str(identity[n]) for n in preset.inputs if n in identity), preset.type)
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", first).strip("-_.")[:80] or preset.type
    key, number = base, 2
    while key in taken or any(preset_alarm_key(key, alarm) in taken for alarm in preset.alarms):
        key, number = f"{base}-{number}", number + 1
    return key
