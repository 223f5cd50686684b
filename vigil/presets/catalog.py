"""The preset catalog: one YAML file per resource type under vigil/data/presets/, validated by the models here
when first used. Each file names the type's inputs (what a spec says about the resource), and the alarms AWS
recommends for it with the page each follows. Values come from AWS's pages, never from here."""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Annotated, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from vigil.naming import preset_alarm_key
from vigil.spec.durations import parse_duration
from vigil.spec.types import Duration, Key, Severity, Stat

CATALOG_PACKAGE = "vigil.data.presets"
"""The package whose `*.yaml` files are the catalog, one resource type per file (named after the type)."""

InputKind = Literal["text", "duration", "count", "number", "percent"]
"""What an input holds: text (a name or id), duration (`30s`, held in seconds), count (a whole number >= 0),
number, or percent (0 to 100)."""
Operator = Literal[">", ">=", "<", "<="]
MissingData = Literal["missing", "not_breaching", "breaching", "ignore"]
PinnedRegion = Literal["us-east-1"]
"""The regions a preset alarm may be pinned to: where CloudFront's and Route 53 health checks' metrics exist."""
PINNED_REGIONS: tuple[str, ...] = get_args(PinnedRegion)
TypeName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
Placeholder = re.compile(r"\{([a-z_]+)\}")
"""`{function}` in a dimension value: the resource's input of that name (or `account`, `region`)."""
CONTEXT_NAMES = ("account", "region")
"""Placeholders filled from the environment rather than from an input."""
AWS_URL = r"^https://docs\.aws\.amazon\.com/\S+$"
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: a tenth of the pure-Python parse


class CatalogModel(BaseModel):
    """Base of the catalog models: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class InputDef(CatalogModel):
    """One input of a resource type, as a spec writes it (`function: orders-prod`, `timeout: 30s`)."""

    kind: InputKind
    description: str = Field(min_length=1)
    required: bool = False
    default: str | int | float | None = Field(default=None, description="Value when the spec leaves it out.")

    @property
    def held_default(self) -> str | int | float | None:
        """The default as a resource model holds it: a duration in seconds, any other kind as written."""
        return parse_duration(self.default) if self.kind == "duration" and self.default is not None else \
            self.default


class ThresholdDef(CatalogModel):
    """A threshold: a fixed `value`, or `factor` x the resource's `input` (for example 0.9 x reserved
    concurrency, or 800 x a timeout in seconds for 80 % of it in milliseconds). `basis` says where it comes from:
    AWS's words, or how an input turns into the number AWS asks for."""

    operator: Operator
    value: float | None = None
    input: str | None = None
    factor: float = 1.0
    basis: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> ThresholdDef:
        if (self.value is None) == (self.input is None):
            raise ValueError("expected exactly one of value or input")
        return self


class MetricDef(CatalogModel):
    """A metric of an expression alarm; namespace and dimensions default to the type's."""

    metric: str
    stat: Stat
    namespace: str | None = None
    dimensions: dict[str, str] | None = None


class AlarmDef(CatalogModel):
    """One recommended alarm of a type. `when` names an input without which the alarm is not generated (AWS
    recommends it only in that case, or its threshold needs the input); `enabled: false` alarms are generated
    only when a spec enables them. `region` pins the alarm to the one region the metric exists in."""

    title: str = Field(min_length=1)
    metric: str | None = None
    stat: Stat | None = None
    namespace: str | None = None
    dimensions: dict[str, str] | None = None
    expression: str | None = None
    metrics: dict[str, MetricDef] | None = None
    threshold: ThresholdDef
    period: Duration
    evaluation_periods: int = Field(ge=1)
    datapoints_to_alarm: int = Field(ge=1)
    missing_data: MissingData
    missing_data_basis: str = Field(min_length=1)
    severity: Severity
    summary: str = Field(min_length=1, max_length=400)
    source: str = Field(pattern=AWS_URL)
    enabled: bool = True
    when: str | None = None
    region: PinnedRegion | None = None

    @model_validator(mode="after")
    def _form(self) -> AlarmDef:
        if (self.metric is None) == (self.expression is None):
            raise ValueError("expected exactly one of metric or expression")
        if self.metric is not None and self.stat is None:
            raise ValueError("a metric alarm needs stat")
        if self.expression is not None and not self.metrics:
            raise ValueError("an expression alarm needs metrics")
        if self.datapoints_to_alarm > self.evaluation_periods:
            raise ValueError("datapoints_to_alarm exceeds evaluation_periods")
        return self


