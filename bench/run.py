"""`make bench`: time vigil at organisation scale against a hand-written aws-cdk-lib baseline.

Generates the synthetic organisation (bench/generate.py), then runs each measured part in a fresh process:
`vigil validate`, `vigil plan`, vigil's full synthesis and the baseline's (bench/baseline.py), once with the
CDK's defaults and once (`synth (baseline*)`) with vigil's app settings: no tree.json, no built-in
CloudFormation validation and no creation stack traces. For each it prints the wall time and the peak memory:
the largest resident set of one process (wait4's rusage of the child: Python or the jsii Node.js process it
reaps) and the peak of the process tree's summed resident sets (sampled every 50 ms from /proc). Finally the
ratios vigil / baseline.

With `--org-accounts N` (default 20; 0 leaves it out) it then measures an organisation of the same alarm mix
(bench/generate.py `generate_org`): N accounts x 2 regions as targets of one environment with a monitoring
account, `--org-services` services of `--alarms` alarms each (500 x 200 = 100,000 alarms), each running in
one target: `vigil validate` and the synthesis as CI runs it (bench/synth_org.py: a process per group of
deployments, `--jobs` at a time). The report compares the time per alarm with the single environment's.

    python -m bench.run [--services 50] [--alarms 200] [--repeat 1] [--out DIR]
                        [--org-accounts 20] [--org-services 500] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bench.generate import generate, generate_org
from bench.synth_org import MONITORING_CPU
from vigil.progress import StatusLine

ROOT = Path(__file__).resolve().parent.parent
LIKE_FOR_LIKE = "synth (baseline*)"
ORG_VALIDATE, ORG_SYNTH = "validate (org)", "synth (org)"
"""The baseline with vigil's app settings: no tree.json, no built-in CloudFormation validation, no creation
stack traces."""


@dataclass(frozen=True)
class Measurement:
    """One measured command: wall seconds, CPU seconds (user + system, with the jsii Node.js process), peak
    RSS of its largest process and of its whole tree (MiB)."""

    name: str
    seconds: float
    cpu_seconds: float
    max_process_mib: float
    max_tree_mib: float
    phases: dict[str, float]


def _tree_rss_kib(root: int) -> int:
    """Summed VmRSS of `root` and its descendants, in KiB (0 for processes that are gone)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, ()))
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(name: str, command: list[str]) -> Measurement:
    """Run `command` in a fresh process; fail loudly if it fails."""
    env = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        return _measure(name, command, env, out, err)


def _measure(name: str, command: list[str], env: dict[str, str], out: IO[str], err: IO[str]) -> Measurement:
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _tree_rss_kib(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage: max RSS of it or a reaped descendant
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"{name} failed ({process.returncode}):\n{stderr[-3000:]}")
    largest = usage.ru_maxrss
    phases: dict[str, float] = {}
    last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    if last.startswith("{"):
        phases = json.loads(last)
    return Measurement(name, seconds, usage.ru_utime + usage.ru_stime, largest / 1024, peak[0] / 1024, phases)


def run(services: int, alarms: int, out: Path, repeat: int = 1, settle: float = 2.0,
        status: StatusLine | None = None, *, org_accounts: int = 0, org_services: int = 0,
        jobs: int = 2) -> list[Measurement]:
    """Generate the organisation under `out` and measure every part; returns the measurements in order.

    Each part starts `settle` seconds after the previous one ended, so that what that one left behind (a
    Node.js process exiting, files being written back) does not run on its time.

    With `repeat` > 1 every part runs that many times, interleaved, and the fastest run of each is kept (the
    least disturbed by other load on the machine).

    `status` shows which part runs, on a terminal.
    """
    org = generate(out / "org", services, alarms)
    python = sys.executable
    organisation = generate_org(out / "organisation", org_accounts, org_services, alarms) if org_accounts else None
    parts = [
        ("validate", [python, "-m", "vigil", "--root", str(org), "validate"]),
        ("plan", [python, "-m", "vigil", "--root", str(org), "plan", "--format", "json"]),
        ("synth (vigil)", [python, "-m", "bench.synth_vigil", str(org), str(out / "cdk.out.vigil")]),
        ("synth (baseline)", [python, "-m", "bench.baseline", str(org), str(out / "cdk.out.baseline")]),
        (LIKE_FOR_LIKE, [python, "-m", "bench.baseline", str(org), str(out / "cdk.out.baseline-vigil-app"),
                         "--vigil-app-settings"]),
    ]
    if organisation is not None:
        parts += [
            (ORG_VALIDATE, [python, "-m", "vigil", "--root", str(organisation), "validate"]),
            (ORG_SYNTH, [python, "-m", "bench.synth_org", str(organisation), str(out / "cdk.out.org"),
                         "--jobs", str(jobs)]),
        ]
    best: dict[str, Measurement] = {}
    runs = max(repeat, 1)
    for number in range(runs):
        for index, (name, command) in enumerate(parts):
            if status is not None:
                status.count("bench: part", number * len(parts) + index + 1, runs * len(parts),
                             name + (f" (run {number + 1} of {runs})" if runs > 1 else ""))
            time.sleep(settle)
            result = measure(name, command)
            if name not in best or result.seconds < best[name].seconds:
                best[name] = result
    return [best[name] for name, _ in parts]


