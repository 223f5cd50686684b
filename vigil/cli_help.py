"""What `vigil --help` and `vigil COMMAND --help` show beyond the arguments: examples for every command, the
exit codes, and the version line. Kept apart from the parser so that adding a command means adding its
examples here (tests/test_cli_help.py fails for a command without any)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vigil import __version__, exit_codes

EXAMPLES: dict[str, tuple[str, ...]] = {
    "init": ("vigil init monitoring            # a new repository in ./monitoring",
             "vigil init . --force             # write the scaffold's files into the current repository",
             "vigil init mon --vigil-spec '/src/vigil[test]'   # its Makefile installs vigil from a checkout"),
    "validate": ("vigil validate                   # every spec for every environment",
                 "vigil validate --env prod        # one environment",
                 "vigil validate --format json     # problems as JSON, for other tools"),
    "plan": ("vigil plan --env prod            # alarms, who is paged, stacks, SLOs, dashboards",
             "vigil plan --format markdown     # tables for a pull-request comment",
             "vigil plan --env prod --format json | jq '.stacks'"),
    "diff": ("vigil diff --base origin/main                    # what this branch changes, per environment",
             "vigil diff --base HEAD~1 --env prod --format markdown"),
    "lock": ("vigil lock                       # record which stack holds each alarm; commit vigil.lock.json",
             "vigil lock --check               # in CI: exit 2 when the lock is out of date",
             "vigil lock --reshard orders      # deliberately reassign one service's alarms"),
    "targets": ("vigil targets                    # the stacks per environment, account and region",
                "vigil targets --base origin/main --format json   # the CI matrix, with the changed stacks"),
    "cost": ("vigil cost --env prod            # monthly CloudWatch cost per service",
             "vigil cost --no-free-tier --format json"),
    "import": ("vigil import --env prod --region us-east-1 --out imported",
               "vigil import --env prod --region eu-west-1 --prefix checkout-=checkout "
               "--topic-severity ops-pager=critical"),
    "verify": ("vigil verify --env prod                          # exit 3 when the account differs",
               "vigil verify --env prod --insufficient-after 12h --format json",
               "vigil verify --env org --target payments-us        # one target of an organisation"),
    "drill": ("vigil drill --env staging --severity critical    # page critical's route, then resolve",
              "vigil drill --env prod --severity warning --wait 30 --yes"),
    "slo simulate": ("vigil slo simulate wwhd availability --env prod   # when page and ticket fire, per scenario",
                     "vigil slo simulate coaching latency --scenario slow-leak-3d --out /tmp/timelines"),
    "preview": ("vigil preview --env prod --images                  # every dashboard: preview/prod.html and PNGs",
                "vigil preview --base origin/main --images          # the dashboards a branch changes, before "
                "and after"),
    "schema": ("vigil schema --out schemas        # rewrite the JSON Schemas for editors",
               "vigil schema --check             # exit 1 when schemas/ is stale"),
    "completion": ("vigil completion bash > /etc/bash_completion.d/vigil",
                   "vigil completion zsh > \"${fpath[1]}/_vigil\""),
}
"""Command -> example command lines (a `#` comment says what each does)."""


def version_line() -> str:
    """`vigil X (aws-cdk-lib Y, constructs Z, Python V)`: vigil and the CDK libraries it runs with."""
    from importlib import metadata  # only for --version: its import and the look-ups cost every other command

    parts = []
    for distribution in ("aws-cdk-lib", "constructs"):
        try:
            parts.append(f"{distribution} {metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{distribution} not installed")
    python = ".".join(str(n) for n in sys.version_info[:3])
    return f"vigil {__version__} ({', '.join(parts)}, Python {python})"


class VersionAction(argparse.Action):
    """`--version`: prints `version_line()` and exits, working it out only when asked."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        print(version_line())
        parser.exit()


def epilog(command: str) -> str:
    """The text after a command's arguments in its --help: its examples."""
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES.get(command, ()))


def main_epilog() -> str:
    """The text after the top-level arguments: exit codes and where the documentation is."""
    return (f"exit codes:\n{exit_codes.table()}\n\n"
            "`vigil COMMAND --help` shows a command's options and examples.")


