"""docs/reference/presets.md, generated from the catalog: every resource type with its inputs, its alarms and
their defaults, and the AWS page each alarm follows. `make reference` (vigil/docs.py) writes it; a test keeps it
in step."""

from __future__ import annotations

from vigil.presets.catalog import AlarmDef, InputDef, PresetType, catalog
from vigil.spec.durations import words
from vigil.spec.types import format_number

_MISSING = {"missing": "missing", "not_breaching": "not breaching", "breaching": "breaching", "ignore": "ignore"}


def reference_text() -> str:
    """The whole reference as markdown."""
    types = catalog()
    lines = [
        "# Resource presets",
        "",
        "<!-- Generated from vigil/data/presets/*.yaml by `make reference`; do not edit. -->",
        "",
        "A service names its AWS resources under `resources:`; each gets the alarms AWS recommends for its type, "
        "keyed `{resource}-{alarm}`, and a row on the service's generated dashboard. Every value below comes from "
        "the AWS page linked in the alarm's row; where AWS says the threshold depends on the workload, it is "
        "derived from an input, or the alarm is generated only when the input is given (column *only with*).",
        "",
        "```yaml",
        "resources:",
        '  orders-fn:    {type: lambda, function: "orders-{{ env }}", timeout: 30s, reserved_concurrency: 50}',
        '  orders-queue: {type: sqs, queue: "orders-{{ env }}", dlq: "orders-dlq-{{ env }}", max_age: 15m}',
        "  orders-table: {type: dynamodb, table: orders}",
        "  orders-api:   {type: apigateway-rest, api: orders, stage: prod,",
        '                 alarms: {latency: {threshold: "> 1500"}, 4xx: {enabled: false}},',
        "                 env: {dev: {enabled: false}}}",
        "```",
        "",
        "Overrides: `alarms: {<alarm>: {...}}` takes any alarm field (threshold, severity, period, "
        "evaluation_periods, datapoints_to_alarm, missing_data, summary, runbook, enabled, `env`); `env: {<env>: "
        "{enabled: false}}` on the resource turns all its alarms off in that environment. Alarms marked *off* "
        "are generated only with `enabled: true`. Hand-written alarms and composites refer to preset alarms by "
        "their generated key.",
        "",
        "| type | resource | alarms |",
        "| --- | --- | --- |",
        *(f"| [`{p.type}`](#{p.type}) | {p.title} | {len(p.alarms)} |" for p in types.values()),
        "",
    ]
    for preset in types.values():
        lines.extend(_type_section(preset))
    return "\n".join(lines).rstrip() + "\n"


def _type_section(preset: PresetType) -> list[str]:
    dimensions = ", ".join(f"{name}={value}" for name, value in preset.dimensions.items())
    lines = [f"## {preset.type}", "", f"**{preset.title}.** {preset.description}", "",
             f"Namespace `{preset.namespace}`, dimensions `{dimensions}`.", "", "| input | kind | | description |",
             "| --- | --- | --- | --- |"]
    lines.extend(f"| `{name}` | {spec.kind} | {_presence(spec)} | {_cell(spec.description)} |"
                 for name, spec in preset.inputs.items())
    lines += ["", "| alarm | metric | statistic | threshold | period | M of N | missing data | severity | only with "
                  "| source |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    lines.extend(_alarm_row(key, alarm) for key, alarm in preset.alarms.items())
    lines += ["", "Thresholds:", ""]
    lines.extend(f"- `{key}`: {_cell(alarm.threshold.basis)}" for key, alarm in preset.alarms.items())
    lines.append("")
    return lines


def _alarm_row(key: str, alarm: AlarmDef) -> str:
    subject = f"`{alarm.metric}`" if alarm.metric else f"`{alarm.expression}`"
    stat = alarm.stat or ", ".join(f"{m.stat} {m.metric}" for m in (alarm.metrics or {}).values())
    threshold = alarm.threshold
    value = format_number(threshold.value) if threshold.value is not None else \
        f"{format_number(threshold.factor)} x `{threshold.input}`" if threshold.factor != 1 else f"`{threshold.input}`"
    region = f" (in {alarm.region})" if alarm.region else ""
    when = f"`{alarm.when}`" if alarm.when else ("off" if not alarm.enabled else "")
    return (f"| `{key}`{region} | {subject} | {stat} | {threshold.operator} {value} | {words(alarm.period)} | "
            f"{alarm.datapoints_to_alarm} of {alarm.evaluation_periods} | {_MISSING[alarm.missing_data]} | "
            f"{alarm.severity} | {when} | [AWS]({alarm.source}) |")


def _presence(spec: InputDef) -> str:
    if spec.required:
        return "required"
    if spec.default is None:
        return "optional"
    return f"default `{spec.default}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")

