"""The committed JSON Schemas are what the models generate, and they describe the example files."""

from __future__ import annotations

from tests.conftest import ROOT
from vigil.cli import main
from vigil.spec.schema import schema_texts


def test_committed_schemas_match_the_models() -> None:
    for name, text in schema_texts().items():
        assert (ROOT / "schemas" / name).read_text() == text, f"schemas/{name} is stale: run `make schema`"


def test_schema_check_mode_detects_a_stale_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["--root", str(tmp_path), "schema", "--check"]) == 1
    assert main(["--root", str(tmp_path), "schema"]) == 0
    assert main(["--root", str(tmp_path), "schema", "--check"]) == 0


def test_schemas_forbid_unknown_keys_and_document_every_field() -> None:
    import json

    for text in schema_texts().values():
        schema = json.loads(text)
        for name, definition in [("root", schema), *schema.get("$defs", {}).items()]:
            if definition.get("type") != "object":
                continue
            assert definition["additionalProperties"] is False, name
            undocumented = [field for field, spec in definition["properties"].items() if "description" not in spec]
            assert not undocumented, f"{name}: {undocumented}"
    alarm = json.loads(schema_texts()["service.schema.json"])["$defs"]["AlarmSpec"]
    assert alarm["properties"]["threshold"]["anyOf"][0]["pattern"].startswith("^")
