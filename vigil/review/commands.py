"""The command-line side of `slo simulate` and `preview`: arguments, which environment, where files go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vigil.live.aws import UsageError
from vigil.plan.model import EnvironmentPlan, ServicePlan, SloPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

EXIT_OK = 0


def add_parsers(commands: Any) -> None:
    """Add `slo simulate` and `preview` to the CLI's subparsers."""
    from vigil.review.slo_simulate import SCENARIOS

    slo = commands.add_parser("slo", help="SLO tools").add_subparsers(dest="slo_command", required=True)
    simulate = slo.add_parser("simulate", help="when an SLO's page and ticket fire over standard scenarios "
                              "(a PNG timeline each)")
    simulate.add_argument("service")
    simulate.add_argument("slo")
    simulate.add_argument("--env", help="environment (default: the first, by name, where the SLO is enabled)")
    simulate.add_argument("--out", type=Path, default=Path("slo-timelines"),
                          help="directory for the PNGs (default: slo-timelines)")
    simulate.add_argument("--scenario", action="append", choices=[s.key for s in SCENARIOS],
                          help="only this scenario (repeatable; default: all)")
    simulate.set_defaults(handler=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    from vigil.review import slo_simulate

    plan = plan_workspace(read_sources(args.root), only=[args.env] if args.env else None)
    environment, service, slo = _find(plan.environments, args.service, args.slo)
    out = args.out if args.out.is_absolute() else args.root / args.out
    print(f"{environment.name} {service.name}/{slo.key}: {slo.objective:g}% over {slo.window // 86400} days; "
          f"page {slo.page_severity if slo.page_alarm else 'disabled'}, "
          f"ticket {slo.ticket_severity if slo.ticket_alarm else 'disabled'}")
    for scenario in slo_simulate.SCENARIOS:
        if args.scenario and scenario.key not in args.scenario:
            continue
        timeline = slo_simulate.simulate(service, slo, scenario)
        path = out / f"{environment.name}-{service.name}-{slo.key}-{scenario.key}.png"
        slo_simulate.draw(timeline, service.name, path)
        print(f"  {timeline.summary()}  ({_shown(path)})")
        sys.stdout.flush()
    return EXIT_OK


def _find(environments: tuple[EnvironmentPlan, ...], service_name: str,
          slo_key: str) -> tuple[EnvironmentPlan, ServicePlan, SloPlan]:
    for environment in environments:
        for service in environment.services:
            if service.name == service_name:
                slo = next((s for s in service.slos if s.key == slo_key), None)
                if slo is not None:
                    return environment, service, slo
    where = ", ".join(e.name for e in environments)
    raise UsageError(f"no SLO {slo_key!r} of service {service_name!r} is enabled in {where}")


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
