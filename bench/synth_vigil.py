"""Synthesize a spec repository with vigil, as app.py does for this repository: `python -m bench.synth_vigil
ROOT OUTDIR [ACCOUNT/REGION ...]` (the stacks of those deployments only, as `-c deployment=` does). Prints the
seconds spent in each phase (import, plan, constructs, synth) as JSON."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main() -> None:
    root, outdir = Path(sys.argv[1]), sys.argv[2]
    deployments = [tuple(item.split("/", 1)) for item in sys.argv[3:]] or None
    start = time.perf_counter()

    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources
    from vigil.stacks.app import build_app, new_app

    imported = time.perf_counter()
    plan = plan_workspace(read_sources(root), deployments=deployments)  # type: ignore[arg-type]
    planned = time.perf_counter()
    app = new_app(outdir)
    build_app(app, plan, deployments=deployments)  # type: ignore[arg-type]
    built = time.perf_counter()
    app.synth()
    done = time.perf_counter()
    print(json.dumps({"import": imported - start, "plan": planned - imported, "constructs": built - planned,
                      "synth": done - built}))


if __name__ == "__main__":
    main()
