"""The documentation site builds in strict mode, and its generated reference is what the code generates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from vigil import docs
from vigil.cli import main
from vigil.spec.schema import schema_texts


def test_the_generated_reference_is_up_to_date() -> None:
    for relative, text in docs.generated_pages(ROOT).items():
        path = ROOT / relative
        assert path.is_file() and path.read_text() == text, f"{relative} is stale: run `make reference`"


def test_the_reference_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    assert docs.main(["--root", str(tmp_path), "--check"]) == 1
    assert docs.main(["--root", str(tmp_path)]) == 0
    assert docs.main(["--root", str(tmp_path), "--check"]) == 0


def test_every_field_of_every_spec_model_has_a_row_with_an_example() -> None:
    pages = docs.generated_pages(ROOT)
    for schema_name, text in schema_texts().items():
        schema = json.loads(text)
        page = pages[f"docs/reference/{schema_name.split('.')[0]}.md"]
        for model in [schema, *schema["$defs"].values()]:
            section = page.split(f"\n## {model['title']}\n", 1)[1].split("\n## ", 1)[0]
            rows = {line.split(" | ")[0].removeprefix("| ").strip("`"): line.split(" | ")
                    for line in section.splitlines() if line.startswith("| `")}
            for name in model.get("properties", {}):
                assert name in rows, f"{model['title']}.{name} is not in the reference"
                assert rows[name][5].strip(), f"{model['title']}.{name} has no example"


def test_the_reference_states_types_defaults_units_and_limits() -> None:
    page = docs.generated_pages(ROOT)["docs/reference/service.md"]
    anomaly = page.split("\n## AnomalySpec\n", 1)[1].split("\n## ", 1)[0]
    assert "| `band` | number | `2` | standard deviations | > 0, <= 100 | `2` |" in anomaly
    alarm = page.split("\n## AlarmSpec\n", 1)[1].split("\n## ", 1)[0]
    assert "| `period` | duration | none | s, m, h, d |  | `30s` |" in alarm
    assert "| `severity` | one of `critical`, `warning`, `info` | *required* |" in alarm


def test_the_examples_the_reference_draws_on_validate() -> None:
    assert main(["--root", str(ROOT / "docs" / "examples"), "validate"]) == 0


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "reference" / "service" / "index.html").is_file()


def test_the_readme_example_is_twenty_lines_that_validate(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.encode()) < 10_000
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert len(example.strip().splitlines()) <= 20
    assert main(["init", str(tmp_path / "mon")]) == 0
    (tmp_path / "mon" / "alarm_specs" / "checkout.yaml").write_text(example)
    (tmp_path / "mon" / "dashboards" / "checkout-overview.yaml").unlink()
    assert main(["--root", str(tmp_path / "mon"), "validate"]) == 0
