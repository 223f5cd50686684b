"""What `vigil --help` and `vigil COMMAND --help` show beyond the arguments: examples for every command, the
exit codes, and the version line. Kept apart from the parser so that adding a command means adding its
examples here (tests/test_cli_help.py fails for a command without any)."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata

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
    "cost": ("vigil cost --env prod            # monthly CloudWatch cost per service",
             "vigil cost --no-free-tier --format json"),
    "import": ("vigil import --env prod --region us-east-1 --out imported",
               "vigil import --env prod --region eu-west-1 --prefix checkout-=checkout "
               "--topic-severity ops-pager=critical"),
    "verify": ("vigil verify --env prod                          # exit 3 when the account differs",
               "vigil verify --env prod --insufficient-after 12h --format json"),
    "drill": ("vigil drill --env staging --severity critical    # page critical's route, then resolve",
              "vigil drill --env prod --severity warning --wait 30 --yes"),
    "schema": ("vigil schema --out schemas        # rewrite the JSON Schemas for editors",
               "vigil schema --check             # exit 1 when schemas/ is stale"),
    "completion": ("vigil completion bash > /etc/bash_completion.d/vigil",
                   "vigil completion zsh > \"${fpath[1]}/_vigil\""),
}
"""Command -> example command lines (a `#` comment says what each does)."""


def version_line() -> str:
    """`vigil X (aws-cdk-lib Y, constructs Z, Python V)`: vigil and the CDK libraries it runs with."""
    parts = []
    for distribution in ("aws-cdk-lib", "constructs"):
        try:
            parts.append(f"{distribution} {metadata.version(distribution)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{distribution} not installed")
    python = ".".join(str(n) for n in sys.version_info[:3])
    return f"vigil {__version__} ({', '.join(parts)}, Python {python})"


def epilog(command: str) -> str:
    """The text after a command's arguments in its --help: its examples."""
    return "examples:\n" + "\n".join(f"  {line}" for line in EXAMPLES.get(command, ()))


def main_epilog() -> str:
    """The text after the top-level arguments: exit codes and where the documentation is."""
    return (f"exit codes:\n{exit_codes.table()}\n\n"
            "`vigil COMMAND --help` shows a command's options and examples.")


def add_examples(commands: dict[str, argparse.ArgumentParser]) -> None:
    """Give every subcommand (name -> parser) its examples and a formatter that keeps their lines as written."""
    for name, parser in commands.items():
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = epilog(name)
