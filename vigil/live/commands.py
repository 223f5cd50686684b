"""The command-line side of `import`, `verify` and `drill`: arguments, AWS session, report, exit code."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vigil import cli_help
from vigil.exit_codes import EXIT_FINDINGS, EXIT_OK
from vigil.live.aws import AwsSession, Progress, UsageError, check_account, no_progress, stderr_progress
from vigil.plan.model import EnvironmentPlan, WorkspacePlan
from vigil.plan.selection import SelectionError
from vigil.progress import StatusLine
from vigil.review.report import FORMATS
from vigil.spec.types import SEVERITIES


def add_parsers(commands: Any) -> None:
    """Add the live-account subcommands to the CLI's subparsers."""
    imp = commands.add_parser("import", help="write spec files from an account's existing alarms")
    imp.add_argument("--env", required=True, help="environment the specs are for, e.g. prod")
    imp.add_argument("--region", required=True, help="region to read, e.g. us-east-1")
    imp.add_argument("--out", type=Path, default=Path("imported"), help="output root (default: imported)")
    imp.add_argument("--force", action="store_true", help="overwrite existing files")
    imp.add_argument("--service-tag", action="append", help="tag key naming an alarm's service (repeatable; "
                     "default: service, Service, app, application)")
    imp.add_argument("--prefix", action="append", default=[], metavar="PREFIX=SERVICE",
                     help="alarms whose name starts with PREFIX belong to SERVICE (repeatable)")
    imp.add_argument("--topic-severity", action="append", default=[], metavar="TOPIC=SEVERITY",
                     help="severity of the alarms notifying SNS topic TOPIC (repeatable)")
    imp.add_argument("--default-service", default="imported", help="service of alarms nothing else places")
    _aws_arguments(imp)
    imp.set_defaults(handler=_import)

    verify = commands.add_parser("verify", help="compare a deployed environment with the plan; find dead alarms")
    verify.add_argument("--env", required=True, help="environment to verify")
    verify.add_argument("--target", action="append", help="in an environment with targets: only this target "
                        "(repeatable; default: every target, each with the credentials of its account)")
    verify.add_argument("--insufficient-after", default="24h", help="INSUFFICIENT_DATA for longer than this is "
                        "a dead alarm (duration, default 24h)")
    _aws_arguments(verify)
    verify.set_defaults(handler=_verify)

    drill = commands.add_parser("drill", help="page a severity's route with its drill alarm, then resolve it")
    drill.add_argument("--env", required=True, help="environment to drill")
    drill.add_argument("--target", help="in an environment with targets and per-account routing: the target")
    drill.add_argument("--region", help="with central routing: the monitoring account's region to drill")
    drill.add_argument("--severity", required=True, choices=SEVERITIES)
    drill.add_argument("--wait", type=float, default=60, help="seconds between ALARM and OK (default 60)")
    drill.add_argument("--yes", action="store_true", help="confirm a drill in a protected environment")
    _aws_arguments(drill)
    drill.set_defaults(handler=_drill)


def _aws_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="AWS named profile (default: the usual credential chain)")
    parser.add_argument("--endpoint-url", help="AWS endpoint URL, e.g. a local emulator")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr (shown only on a terminal)")
    cli_help.add_format_option(parser, FORMATS)


def _progress(args: argparse.Namespace) -> Progress:
    """The drill's account of what it does, line by line (on stderr, also in CI logs)."""
    return no_progress if args.quiet else stderr_progress


def _status(args: argparse.Namespace) -> StatusLine:
    """Progress of a long read (thousands of alarms) as one line on a terminal; none in CI logs or with --quiet."""
    return StatusLine(enabled=False) if args.quiet else StatusLine()


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, target = value.partition("=")
        if not sep or not key or not target:
            raise UsageError(f'expected {what} as KEY=VALUE, got "{value}"')
        out[key] = target
    return out


def _workspace(args: argparse.Namespace) -> WorkspacePlan:
    from vigil.plan.resolve import plan_workspace
    from vigil.spec.workspace import read_sources

    return plan_workspace(read_sources(args.root), only=[args.env])


def _alarm_places(args: argparse.Namespace) -> list[EnvironmentPlan]:
    """Where the environment's alarms live: one plan per target (those named by --target), and with central
    routing the monitoring account's routing per region (its drill alarms)."""
    workspace = _workspace(args)
    _check_targets(args, sorted(e.target for e in workspace.environments if e.target))
    places = [e for e in workspace.environments if not args.target or e.target in args.target]
    if not args.target:
        places += [m.routing_plan for m in workspace.monitoring if m.routing_plan is not None]
    return places


