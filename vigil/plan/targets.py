"""Targets: the accounts and regions one environment deploys to, and the rules that need its whole file.

An environment names one `account` and `region` (one implicit target, whose names and stacks are those vigil
always had) or several `targets`. Each target is planned on its own (vigil/plan/resolve.py); this module lists
them, checks what only the environment file can tell (targets, monitoring, routing, StackSet), and says which
regions the monitoring account serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vigil.spec.environment import LOCAL_ACCOUNT_PATTERN, EnvironmentSpec, SlackChannel
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument


@dataclass(frozen=True)
class Target:
    """One account and region of an environment; `name` None for an environment's single implicit target."""

    name: str | None
    account: str
    region: str


def environment_targets(spec: EnvironmentSpec) -> tuple[Target, ...]:
    """The targets of `spec` in name order: its `targets`, or its `account` and `region` as the only one."""
    if spec.targets:
        return tuple(Target(name, target.account, target.region) for name, target in sorted(spec.targets.items()))
    return (Target(None, spec.account or "", spec.region or ""),)


def monitoring_regions(spec: EnvironmentSpec) -> tuple[str, ...]:
    """The regions where the monitoring account needs a sink (and, with central routing, routing): every
    target's region and every StackSet region, sorted. CloudWatch alarms and OAM links stay in their region."""
    regions = {target.region for target in environment_targets(spec)}
    if spec.stackset and spec.stackset.regions:
        regions.update(spec.stackset.regions)
    return tuple(sorted(regions))


def check_targets(spec: EnvironmentSpec, document: LoadedDocument) -> list[SpecProblem]:
    """Problems with where `spec` deploys, one per problem, at the line of the field concerned."""
    problems: list[SpecProblem] = []

    def problem(path: tuple[str | int, ...], message: str) -> None:
        problems.append(document.problem(path, message))

    if spec.targets is not None:
        if not spec.targets:
            problem(("targets",), "expected at least one target")
        for field in ("account", "region"):
            if getattr(spec, field) is not None:
                problem((field,), f"expected either {field} or targets, not both: each target names its account "
                                  "and region")
        seen: dict[tuple[str, str], str] = {}
        for name, target in sorted(spec.targets.items()):
            where = (target.account, target.region)
            if where in seen:
                problem(("targets", name), f'account {target.account} in {target.region} is already target '
                                           f'"{seen[where]}"; a target is one account in one region')
            seen.setdefault(where, name)
    else:
        for field in ("account", "region"):
            if getattr(spec, field) is None:
                problem((), f"{field}: required field is missing (or give targets: several accounts and regions)")
        for field in ("monitoring", "stackset"):
            if getattr(spec, field) is not None:
                problem((field,), "needs targets: a monitoring account watches an environment's targets")
    if spec.routing == "central" and spec.monitoring is None:
        problem(("routing",), "central routing needs a monitoring account (monitoring: {account, region})")
    if spec.stackset is not None and spec.monitoring is None and spec.targets is not None:
        problem(("stackset",), "needs a monitoring account: the StackSet links every account to its sink")
    if spec.stackset is not None and spec.routing == "per-account":
        for name, channel in spec.channels.items():
            if isinstance(channel, SlackChannel) and channel.webhook is not None and channel.endpoint is None:
                problem(("channels", name, "webhook"),
                        "a StackSet carries the routing with per-account routing, and its template cannot carry "
                        "the forwarder function's code; use a Chatbot channel (workspace_id, channel_id) or "
                        "routing: central")
    if spec.local:
        accounts = [(("account",), spec.account)] + [
            (("targets", name, "account"), target.account) for name, target in (spec.targets or {}).items()]
        if spec.monitoring is not None:
            accounts.append((("monitoring", "account"), spec.monitoring.account))
        for path, account in accounts:
            if account is not None and not re.match(LOCAL_ACCOUNT_PATTERN, account):
                problem(path, f"a local environment must use LocalStack's accounts (000000000000 to "
                              f"000000000099), got {account}")
    return problems
