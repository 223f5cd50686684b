"""The command-line side of `slo simulate` and `preview`: arguments, which environment, where files go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vigil import cli_help
from vigil.exit_codes import EXIT_OK
from vigil.live.aws import UsageError
from vigil.plan.model import EnvironmentPlan, ServicePlan, SloPlan
from vigil.plan.resolve import plan_workspace
from vigil.revision_plan import plan_at
from vigil.spec.types import format_number
from vigil.spec.workspace import read_sources


def add_parsers(commands: Any) -> None:
    """Add `slo simulate` and `preview` to the CLI's subparsers."""
    from vigil.review.slo_simulate import SCENARIOS

    slo = commands.add_parser("slo", help="SLO tools").add_subparsers(dest="slo_command", required=True)
    simulate = slo.add_parser("simulate", help="when an SLO's page and ticket fire over standard scenarios "
                              "(a PNG timeline each)")
    simulate.add_argument("service", help="service name (the name of its file in alarm_specs/)")
    simulate.add_argument("slo", help="SLO key under the service's slos:")
    simulate.add_argument("--env", help="environment (default: the first, by name, where the SLO is enabled)")
    simulate.add_argument("--out", type=Path, default=Path("slo-timelines"),
                          help="directory for the PNGs (default: slo-timelines)")
    simulate.add_argument("--scenario", action="append", choices=[s.key for s in SCENARIOS],
                          help="only this scenario (repeatable; default: all)")
    simulate.set_defaults(handler=_simulate)

    preview = commands.add_parser("preview", help="draw each dashboard as CloudWatch lays it out: an HTML page per "
                                  "environment (and PNGs with --images), without AWS")
    cli_help.add_environments_option(preview)
    preview.add_argument("--base", help="git revision: draw only the dashboards the working tree adds, removes or "
                         "changes against it, before and after")
    preview.add_argument("--out", type=Path, default=Path("preview"), help="directory (default: preview)")
    preview.add_argument("--images", action="store_true", help="also a PNG per dashboard (needs Chromium)")
    preview.add_argument("--browser", default=None, help="Chromium executable for --images (default: "
                         "/usr/bin/chromium)")
    preview.set_defaults(handler=_preview)


def _simulate(args: argparse.Namespace) -> int:
    from vigil.review import slo_simulate

    plan = plan_workspace(read_sources(args.root), only=[args.env] if args.env else None)
    environment, service, slo = _find(plan.environments, args.service, args.slo)
    out = args.out if args.out.is_absolute() else args.root / args.out
    print(f"{environment.label} {service.name}/{slo.key}: {format_number(slo.objective)}% "
          f"over {slo.window // 86400} days; "
          f"page {slo.page_severity if slo.page_alarm else 'disabled'}, "
          f"ticket {slo.ticket_severity if slo.ticket_alarm else 'disabled'}")
    for scenario in slo_simulate.SCENARIOS:
        if args.scenario and scenario.key not in args.scenario:
            continue
        try:
            timeline = slo_simulate.simulate(service, slo, scenario)
        except ValueError as error:
            raise UsageError(str(error)) from None
        path = out / f"{environment.scope}-{service.name}-{slo.key}-{scenario.key}.png"
        slo_simulate.draw(timeline, service.name, path)
        print(f"  {timeline.summary()}  ({_shown(path)})")
        sys.stdout.flush()
    return EXIT_OK


def _preview(args: argparse.Namespace) -> int:
    from vigil.review import preview, preview_images

    head = plan_workspace(read_sources(args.root), only=args.env)
    base = plan_at(args.root, args.base, args.env, "every dashboard counts as added") if args.base else None
    out = args.out if args.out.is_absolute() else args.root / args.out
    out.mkdir(parents=True, exist_ok=True)
    before = {e.scope: e for e in base.environments} if base else {}
    summary = []
    for environment in head.environments:
        views = preview.views(environment, before.get(environment.scope), compare=bool(args.base))
        page = out / f"{environment.scope}.html"
        note = f"Compared with {args.base}: only dashboards it changes are drawn." if args.base else ""
        page.write_text(preview.render_page(environment.scope, views, note), encoding="utf-8")
        line = f"{environment.scope}: {_shown(page)}, {len(views)} dashboard(s)"
        if args.images and views:
            try:
                images = preview_images.screenshots(page, out / environment.scope,
                                                    args.browser or preview_images.CHROMIUM)
            except (ImportError, FileNotFoundError) as error:
                raise UsageError(f"--images: {error} (pip install 'vigil[preview]' for Playwright)") from None
            line += f", {len(images)} image(s) in {_shown(out / environment.scope)}"
        print(line)
        summary += [f"- `{environment.scope}`: " + ", ".join(_listed(v, args.images) for v in views)] if views else []
    (out / "summary.md").write_text("\n".join(summary) + "\n" if summary else "No dashboard changes.\n",
                                    encoding="utf-8")
    return EXIT_OK


def _listed(view: Any, images: bool) -> str:
    """`prod-overview (changed)`, with the image file names when images were taken."""
    from vigil.review.preview_images import image_name

    if not images:
        return f"{view.name} ({view.state})"
    sides = [side for side, body in (("before", view.before), ("after", view.after)) if body is not None]
    return f"{view.name} ({view.state}: {', '.join(image_name(view.name, s, view.state) for s in sides)})"


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
