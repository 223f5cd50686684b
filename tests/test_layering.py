"""The layers of docs/design.md hold: the spec models import nothing of the plan or anything above it; the plan
is pure Python (no CDK, no boto3); the shared leaves (naming, limits, expressions) import neither layer but the
spec's types."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "vigil"


def imported(path: Path) -> set[str]:
    """The modules `path` imports, anywhere in it (function-level imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def violations(paths: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{path.relative_to(PACKAGE.parent)} imports {name}" for path in paths for name in imported(path)
                  if name.startswith(forbidden))


ABOVE_SPEC = ("vigil.plan", "vigil.constructs", "vigil.stacks", "vigil.live", "vigil.review", "vigil.presets.expand",
              "vigil.presets.recognise", "vigil.presets.reference", "vigil.cli")
"""What the spec models must not import. The preset catalog (vigil/presets/catalog.py) is spec-level: the
models validate a resource's inputs against its type."""
NOT_PURE = ("aws_cdk", "constructs", "boto3", "vigil.constructs", "vigil.stacks", "vigil.live")


@pytest.mark.parametrize(("layer", "forbidden"), [
    ("spec", ABOVE_SPEC),
    ("plan", (*NOT_PURE, "vigil.review", "vigil.cli")),
])
def test_a_layer_imports_nothing_above_it(layer: str, forbidden: tuple[str, ...]) -> None:
    assert violations(sorted((PACKAGE / layer).glob("*.py")), forbidden) == []


def test_the_shared_leaves_import_only_the_spec_types() -> None:
    leaves = [PACKAGE / f"{name}.py" for name in ("naming", "limits", "expressions")]
    found = {name for path in leaves for name in imported(path) if name.startswith("vigil")}
    assert found <= {"vigil.limits", "vigil.limits.MAX_CANARY_NAME", "vigil.spec.types", "vigil.spec.types.Severity"}
