"""What a command or a CI job asks for beyond the spec files: environments (`--env`, `-c env=`), deployments
(`-c deployment=ACCOUNT/REGION`) and targets (`--target`), checked against what the environment files declare,
so that a typo fails with the names that exist instead of selecting nothing and succeeding."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from pathlib import PurePosixPath

from vigil.plan.deployments import planned_stacks
from vigil.plan.model import WorkspacePlan
from vigil.spec.alarm_options import ACCOUNT_PATTERN
from vigil.spec.environment import REGION_PATTERN
from vigil.spec.workspace import Sources

Place = tuple[str, str]
"""(account, region): where one deployment's stacks go."""


class SelectionError(ValueError):
    """A command-line or context value that selects nothing there is: one `vigil: {option}: {message}` line,
    exit 2. `option` is the value's name without its dashes (env, target, deployment)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def environment_names(sources: Sources) -> list[str]:
    """The environments of `sources` by file name (environments/prod.yaml is prod), sorted: what `--env` and
    `-c env=` may name, whether or not the file validates."""
    return sorted(PurePosixPath(source.path).stem for source in sources.environments)


def check_environments(only: Iterable[str] | None, names: list[str]) -> None:
    """Raise SelectionError for the first name of `only` that is no environment of `names`."""
    for name in sorted(set(only or ())):
        if name not in names:
            raise SelectionError("env", f'no environment "{name}"; environments: {", ".join(names)}')


def parse_environments(value: object) -> list[str] | None:
    """The environment names of a context value such as `dev,prod` (None when the context is not given)."""
    if value is None:
        return None
    names = [name.strip() for name in str(value).split(",") if name.strip()]
    if not names:
        raise SelectionError("env", f'expected environment names (comma-separated), got "{value}"')
    return names


def parse_deployments(value: object) -> list[Place] | None:
    """The places of a context value such as `310000000001/us-east-1,310000000009/eu-west-1` (None when the
    context is not given); anything else in it is a SelectionError."""
    if value is None:
        return None
    places = []
    for item in str(value).split(","):
        account, _, region = item.strip().partition("/")
        if not re.fullmatch(ACCOUNT_PATTERN, account) or not re.fullmatch(REGION_PATTERN, region):
            raise SelectionError("deployment", "expected ACCOUNT/REGION (a 12-digit account id, a region such as "
                                               "us-east-1; comma-separated for several), got "
                                               f'"{item.strip()}"')
        places.append((account, region))
    return places


def places_with_stacks(plan: WorkspacePlan) -> list[Place]:
    """Every (account, region) some stack of `plan` deploys to, sorted."""
    return sorted({(stack.account, stack.region) for stack in planned_stacks(plan, digests=False)})


def check_deployments(deployments: Collection[Place], planned: WorkspacePlan, environments: list[str],
                      whole: Callable[[], WorkspacePlan]) -> None:
    """Raise SelectionError for the first of `deployments` where `planned` (the plan of those deployments) has
    no stack, naming the places the selected `environments` deploy to (`whole()` plans them all: only then)."""
    served = set(places_with_stacks(planned))
    for account, region in deployments:
        if (account, region) in served:
            continue
        known = ", ".join(f"{a}/{r}" for a, r in places_with_stacks(whole())) or "none"
        whose, their = (environments[0], "its") if len(environments) == 1 else (", ".join(environments), "their")
        raise SelectionError("deployment", f"no stacks of {whose} deploy to {account}/{region}; {their} "
                                           f"deployments: {known}")
