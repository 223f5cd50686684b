"""`resources:` in a service file: AWS resources monitored with their type's preset alarms.

Each resource type of the catalog (vigil/data/presets/<type>.yaml) becomes a model here, built from the type's
inputs, so that a spec's resource is checked like any other spec field: an unknown input, a missing required one
or a value of the wrong kind is one clear error at its line, and the JSON Schema lists every type's inputs."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, StringConstraints, create_model

from vigil.presets.catalog import InputDef, PresetType, catalog
from vigil.spec.types import Duration, Name, SpecModel

_INPUT_TYPES: dict[str, Any] = {
    "text": Annotated[str, StringConstraints(min_length=1, max_length=1024)],
    "duration": Duration,
    "count": Annotated[int, Field(ge=0)],
    "number": Annotated[float, Field(gt=0)],
    "percent": Annotated[float, Field(ge=0, le=100)],
}
"""The field type of each input kind (vigil/presets/catalog.py: InputKind)."""


class ResourceOverride(SpecModel):
    """What one environment changes in a resource."""

    enabled: bool | None = Field(default=None, description="Deploy the resource's alarms in this environment; "
                                 "default: as the resource's enabled.")


class ResourceBase(SpecModel):
    """What every resource has besides its type's inputs; each type's model (below) narrows `type` to its name
    and `alarms` to its preset's alarm keys."""

    type: str
    enabled: bool = Field(default=True, description="false drops every alarm of the resource; default true.")
    alarms: dict[str, SpecModel] = Field(default_factory=dict, description="Overrides of the preset's alarms by "
                                         "key: any alarm field, enabled, severity, env.")
    env: dict[Name, ResourceOverride] = Field(default_factory=dict, description="Per-environment overrides of "
                                              "the whole resource.")


def resource_union(alarm_patch: type[SpecModel]) -> Any:
    """The type of one entry of `resources:`: a union of one model per catalog type, told apart by `type`.
    `alarm_patch` is the model of an alarm's overrides (every alarm field, all optional)."""
    models = tuple(_resource_model(preset, alarm_patch) for preset in catalog().values())
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007 (a tuple of models)


def _resource_model(preset: PresetType, alarm_patch: type[SpecModel]) -> type[ResourceBase]:
    keys = tuple(preset.alarms)
    alarms_field = ResourceBase.model_fields["alarms"]
    fields: dict[str, Any] = {
        "type": (Literal[preset.type], Field(description=f"{preset.title}: {preset.description}")),
        **{name: _input_field(spec) for name, spec in preset.inputs.items()},
        "alarms": (dict[Literal[keys], alarm_patch], Field(  # type: ignore[valid-type]
            default_factory=dict, description=alarms_field.description)),
    }
    name = "".join(part.capitalize() for part in preset.type.split("-")) + "Resource"
    model: type[ResourceBase] = create_model(name, __base__=ResourceBase, __doc__=f"A {preset.title}, monitored "
                                             "with the alarms AWS recommends for it (docs/presets.md).", **fields)
    return model


def _input_field(spec: InputDef) -> tuple[Any, Any]:
    kind = _INPUT_TYPES[spec.kind]
    if spec.required:
        return kind, Field(description=spec.description)
    return kind | None, Field(default=spec.held_default, description=spec.description)