def _check_targets(args: argparse.Namespace, targets: list[str]) -> None:
    """Every --target of `args` must be one of `targets` (the environment's)."""
    wanted = [args.target] if isinstance(args.target, str) else list(args.target or ())
    if wanted and not targets:
        raise SelectionError("target", f"{args.env} has no targets: it deploys to one account and region; "
                                       "leave --target out")
    unknown = sorted(set(wanted) - set(targets))
    if unknown:
        raise SelectionError("target", f'no target "{unknown[0]}" in {args.env}; targets: {", ".join(targets)}')


def _routing_place(args: argparse.Namespace) -> EnvironmentPlan:
    """The routing a drill pages through: the environment's, a target's (--target) or, with central
    routing, the monitoring account's in --region."""
    workspace = _workspace(args)
    _check_targets(args, sorted(e.target for e in workspace.environments if e.target))
    if args.target is not None and workspace.monitoring and not any(e.drills for e in workspace.environments):
        raise SelectionError("target", f"{args.env} routes centrally: its targets have no routing of their own; "
                                       f"choose a region of the monitoring account: "
                                       f"{', '.join('--region ' + m.region for m in workspace.monitoring)}")
    places = {(e.target, e.region): e for e in workspace.environments if e.drills}
    places.update({(None, m.region): m.routing_plan for m in workspace.monitoring if m.routing_plan is not None})
    regions = sorted({region for _, region in places})
    if args.region is not None and args.region not in regions:
        raise SelectionError("region", f"{args.env} routes in no region {args.region}; regions: "
                                       f"{', '.join(regions) or 'none'}")
    chosen = [p for (target, region), p in places.items()
              if (args.target is None or target == args.target) and (args.region is None or region == args.region)]
    if len(chosen) != 1:
        options = ", ".join(f"--target {t}" if t else f"--region {r}" for t, r in sorted(
            places, key=lambda k: (k[0] or "", k[1])))
        raise UsageError(f"{args.env} routes in {len(places)} places; choose one: {options}")
    return chosen[0]


def _session(args: argparse.Namespace, plan: EnvironmentPlan) -> AwsSession:
    """A session in the account and region where `plan`'s alarms live, checked against the credentials."""
    session = AwsSession(plan.region, profile=args.profile, endpoint_url=args.endpoint_url)
    check_account(session, plan.alarm_account, plan.label)
    return session


def _import(args: argparse.Namespace) -> int:
    from vigil.live import import_report, importer
    from vigil.live.import_result import SERVICE_TAGS, ImportOptions

    severities = _pairs(args.topic_severity, "--topic-severity")
    unknown = sorted(set(severities.values()) - set(SEVERITIES))
    if unknown:
        raise UsageError(f"unknown severity {', '.join(unknown)} in --topic-severity; expected one of "
                         f"{', '.join(SEVERITIES)}")
    options = ImportOptions(
        env=args.env, service_tags=tuple(args.service_tag or SERVICE_TAGS),
        prefixes=_pairs(args.prefix, "--prefix"), topic_severities=severities,  # type: ignore[arg-type]
        default_service=args.default_service)
    session = AwsSession(args.region, profile=args.profile, endpoint_url=args.endpoint_url)
    with _status(args) as status:
        result = importer.import_account(session, options, status)
    out = args.out if args.out.is_absolute() else args.root / args.out
    importer.write_files(result, out, force=args.force)
    print(import_report.render(result, args.format))
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from vigil.live import verify
    from vigil.spec.durations import parse_duration

    try:
        insufficient_after = parse_duration(args.insufficient_after)
    except ValueError as error:
        raise UsageError(f"--insufficient-after: {error}") from None
    findings = False
    reports = []
    for plan in _alarm_places(args):
        with _status(args) as status:
            result = verify.verify_environment(_session(args, plan), plan, insufficient_after=insufficient_after,
                                               progress=status)
        reports.append(verify.render(result, args.format))
        findings = findings or bool(result.findings)
    print(f"[{', '.join(reports)}]" if args.format == "json" and len(reports) > 1 else "\n\n".join(reports))
    return EXIT_FINDINGS if findings else EXIT_OK


def _drill(args: argparse.Namespace) -> int:
    from vigil.live import drill

    plan = _routing_place(args)
    if plan.protected and not args.yes:  # refuse before touching AWS at all
        raise drill.ProtectedEnvironment(
            f"environment {plan.name} is protected: a drill pages the people on its {args.severity} route "
            f"({', '.join(plan.routes.get(args.severity, ())) or 'nobody'}); add --yes to run it")
    result = drill.run_drill(_session(args, plan), plan, args.severity, wait=args.wait, confirmed=args.yes,
                             progress=_progress(args))
    print(drill.render(result, args.format))
    return EXIT_OK
