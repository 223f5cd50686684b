"""Synthesize an organisation as its CI would: one process per group of deployments (accounts and regions),
`jobs` of them at a time, each planning only its targets and synthesizing only their stacks into a cloud
assembly of its own (`python -m bench.synth_vigil ROOT OUT ACCOUNT/REGION ...`).

    python -m bench.synth_org ROOT OUTDIR [--jobs 2] [--targets-per-process 4]

Deployments are grouped so that one process holds about as many alarms as the 10,000-alarm benchmark
(`targets-per-process` targets of 2,500 alarms); the monitoring account's deployments go alone, since the
organisation dashboard needs an overview of every target. Prints the processes' summed phases, and the monitoring
account's processes' CPU seconds, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from vigil.plan.targets import deployment_places
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.loader import parse
from vigil.spec.validation import validate_document
from vigil.spec.workspace import read_sources

MONITORING_CPU = "monitoring CPU"
"""The JSON key of the monitoring account's processes' CPU seconds: the organisation dashboard's overview of
every target, a cost of the organisation as a whole rather than of its deployments."""


def groups(root: Path, targets_per_process: int) -> list[tuple[bool, list[tuple[str, str]]]]:
    """Deployments of every environment under `root`, grouped for one process each; True marks a monitoring
    account's group."""
    out: list[tuple[bool, list[tuple[str, str]]]] = []
    for source in read_sources(root).environments:
        spec = validate_document(parse(source.path, source.text), EnvironmentSpec)
        monitoring = {(spec.monitoring.account, r) for _, r in deployment_places(spec)} if spec.monitoring else set()
        places = [p for p in deployment_places(spec) if p not in monitoring]
        out += [(False, places[i:i + targets_per_process]) for i in range(0, len(places), targets_per_process)]
        if monitoring:
            out.append((True, sorted(monitoring)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--jobs", type=int, default=2, help="processes at a time (default 2)")
    parser.add_argument("--targets-per-process", type=int, default=4)
    args = parser.parse_args()
    work = groups(args.root, args.targets_per_process)

    def synth(index: int) -> tuple[dict[str, float], float]:
        """The process's phases (wall seconds) and its CPU seconds (its own and its children's: Node.js)."""
        command = [sys.executable, "-m", "bench.synth_vigil", str(args.root), str(args.outdir / f"part{index:03d}"),
                   *(f"{account}/{region}" for account, region in work[index][1])]
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
            _, status, usage = os.wait4(process.pid, 0)
            out.seek(0)
            err.seek(0)
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"part {index} failed:\n{err.read()[-3000:]}")
            return dict(json.loads(out.read().strip().splitlines()[-1])), usage.ru_utime + usage.ru_stime

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(synth, range(len(work))))
    phases = [p for p, _ in results]
    total = {key: sum(p[key] for p in phases) for key in phases[0]}
    monitoring = sum(cpu for (is_monitoring, _), (_, cpu) in zip(work, results, strict=True) if is_monitoring)
    print(json.dumps({"processes": len(work), **{f"sum {k}": v for k, v in total.items()},
                      MONITORING_CPU: monitoring}))


if __name__ == "__main__":
    main()