def report(results: list[Measurement], services: int, alarms: int, org_alarms: int = 0) -> str:
    """The figures as printed: one line per part, then the ratios vigil / baseline and, with an organisation
    of `org_alarms` alarms, its time per alarm against the single environment's."""
    lines = [f"vigil bench: {services} services x {alarms} alarms = {services * alarms} alarms, one environment",
             f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {_cpu_model()}, Python "
             f"{platform.python_version()}", ""]
    lines.append(f"{'part':<18} {'seconds':>8} {'CPU s':>7} {'peak process MiB':>17} {'peak tree MiB':>14}  "
                 "phases (wall s)")
    for m in results:
        phases = ", ".join(f"{k} {v:.1f}" for k, v in m.phases.items())
        lines.append(f"{m.name:<18} {m.seconds:>8.2f} {m.cpu_seconds:>7.1f} {m.max_process_mib:>17.0f} "
                     f"{m.max_tree_mib:>14.0f}  {phases}")
    by_name = {m.name: m for m in results}
    vigil, base, alike = by_name["synth (vigil)"], by_name["synth (baseline)"], by_name[LIKE_FOR_LIKE]
    lines += ["", f"synth time vigil / baseline: {vigil.seconds / base.seconds:.2f} (wall), "
                  f"{vigil.cpu_seconds / max(base.cpu_seconds, 0.01):.2f} (CPU)",
              f"synth time vigil / baseline with vigil's app settings: {vigil.seconds / alike.seconds:.2f} (wall), "
              f"{vigil.cpu_seconds / max(alike.cpu_seconds, 0.01):.2f} (CPU)",
              f"synth peak tree memory vigil / baseline: {vigil.max_tree_mib / max(base.max_tree_mib, 1):.2f}"]
    if ORG_SYNTH in by_name and org_alarms:
        single = services * alarms
        for part, org_part in (("validate", ORG_VALIDATE), ("synth (vigil)", ORG_SYNTH)):
            one, many = by_name[part], by_name[org_part]
            wall = (many.seconds / org_alarms) / (one.seconds / single)
            cpu = (many.cpu_seconds / org_alarms) / max(one.cpu_seconds / single, 1e-9)
            lines.append(f"{org_part} per alarm / {part} per alarm: {wall:.2f} (wall), {cpu:.2f} (CPU); "
                         f"{1000 * many.seconds / org_alarms:.3f} ms vs {1000 * one.seconds / single:.3f} ms")
        org, one = by_name[ORG_SYNTH], by_name["synth (vigil)"]
        monitoring = org.phases.get(MONITORING_CPU, 0.0)
        deployments = (org.cpu_seconds - monitoring) / org_alarms / max(one.cpu_seconds / single, 1e-9)
        lines.append(f"{ORG_SYNTH}: the monitoring account's process {monitoring:.1f} CPU s "
                     f"({100 * monitoring / max(org.cpu_seconds, 0.01):.0f}%, its organisation dashboard's overview "
                     f"of every target); the deployments' processes per alarm / synth (vigil) per alarm: "
                     f"{deployments:.2f} (CPU)")
        lines.append(f"{ORG_SYNTH} peak tree memory: {org.max_tree_mib:.0f} MiB")
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--alarms", type=int, default=200, help="alarms per service")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each part; the fastest is shown")
    parser.add_argument("--out", type=Path, help="working directory (default: a temporary one, removed after)")
    parser.add_argument("--org-accounts", type=int, default=20, help="accounts of the organisation (x 2 regions); "
                        "0: no organisation")
    parser.add_argument("--org-services", type=int, default=500, help="services of the organisation")
    parser.add_argument("--jobs", type=int, default=2, help="synthesis processes at a time for the organisation")
    args = parser.parse_args()
    org_alarms = args.org_services * args.alarms if args.org_accounts else 0

    def measured(out: Path) -> str:
        with StatusLine() as status:
            results = run(args.services, args.alarms, out, args.repeat, status=status,
                          org_accounts=args.org_accounts, org_services=args.org_services, jobs=args.jobs)
        return report(results, args.services, args.alarms, org_alarms)

    if args.out:
        print(measured(args.out))
        return
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        print(measured(Path(tmp)))


if __name__ == "__main__":
    main()
