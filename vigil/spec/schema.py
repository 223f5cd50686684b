"""JSON Schemas of the spec files, for editors (yaml-language-server) and for review of contract changes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from vigil.spec.dashboards import DashboardSpec
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.service import ServiceSpec

SCHEMAS: dict[str, type[BaseModel]] = {
    "environment.schema.json": EnvironmentSpec,
    "service.schema.json": ServiceSpec,
    "dashboard.schema.json": DashboardSpec,
}
"""File name -> model; the committed files under schemas/ must equal what these models generate."""


class SpecJsonSchema(GenerateJsonSchema):
    """Pydantic's JSON Schema, with maps keyed by a pattern (alarm keys, log group names ...) written as
    `propertyNames` + `additionalProperties`: pydantic writes them as `patternProperties`, under which a key
    that does not match is not checked at all."""

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        json_schema = super().dict_schema(schema)
        pattern_properties = json_schema.pop("patternProperties", None)
        if pattern_properties:
            ((pattern, values),) = pattern_properties.items()
            json_schema["propertyNames"] = {**json_schema.get("propertyNames", {}), "pattern": pattern}
            json_schema["additionalProperties"] = values
        return json_schema


def schema_texts() -> dict[str, str]:
    """Each schema file's expected content, as deterministic JSON text."""
    out = {}
    for name, model in SCHEMAS.items():
        schema: dict[str, Any] = model.model_json_schema(mode="validation", schema_generator=SpecJsonSchema)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = name
        out[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out
