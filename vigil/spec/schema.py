"""JSON Schemas of the spec files, for editors (yaml-language-server) and for review of contract changes."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from vigil.spec.dashboards import DashboardSpec
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.service import ServiceSpec

SCHEMAS: dict[str, type[BaseModel]] = {
    "environment.schema.json": EnvironmentSpec,
    "service.schema.json": ServiceSpec,
    "dashboard.schema.json": DashboardSpec,
}
"""File name -> model; the committed files under schemas/ must equal what these models generate."""


def schema_texts() -> dict[str, str]:
    """Each schema file's expected content, as deterministic JSON text."""
    out = {}
    for name, model in SCHEMAS.items():
        schema: dict[str, Any] = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = name
        out[name] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out
