"""`vigil validate | plan | diff | lock | schema | cost`: the fast, CDK-free commands; `import | verify | drill`
work with a live account; `init` starts a new repository. Exit codes: vigil/exit_codes.py.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from vigil import cli_help
from vigil.exit_codes import EXIT_ERROR, EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_SPEC
from vigil.gc_paused import cyclic_gc_paused
from vigil.generated_files import sync
from vigil.live.aws import AwsError, UsageError
from vigil.live.drill import ProtectedEnvironment
from vigil.plan import shards
from vigil.plan.resolve import environment_specs, plan_workspace
from vigil.plan.selection import SelectionError
from vigil.plan.targets import target_scopes
from vigil.review import diff as plan_diff
from vigil.review import report
from vigil.revision_plan import plan_at
from vigil.scaffold import DEFAULT_VIGIL_SPEC, TargetNotEmpty
from vigil.spec.errors import SpecError
from vigil.spec.git_sources import changed_paths
from vigil.spec.schema import schema_texts
from vigil.spec.workspace import read_sources
from vigil.terminal import paint

SPEC_PATHS = ("environments/", "alarm_specs/", "dashboards/", shards.LOCK_FILE)
"""What a spec-only change touches; a change anywhere else (vigil's code, requirements) redeploys everything."""

__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "EXIT_SPEC", "main", "run"]


def run() -> NoReturn:
    """The `vigil` console script and `python -m vigil`: run the command line, exit with its code. Output piped
    into `head` and the like ends quietly, as other command-line tools do, instead of with a traceback."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; never lets a traceback reach the user."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except SpecError as error:
        if getattr(args, "format", None) == "json":
            print(json.dumps({"problems": [vars(problem) for problem in error.problems]}, indent=2))
        for problem in error.problems:
            location, _, rest = str(problem).partition(": ")
            print(f"{paint(location, 'bold', sys.stderr)}: {rest}", file=sys.stderr)
        print(paint(f"{len(error.problems)} problem(s) found.", "red", sys.stderr), file=sys.stderr)
        return EXIT_SPEC
    except SelectionError as error:
        print(f"vigil: --{error.option}: {error}", file=sys.stderr)
        return EXIT_SPEC
    except (AwsError, ProtectedEnvironment, FileExistsError, UsageError, TargetNotEmpty) as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_SPEC if isinstance(error, ProtectedEnvironment) else EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:
        print(f"vigil: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every command with its arguments, examples and the exit codes."""
    parser = argparse.ArgumentParser(
        prog="vigil", description="Monitoring as code for AWS: YAML specs in, CloudFormation out.",
        epilog=cli_help.main_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=cli_help.VersionAction)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: current dir)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="write a new monitoring repository into a directory")
    init.add_argument("directory", type=Path, help="where to write it (created if missing)")
    init.add_argument("--force", action="store_true", help="write into a directory that has files, overwriting "
                      "the scaffold's own files")
    init.add_argument("--vigil-spec", default=DEFAULT_VIGIL_SPEC,
                      help=f"what its Makefile installs as vigil (default: {DEFAULT_VIGIL_SPEC})")
    init.set_defaults(handler=_init)

    validate = commands.add_parser("validate", help="check every spec for every environment")
    cli_help.add_environments_option(validate)
    cli_help.add_format_option(validate)
    validate.set_defaults(handler=_validate)

    plan = commands.add_parser("plan", help="print what an environment deploys")
    cli_help.add_environments_option(plan)
    cli_help.add_format_option(plan, report.FORMATS)
    plan.set_defaults(handler=_plan)

    diff = commands.add_parser("diff", help="what the working tree changes against a git revision, per environment")
    diff.add_argument("--base", required=True, help="git revision to compare with, e.g. origin/main")
    cli_help.add_environments_option(diff)
    cli_help.add_format_option(diff, report.FORMATS)
    diff.set_defaults(handler=_diff)

    lock = commands.add_parser("lock", help=f"write {shards.LOCK_FILE}: which stack holds each alarm")
    cli_help.add_environments_option(lock)
    lock.add_argument("--reshard", action="append", metavar="SERVICE",
                      help="reassign this service's alarms from scratch (moves alarms between its stacks)")
    lock.add_argument("--check", action="store_true", help="write nothing; exit 2 if the lock is out of date")
    lock.set_defaults(handler=_lock)

    cost = commands.add_parser("cost", help="the monthly CloudWatch cost of an environment, per service")
    cli_help.add_environments_option(cost)
    cost.add_argument("--no-free-tier", action="store_true", help="do not deduct the account's free tier")
    cli_help.add_format_option(cost, report.FORMATS)
    cost.set_defaults(handler=_cost)

    targets = commands.add_parser("targets", help="the stacks to deploy per environment, account and region "
                                  "(the CI matrix)")
    cli_help.add_environments_option(targets)
    targets.add_argument("--base", help="also list, per deployment, the stacks that changed since this git "
                         "revision (all of them when anything but specs changed)")
    cli_help.add_format_option(targets)
    targets.set_defaults(handler=_targets)

    from vigil.live import commands as live

    live.add_parsers(commands)
    from vigil.review import commands as review

    review.add_parsers(commands)

    schema = commands.add_parser("schema", help="write JSON Schemas of the spec files")
    schema.add_argument("--out", type=Path, default=Path("schemas"), help="directory (default: schemas)")
    schema.add_argument("--check", action="store_true", help="exit 1 if the files differ from the models")
    schema.set_defaults(handler=_schema)

    completion = commands.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=("bash", "zsh", "tcsh"))
    completion.set_defaults(handler=lambda args: _completion(parser, args))
    cli_help.add_examples(commands.choices)
    return parser