def add_examples(commands: dict[str, argparse.ArgumentParser]) -> None:
    """Give every subcommand (name -> parser) its examples and a formatter that keeps their lines as written;
    a command with subcommands of its own (`slo simulate`) gives them theirs."""
    for name, command in leaf_commands(commands):
        command.formatter_class = argparse.RawDescriptionHelpFormatter
        command.epilog = epilog(name)


def leaf_commands(commands: dict[str, argparse.ArgumentParser]) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command by its full name: `plan`, and `slo simulate` for a command under a command group."""
    out = []
    for name, parser in commands.items():
        nested = subcommands(parser)
        out += [(f"{name} {sub}", command) for sub, command in nested.items()] if nested else [(name, parser)]
    return out


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommands of `parser` by name, in the order `--help` lists them."""
    for action in parser._actions:
        if isinstance(action.choices, dict):
            return dict(action.choices)
    return {}


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """The command-line reference page (docs/reference/cli.md): every command with its arguments and examples,
    and the exit codes. Usage lines are wrapped at 100 columns whatever the terminal."""
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return _cli_reference(parser)
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns


def _cli_reference(parser: argparse.ArgumentParser) -> str:
    lines = ["# Command line", "", "<!-- generated from vigil/cli.py by `make reference`; do not edit -->", "",
             "`vigil` is installed as a console script; `python -m vigil` runs the same program. Global options "
             "come before the command: `vigil --root ../monitoring validate`.", "",
             "```text", parser.format_usage().strip(), "```", "",
             "| option | meaning |", "| --- | --- |"]
    lines += [_option_row(action) for action in parser._actions if action.dest not in ("help", "command")]
    lines += ["", "## Exit codes", "", "| code | meaning |", "| --- | --- |"]
    lines += [f"| {code} | {meaning} |" for code, meaning in exit_codes.EXIT_CODES.items()]
    for name, sub in leaf_commands(subcommands(parser)):
        group, _, leaf = name.rpartition(" ")
        owner = subcommands(parser)[group] if group else parser
        lines += ["", f"## vigil {name}", "", _help_of(owner, leaf), "", "```text",
                  sub.format_usage().strip().removeprefix("usage: "), "```", ""]
        rows = [_option_row(action) for action in sub._actions if action.dest != "help"]
        if rows:
            lines += ["| argument | meaning |", "| --- | --- |", *rows, ""]
        lines += ["Examples:", "", "```sh", *EXAMPLES.get(name, ()), "```"]
    return "\n".join(lines) + "\n"


def _help_of(parser: argparse.ArgumentParser, name: str) -> str:
    for action in parser._actions:
        for choice in getattr(action, "_choices_actions", ()):
            if choice.dest == name and choice.help:
                return f"{choice.help[0].upper()}{choice.help[1:]}."
    return ""


def _option_row(action: argparse.Action) -> str:
    if action.option_strings:
        metavar = "" if action.nargs == 0 else f" {action.metavar or action.dest.upper()}"
        name = ", ".join(f"`{option}{metavar}`" for option in action.option_strings)
    else:
        name = f"`{action.metavar or action.dest}`"
    meaning = (action.help or "").replace("|", "\\|")
    if action.choices and not isinstance(action.choices, dict):
        meaning += f"{'; ' if meaning else ''}one of {', '.join(f'`{c}`' for c in action.choices)}"
    if action.default not in (None, False, argparse.SUPPRESS) and "default" not in meaning \
            and not isinstance(action.default, Path):
        meaning += f" (default `{action.default}`)"
    return f"| {name} | {meaning} |"


def add_environments_option(parser: argparse.ArgumentParser) -> None:
    """`--env NAME`, repeatable, as every command that may work on several environments takes it."""
    parser.add_argument("--env", action="append", help="only this environment (repeatable; default: all)")


def add_format_option(parser: argparse.ArgumentParser, formats: tuple[str, ...] = ("text", "json")) -> None:
    """`--format`, one of `formats` (default: the first, text)."""
    parser.add_argument("--format", choices=formats, default=formats[0])
