"""`python -m vigil validate | plan | diff | lock | schema | presets | cost`: the fast, CDK-free commands; `import |
verify | drill` work with a live account.

Exit codes: 0 success, 2 problems in the specs (one line each: file:line: field: message) or a refused drill,
3 verify findings, 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from vigil.gc_paused import cyclic_gc_paused
from vigil.live.aws import AwsError, UsageError
from vigil.live.drill import ProtectedEnvironment
from vigil.plan import diff as plan_diff
from vigil.plan import report, shards
from vigil.plan.resolve import plan_workspace
from vigil.presets.reference import REFERENCE_FILE, reference_text
from vigil.spec.errors import SpecError
from vigil.spec.git_sources import read_sources_at
from vigil.spec.schema import schema_texts
from vigil.spec.workspace import read_sources

EXIT_OK, EXIT_ERROR, EXIT_SPEC = 0, 1, 2
EXIT_FINDINGS = 3


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; never lets a traceback reach the user."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except SpecError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} problem(s) found.", file=sys.stderr)
        return EXIT_SPEC
    except (AwsError, ProtectedEnvironment, FileExistsError, UsageError) as error:
        print(f"vigil: {error}", file=sys.stderr)
        return EXIT_SPEC if isinstance(error, ProtectedEnvironment) else EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        print(f"vigil: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vigil", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root (default: current dir)")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check every spec for every environment")
    validate.add_argument("--env", action="append", help="only this environment (repeatable)")
    validate.set_defaults(handler=_validate)

    plan = commands.add_parser("plan", help="print what an environment deploys")
    plan.add_argument("--env", action="append", help="environment (repeatable; default: all)")
    plan.add_argument("--format", choices=report.FORMATS, default="text")
    plan.set_defaults(handler=_plan)

    diff = commands.add_parser("diff", help="what the working tree changes against a git revision, per environment")
    diff.add_argument("--base", required=True, help="git revision to compare with, e.g. origin/main")
    diff.add_argument("--env", action="append", help="only this environment (repeatable)")
    diff.add_argument("--format", choices=report.FORMATS, default="text")
    diff.set_defaults(handler=_diff)

    lock = commands.add_parser("lock", help=f"write {shards.LOCK_FILE}: which stack holds each alarm")
    lock.add_argument("--env", action="append", help="only this environment (repeatable; default: all)")
    lock.add_argument("--reshard", action="append", metavar="SERVICE",
                      help="reassign this service's alarms from scratch (moves alarms between its stacks)")
    lock.add_argument("--check", action="store_true", help="write nothing; exit 2 if the lock is out of date")
    lock.set_defaults(handler=_lock)

    cost = commands.add_parser("cost", help="the monthly CloudWatch cost of an environment, per service")
    cost.add_argument("--env", action="append", help="environment (repeatable; default: all)")
    cost.add_argument("--no-free-tier", action="store_true", help="do not deduct the account's free tier")
    cost.add_argument("--format", choices=report.FORMATS, default="text")
    cost.set_defaults(handler=_cost)

    from vigil.live import commands as live

    live.add_parsers(commands)

    schema = commands.add_parser("schema", help="write JSON Schemas of the spec files")
    schema.add_argument("--out", type=Path, default=Path("schemas"), help="directory (default: schemas)")
    schema.add_argument("--check", action="store_true", help="exit 1 if the files differ from the models")
    schema.set_defaults(handler=_schema)

    presets = commands.add_parser("presets", help=f"regenerate {REFERENCE_FILE}, the reference of resource presets")
    presets.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is out of date")
    presets.set_defaults(handler=_presets)
    return parser


def _validate(args: argparse.Namespace) -> int:
    sources = read_sources(args.root)
    plan = plan_workspace(sources, only=args.env)
    services = {s.name for e in plan.environments for s in e.services}
    alarms = sum(len(s.alarms) for e in plan.environments for s in e.services)
    stacks = sum(len(s.shards) for e in plan.environments for s in e.services)
    print(f"ok: {len(plan.environments)} environments, {len(services)} services, {alarms} alarms across "
          f"environments in {stacks} service stacks")
    if sources.lock is not None:
        lock = shards.parse_lock(sources.lock)
        stale = [line for e in plan.environments for line in shards.stale_entries(lock, e.name, e.services)]
        for line in stale:
            print(f"note: {shards.LOCK_FILE}: {line}; run `python -m vigil lock`", file=sys.stderr)
    return EXIT_OK


def _lock(args: argparse.Namespace) -> int:
    sources = read_sources(args.root)
    lock = shards.parse_lock(sources.lock)
    reshard = set(args.reshard or ())
    kept = {env: {name: keys for name, keys in services.items() if name not in reshard or
                  (args.env and env not in args.env)}
            for env, services in lock.environments.items()}
    plan = plan_workspace(sources, only=args.env, lock=shards.Lock(kept), strict_lock=False)
    stale = [line for e in plan.environments for line in shards.stale_entries(lock, e.name, e.services)]
    if args.check:
        for line in stale:
            print(f"{shards.LOCK_FILE}: {line}", file=sys.stderr)
        print(f"{shards.LOCK_FILE} is {'out of date: run `python -m vigil lock`' if stale else 'up to date'}",
              file=sys.stderr if stale else sys.stdout)
        return EXIT_SPEC if stale else EXIT_OK
    written = {env: dict(services) for env, services in lock.environments.items()}
    for environment in plan.environments:
        written[environment.name] = shards.assignments(environment.services)
    (args.root / shards.LOCK_FILE).write_text(shards.render_lock(written), encoding="utf-8")
    moved = sum(1 for e in plan.environments for s in e.services for shard in s.shards for key in shard.alarms
                if lock.service(e.name, s.name).get(key, shard.number) != shard.number)
    stacks = sum(len(s.shards) for e in plan.environments for s in e.services)
    print(f"wrote {shards.LOCK_FILE}: {len(plan.environments)} environments, {stacks} service stacks"
          + (f"; {moved} alarm(s) move to another stack" if moved else ""))
    return EXIT_OK


def _plan(args: argparse.Namespace) -> int:
    plan = plan_workspace(read_sources(args.root), only=args.env)
    with cyclic_gc_paused():  # the report is as large as the plan (vigil/gc_paused.py)
        if args.format == "json" and len(plan.environments) > 1:
            import json

            print(json.dumps([report.plan_data(e) for e in plan.environments], indent=2, sort_keys=True))
            return EXIT_OK
        print("\n\n".join(report.render(environment, args.format) for environment in plan.environments))
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    head = plan_workspace(read_sources(args.root), only=args.env)
    base_sources = read_sources_at(args.root, args.base)
    try:
        base = plan_workspace(base_sources, only=args.env)
    except SpecError as error:
        print(f"note: the specs at {args.base} do not validate ({len(error.problems)} problem(s)); "
              "comparing against nothing", file=sys.stderr)
        base = None
    print(plan_diff.render(plan_diff.diff_plans(base, head), args.format))
    if args.format != "json":  # the monthly cost change of the pull request, where there is one
        from vigil.plan.pricing import cost_changes

        for line in cost_changes(base, head):
            print(f"- {line}" if args.format == "markdown" else line)
    return EXIT_OK


def _cost(args: argparse.Namespace) -> int:
    from vigil.plan import pricing

    plan = plan_workspace(read_sources(args.root), only=args.env)
    reports = [pricing.price_environment(e, free_tier=not args.no_free_tier) for e in plan.environments]
    if args.format == "json":
        import json

        print(json.dumps([pricing.cost_data(r) for r in reports], indent=2, sort_keys=True))
    else:
        print("\n\n".join(pricing.render(r, args.format) for r in reports))
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    out = args.out if args.out.is_absolute() else args.root / args.out
    stale = []
    for name, text in schema_texts().items():
        path = out / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(name)
            if not args.check:
                out.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run `make schema`", file=sys.stderr)
        return EXIT_ERROR
    print(f"{'checked' if args.check else 'wrote'} {len(schema_texts())} schemas in {out}")
    return EXIT_OK


def _presets(args: argparse.Namespace) -> int:
    path = args.root / REFERENCE_FILE
    text = reference_text()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        if current != text:
            print(f"out of date: {REFERENCE_FILE}; run `python -m vigil presets`", file=sys.stderr)
            return EXIT_ERROR
        print(f"checked {REFERENCE_FILE}")
        return EXIT_OK
    if current != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE_FILE}")
    return EXIT_OK
