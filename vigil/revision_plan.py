"""The plan at a git revision that `diff`, `targets --base` and `preview --base` compare the working tree with."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.plan.selection import SelectionError
from vigil.spec.errors import SpecError
from vigil.spec.git_sources import read_sources_at


def plan_at(root: Path, revision: str, only: Iterable[str] | None, consequence: str) -> WorkspacePlan | None:
    """The plan of the specs at `revision` (environments `only`), or None when they do not validate or lack a
    selected environment (one this change adds): a `note:` on stderr then says so and what follows
    (`consequence`, e.g. "comparing against nothing"). A revision git cannot read raises SpecError."""
    sources = read_sources_at(root, revision)
    try:
        return plan_workspace(sources, only=only)
    except SpecError as error:
        print(f"note: the specs at {revision} do not validate ({len(error.problems)} problem(s)); {consequence}",
              file=sys.stderr)
    except SelectionError as error:
        print(f"note: at {revision}: {error}; {consequence}", file=sys.stderr)
    return None
