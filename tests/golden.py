"""Golden templates of the example specs: `make golden` rewrites tests/golden/; review the result with git diff.

The test in test_synth.py fails when synthesized templates differ from these files, so every change to what the
examples deploy shows up as a reviewed diff.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"


def regenerate() -> int:
    """Synthesize the example specs and replace tests/golden/ with their templates; return the file count."""
    from tests.conftest import ROOT
    from tests.synth import synth_repo

    with tempfile.TemporaryDirectory() as out:
        synth_repo(ROOT, Path(out))
        if GOLDEN_DIR.exists():
            shutil.rmtree(GOLDEN_DIR)
        GOLDEN_DIR.mkdir()
        templates = sorted(Path(out).glob("*.template.json"))
        for template in templates:
            shutil.copy(template, GOLDEN_DIR / template.name)
    return len(templates)


if __name__ == "__main__":
    count = regenerate()
    print(f"wrote {count} golden templates to {GOLDEN_DIR}; review them with `git diff tests/golden`")
    sys.exit(0)
