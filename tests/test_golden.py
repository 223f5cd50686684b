"""The example specs synthesize to exactly the reviewed templates in tests/golden (`make golden` rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.synth import synth_repo


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden-check")
    synth_repo(ROOT, out)
    return out


def test_example_templates_match_the_reviewed_golden_files(example_out: Path) -> None:
    from tests.golden import GOLDEN_DIR

    synthesized = sorted(p.name for p in example_out.glob("*.template.json"))
    assert sorted(p.name for p in GOLDEN_DIR.glob("*.template.json")) == synthesized, "run `make golden`"
    for name in synthesized:
        assert (example_out / name).read_text() == (GOLDEN_DIR / name).read_text(), (
            f"{name} differs from tests/golden: run `make golden` and review `git diff tests/golden`")