def _init(args: argparse.Namespace) -> int:
    from vigil.scaffold import write_project

    written = write_project(args.directory, force=args.force, vigil_spec=args.vigil_spec)
    print(f"wrote {len(written.files)} files in {written.root}")
    print(f"next: cd {written.root} && make synth && make test")
    return EXIT_OK


def _completion(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    import shtab

    print(shtab.complete(parser, shell=args.shell))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    sources = read_sources(args.root)
    plan = plan_workspace(sources, only=args.env)
    services = {s.name for e in plan.environments for s in e.services}
    alarms = sum(len(s.alarms) for e in plan.environments for s in e.services)
    stacks = sum(len(s.shards) for e in plan.environments for s in e.services)
    environments = len({e.name for e in plan.environments})
    if args.format == "json":
        print(json.dumps({"problems": [], "environments": environments, "targets": len(plan.environments),
                          "services": len(services), "alarms": alarms, "stacks": stacks}, indent=2))
    else:
        targets = f" ({len(plan.environments)} targets)" if len(plan.environments) != environments else ""
        print(f"{paint('ok', 'green', sys.stdout)}: {environments} environments{targets}, {len(services)} "
              f"services, {alarms} alarms across environments in {stacks} service stacks")
    if sources.lock is not None:
        lock = shards.parse_lock(sources.lock)
        stale = [line for e in plan.environments for line in shards.stale_entries(lock, e.scope, e.services)]
        if stale:  # one line, however many services: `lock --check` lists them
            names = [line.partition(":")[0] for line in stale]
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            print(f"note: {shards.LOCK_FILE} is out of date for {len(names)} service(s) ({shown}); run "
                  f"`python -m vigil lock` (`python -m vigil lock --check` lists the differences)", file=sys.stderr)
    return EXIT_OK


def _lock(args: argparse.Namespace) -> int:
    sources = read_sources(args.root)
    lock = shards.parse_lock(sources.lock)
    # Lock entries are per target ({env}-{target} in an environment with targets): the selected environments'
    selected = {scope for spec in environment_specs(sources) if not args.env or spec.name in args.env
                for scope in target_scopes(spec)} if args.env else None
    kept = shards.lock_to_plan(lock, reshard=args.reshard or (), envs=selected)
    plan = plan_workspace(sources, only=args.env, lock=kept, strict_lock=False)
    stale = [line for e in plan.environments for line in shards.stale_entries(lock, e.scope, e.services)]
    if args.check:
        for line in stale:
            print(f"{shards.LOCK_FILE}: {line}", file=sys.stderr)
        print(f"{shards.LOCK_FILE} is {'out of date: run `python -m vigil lock`' if stale else 'up to date'}",
              file=sys.stderr if stale else sys.stdout)
        return EXIT_SPEC if stale else EXIT_OK
    written = shards.updated_lock(lock, plan.environments)
    (args.root / shards.LOCK_FILE).write_text(shards.render_lock(written), encoding="utf-8")
    moved = shards.moved_alarms(lock, plan.environments)
    stacks = sum(len(s.shards) for e in plan.environments for s in e.services)
    environments = len({e.name for e in plan.environments})
    targets = f" ({len(plan.environments)} targets)" if len(plan.environments) != environments else ""
    print(f"wrote {shards.LOCK_FILE}: {environments} environments{targets}, {stacks} service stacks"
          + (f"; {moved} alarm(s) move to another stack" if moved else ""))
    return EXIT_OK


def _plan(args: argparse.Namespace) -> int:
    plan = plan_workspace(read_sources(args.root), only=args.env)
    with cyclic_gc_paused():  # the report is as large as the plan (vigil/gc_paused.py)
        if args.format == "json" and len(plan.environments) > 1:
            print(json.dumps([report.plan_data(e) for e in plan.environments], indent=2, sort_keys=True))
            return EXIT_OK
        if args.format == "json":
            print(report.render(plan.environments[0], args.format))
        else:
            print(report.render_all(plan.environments, args.format))
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    head = plan_workspace(read_sources(args.root), only=args.env)
    base = plan_at(args.root, args.base, args.env, "comparing against nothing")
    print(plan_diff.render(plan_diff.diff_plans(base, head), args.format))
    if args.format != "json":  # the monthly cost change of the pull request, where there is one
        from vigil.plan.pricing import cost_changes

        for line in cost_changes(base, head):
            print(f"- {line}" if args.format == "markdown" else line)
    return EXIT_OK


def _targets(args: argparse.Namespace) -> int:
    from vigil.plan import deployments

    plan = plan_workspace(read_sources(args.root), only=args.env)
    base = None
    code_changed = False
    if args.base:
        code_changed = any(not path.startswith(SPEC_PATHS) for path in changed_paths(args.root, args.base))
        base = plan_at(args.root, args.base, args.env, "every stack counts as changed")
        code_changed = code_changed or base is None
    items = deployments.deployments(plan, base, everything_changed=code_changed)
    if args.format == "json":
        print(json.dumps(deployments.deployments_data(items), indent=2))
        return EXIT_OK
    for item in items:
        changed = "" if item.changed is None else f", {len(item.changed)} changed"
        print(f"{item.environment} {item.account} {item.region}: {len(item.stacks)} stacks{changed} "
              f"(role {item.role_variable})")
        for name in item.stacks:
            mark = "* " if item.changed is not None and name in item.changed else "  "
            print(f"  {mark}{name}")
    return EXIT_OK


def _cost(args: argparse.Namespace) -> int:
    from vigil.plan import pricing

    plan = plan_workspace(read_sources(args.root), only=args.env)
    reports = [pricing.price_environment(e, free_tier=not args.no_free_tier) for e in plan.environments]
    if args.format == "json":
        print(json.dumps([pricing.cost_data(r) for r in reports], indent=2, sort_keys=True))
    else:
        print("\n\n".join(pricing.render(r, args.format) for r in reports))
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    out = args.out if args.out.is_absolute() else args.root / args.out
    stale = sync({out / name: text for name, text in schema_texts().items()}, check=args.check)
    if args.check and stale:
        print(f"out of date: {', '.join(path.name for path in stale)}; run `make schema`", file=sys.stderr)
        return EXIT_ERROR
    print(f"{'checked' if args.check else 'wrote'} {len(schema_texts())} schemas in {out}")
    return EXIT_OK
