"""Names AWS needs unique or short, checked over every planned target at once: names join the environment,
the target and the service with `-`, so target `a-b` with service `c` and target `a` with service `b-c` would
both name `vigil-{env}-a-b-c`, and a long environment and target name may take a name past its limit.

Checked here: stack names (unique in the app, CloudFormation's 128 characters), alarm names (unique per
account and region: with central routing every target's alarms of a region live in one account), dashboard
names (unique per account) and what routing names after a channel (Chatbot configurations, Slack forwarder
functions: their length and characters). Alarm, dashboard and X-Ray name lengths are checked where they are
made (vigil/limits.py). Each problem is reported in the environment file, at the target (or the name) whose
names collide or grow too long.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from vigil import naming
from vigil.limits import (
    CHANNEL_RESOURCE_NAME_PATTERN,
    MAX_CHATBOT_CONFIGURATION_NAME,
    MAX_FUNCTION_NAME,
    MAX_STACK_NAME,
)
from vigil.plan.deployments import planned_stacks, stack_sources
from vigil.plan.model import EnvironmentPlan, MonitoringPlan, WorkspacePlan
from vigil.spec.environment import SlackChannel
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument

Owner = tuple[str, str | None]
"""(environment, target) a name belongs to; target None for an environment with one account and region."""


def name_problems(plans: Sequence[EnvironmentPlan], monitoring: Sequence[MonitoringPlan],
                  documents: Mapping[str, LoadedDocument]) -> list[SpecProblem]:
    """Every name of `plans` and `monitoring` that another takes already, or that is too long or holds
    characters AWS refuses, reported in the environment file of `documents` (by environment name)."""
    problems: list[SpecProblem] = []

    def report(owner: Owner, message: str, field: tuple[str | int, ...] | None = None) -> None:
        environment, target = owner
        path = field or (("targets", target) if target is not None else ("name",))
        problems.append(documents[environment].problem(path, message))

    clashes: dict[tuple[Owner, Owner], list[str]] = {}

    def taken(owner: Owner, first: Owner, what: str) -> None:
        if first != owner:
            clashes.setdefault((owner, first), []).append(what)

    stacks: dict[str, Owner] = {}
    too_long: dict[Owner, list[str]] = {}
    for stack in planned_stacks(WorkspacePlan(tuple(plans), tuple(monitoring)), digests=False):
        owner = (stack.environment, stack.target)
        if len(stack.name) > MAX_STACK_NAME:
            too_long.setdefault(owner, []).append(stack.name)
        taken(owner, stacks.setdefault(stack.name, owner), f"stack {stack.name}")
    for owner, names in too_long.items():
        more = f" (and {len(names) - 1} more stack name(s))" if len(names) > 1 else ""
        report(owner, f"stack name {names[0]} is {len(names[0])} characters{more}; CloudFormation allows "
                      f"{MAX_STACK_NAME}: shorten the environment, target, service or region name")
    alarms: dict[tuple[str, str, str], Owner] = {}
    dashboards: dict[tuple[str, str], Owner] = {}
    for item in monitoring:
        for dashboard in item.dashboards:
            dashboards[(item.account, dashboard.name)] = (item.environment, None)
    for plan in plans:
        owner = (plan.name, plan.target)
        for service in plan.services:
            for alarm in service.alarms:
                where = (plan.alarm_account, alarm.region or plan.region, alarm.name)
                taken(owner, alarms.setdefault(where, owner), f"alarm {alarm.name} (account {where[0]}, {where[1]})")
        for dashboard in (*(d for s in plan.services for d in s.dashboards), *plan.dashboards):
            taken(owner, dashboards.setdefault((plan.alarm_account, dashboard.name), owner),
                  f"dashboard {dashboard.name} (account {plan.alarm_account})")
    for (owner, first), names in clashes.items():
        more = f" and {len(names) - 1} more name(s)" if len(names) > 1 else ""
        report(owner, f"{names[0]}{more} of {_describe(owner)} are {_describe(first)}'s too: {_JOINED}")
    reported: set[tuple[str, str, str]] = set()
    for environment, channel, what, name, limit in _channel_resource_names(plans, monitoring):
        message = None
        if len(name) > limit:
            message = (f"{what} name {name} is {len(name)} characters; AWS allows {limit}: shorten the channel's "
                       "name (or the environment's or target's)")
        elif not re.match(CHANNEL_RESOURCE_NAME_PATTERN, name):
            message = (f"{what} name {name} may hold only letters, digits, - and _: rename the channel")
        if message is not None and (environment, channel, what) not in reported:
            reported.add((environment, channel, what))
            report((environment, None), message, ("channels", channel))
    return problems


_JOINED = 'names join the environment, target and service with "-", so rename a target or a service'


def _describe(owner: Owner) -> str:
    environment, target = owner
    return f"environment {environment}" if target is None else f'target "{target}" of {environment}'


def _channel_resource_names(plans: Sequence[EnvironmentPlan], monitoring: Sequence[MonitoringPlan]
                            ) -> Iterator[tuple[str, str, str, str, int]]:
    """(environment, channel, what, name, limit) of every Chatbot configuration and forwarder function the
    routing of `plans` and `monitoring` creates (vigil/constructs/routing.py names them)."""
    # each routing stack (stack_sources), with the region its names carry when it is a regional copy
    routings: list[tuple[EnvironmentPlan, str, str | None]] = [
        (source.environment, source.environment.scope,
         None if source.region == source.environment.region else source.region)
        for source in stack_sources(WorkspacePlan(tuple(plans), tuple(monitoring)))
        if source.kind == "routing" and source.environment is not None]
    # and the routing a StackSet carries into every account
    routings += [(item.stackset.routing_plan, naming.regional_scope(item.environment, item.region), None)
                 for item in monitoring if item.stackset is not None and item.stackset.routing_plan is not None]
    for routing, scope, region in routings:
        for channel, spec in routing.channels.items():
            if not isinstance(spec, SlackChannel) or spec.endpoint is not None or not routing.severities_for(channel):
                continue
            if spec.webhook is not None:
                if region is None:  # one forwarder per routing: its regional copies share it
                    yield (routing.name, channel, "Slack forwarder function",
                           naming.channel_resource_name(scope, channel), MAX_FUNCTION_NAME)
                continue
            yield (routing.name, channel, "Chatbot configuration", naming.channel_resource_name(scope, channel, region),
                   MAX_CHATBOT_CONFIGURATION_NAME)