class GraphDef(CatalogModel):
    """An extra graph on the resource's dashboard row (beside one graph per alarm): metrics of the type's
    namespace and dimensions, as AWS's automatic dashboard for the service shows them."""

    title: str
    metrics: list[MetricDef] = Field(min_length=1)


class PresetType(CatalogModel):
    """One resource type: its inputs, the dimensions its metrics carry, its recommended alarms."""

    type: TypeName
    title: str
    description: str
    namespace: str
    dimensions: dict[str, str]
    inputs: dict[str, InputDef]
    alarms: dict[Key, AlarmDef]
    graphs: list[GraphDef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> PresetType:
        known = set(self.inputs) | set(CONTEXT_NAMES)
        reserved = {"type", "alarms", "env", "enabled"}
        for name in self.inputs:
            if name in reserved:
                raise ValueError(f"input {name!r} shadows a resource field")
        for key, alarm in self.alarms.items():
            texts = [*self.dimensions.values(), *(alarm.dimensions or {}).values(),
                     *(v for m in (alarm.metrics or {}).values() for v in (m.dimensions or {}).values())]
            for name in (n for text in texts for n in Placeholder.findall(text)):
                if name not in known:
                    raise ValueError(f"alarm {key}: placeholder {{{name}}} names no input")
            for name in (alarm.threshold.input, alarm.when):
                if name is not None and name not in self.inputs:
                    raise ValueError(f"alarm {key}: input {name!r} is not declared")
            threshold_input = alarm.threshold.input
            if threshold_input and not (self.inputs[threshold_input].required or alarm.when == threshold_input
                                        or self.inputs[threshold_input].default is not None):
                raise ValueError(f"alarm {key}: its threshold needs input {threshold_input!r}: make it required, "
                                 "give it a default, or generate the alarm only `when` it is set")
        return self

    def dimension_templates(self, alarm: AlarmDef) -> list[str]:
        """The dimension values of `alarm`'s metrics, placeholders unfilled: the alarm's own (else the type's)
        and those its expression's metrics set."""
        return [*(alarm.dimensions or self.dimensions).values(),
                *(v for m in (alarm.metrics or {}).values() for v in (m.dimensions or {}).values())]


class CatalogError(Exception):
    """A catalog file that does not validate: a packaging error, not a spec problem."""


@functools.cache
def catalog() -> dict[str, PresetType]:
    """Every resource type by name, read and validated once."""
    types: dict[str, PresetType] = {}
    for entry in sorted(resources.files(CATALOG_PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        try:
            preset = PresetType.model_validate(yaml.load(entry.read_text(encoding="utf-8"), Loader=_LOADER))
        except (ValidationError, yaml.YAMLError) as error:
            raise CatalogError(f"{entry.name}: {error}") from None
        if entry.name != f"{preset.type}.yaml":
            raise CatalogError(f"{entry.name}: type {preset.type!r} does not match the file name")
        types[preset.type] = preset
    return types


@functools.cache
def possible_alarm_keys(resource: str) -> set[str]:
    """Every key a resource so named could generate, whatever its type: what problems about the alarms of a
    resource left out as invalid would name."""
    return {preset_alarm_key(resource, alarm) for preset in catalog().values() for alarm in preset.alarms}
