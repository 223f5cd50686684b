"""Split a service's alarms across numbered stacks, stably, and check CloudFormation's per-stack limits.

A service's first stack is `vigil-{env}-{service}` (its name from before sharding existed); more stacks are
`vigil-{env}-{service}-2`, `-3`, ... Which stack holds an alarm is recorded in the committed lock file
(vigil.lock.json, per environment and service: alarm key -> stack number) and never changes by itself:

- an alarm in the lock stays in its stack, whatever else is added, edited or removed;
- an alarm not in the lock goes to the lowest-numbered stack with room under the budget (a composite alarm to
  the lowest such stack at or after the stacks of its children), in key order; when none has room a new
  stack is opened;
- a service that needs more than one stack must have every alarm in the lock, or the plan fails: an unlocked
  alarm's stack could otherwise change when another unlocked alarm is added before it.

`python -m vigil lock` writes the lock from this assignment; `--reshard SERVICE` forgets a service's entries
first (the one, deliberate way to move alarms between stacks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from vigil import naming
from vigil.limits import MAX_RESOURCES_PER_STACK, MAX_TEMPLATE_BYTES
from vigil.plan.alarm_shape import needs
from vigil.plan.model import EnvironmentPlan, ServicePlan, ShardPlan
from vigil.plan.template_size import STACK_OVERHEAD_BYTES, TemplateSize, alarm_size, service_level_size
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.loader import LoadedDocument
from vigil.spec.workspace import LOCK_FILE

SHARD_BUDGET = TemplateSize(resources=250, template_bytes=500_000)
"""What vigil puts in one stack before opening the next: half of each CloudFormation limit, so that an
alarm's stack never has to change when existing alarms grow (longer descriptions, more metrics)."""

LOCK_VERSION = 1

ServiceLock = Mapping[str, int]
"""One service's entries in one environment: alarm key -> stack number (1-based)."""


@dataclass(frozen=True)
class Lock:
    """The parsed lock file: environment -> service -> alarm key -> stack number. Empty when there is none."""

    environments: Mapping[str, Mapping[str, ServiceLock]]

    def service(self, env: str, service: str) -> ServiceLock:
        """The entries of one service in one environment (empty if it has none)."""
        return self.environments.get(env, {}).get(service, {})


EMPTY_LOCK = Lock({})


def parse_lock(text: str | None) -> Lock:
    """Parse vigil.lock.json; None (no file) gives an empty lock. Raises SpecError on a malformed file."""
    if text is None:
        return EMPTY_LOCK

    def fail(message: str) -> SpecError:
        return SpecError([SpecProblem(LOCK_FILE, 0, "", f"{message}; regenerate it with `python -m vigil lock`")])

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SpecError([SpecProblem(LOCK_FILE, error.lineno, "", f"invalid JSON: {error.msg}")]) from None
    except (RecursionError, ValueError):  # nested too deeply, or a number of over 4,300 digits
        raise fail("unreadable JSON") from None
    if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
        raise fail(f'expected an object with "version": {LOCK_VERSION}')
    environments = data.get("environments", {})
    ok = isinstance(environments, dict) and all(
        isinstance(services, dict) and all(
            isinstance(keys, dict) and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1
                                           for n in keys.values())
            for keys in services.values())
        for services in environments.values())
    if not ok:
        raise fail('expected "environments": {env: {service: {alarm key: stack number >= 1}}}')
    return Lock(environments)


def render_lock(assignments: Mapping[str, Mapping[str, Mapping[str, int]]]) -> str:
    """The lock file text for `assignments` (env -> service -> key -> number): sorted, one alarm per line."""
    data: dict[str, Any] = {
        "version": LOCK_VERSION,
        "about": "Which stack holds each alarm; written by `python -m vigil lock`, commit it. See README, Scale.",
        "environments": {env: {service: dict(sorted(keys.items())) for service, keys in sorted(services.items())}
                         for env, services in sorted(assignments.items())},
    }
    return json.dumps(data, indent=1, sort_keys=False) + "\n"


def assign_shards(service: ServicePlan, *, env: str, region: str, account: str, locked: ServiceLock,
                  document: LoadedDocument, problems: list[SpecProblem], strict: bool = True,
                  source_resources: bool = True) -> ServicePlan:
    """Return `service` with its shards. Adds a problem (at the service's `alarms`) when a stack would exceed
    CloudFormation's limits or when a multi-stack service has alarms missing from the lock (unless not
    `strict`, as when the lock is being written). `env` is what the stack names start with (an environment,
    or one of its targets: naming.target_scope); without `source_resources` the first stack holds only the
    service's alarms and dashboards (central routing)."""
    tags = naming.stack_tags(service.tags)
    sizes = {alarm.key: alarm_size(alarm, tags, alarm.region or region, account) for alarm in service.alarms}
    pinned = [alarm for alarm in service.alarms if alarm.region]
    alarms = [alarm for alarm in service.alarms if not alarm.region]
    extra = service_level_size(service, source_resources=source_resources, tags=tags)
    used: dict[int, TemplateSize] = {1: extra}
    home: dict[str, int] = {}
    for alarm in alarms:
        number = locked.get(alarm.key)
        if number is not None:
            home[alarm.key] = number
            used[number] = used.get(number, TemplateSize(0, 0)) + sizes[alarm.key]
    key_of = {alarm.name: alarm.key for alarm in alarms}
    unlocked = [a for a in alarms if a.key not in home]
    unlocked.sort(key=lambda a: (a.kind == "composite", a.key))
    for alarm in unlocked:
        floor = max((home.get(key_of.get(child, ""), 1) for child in needs(alarm)), default=1)
        number = floor
        while not _fits(used.get(number), sizes[alarm.key]):
            number += 1
        home[alarm.key] = number
        used[number] = used.get(number, TemplateSize(0, 0)) + sizes[alarm.key]
    numbers = sorted({1, *home.values()})
    if strict and len(numbers) > 1 and unlocked:
        keys = ", ".join(a.key for a in unlocked[:5]) + (f" and {len(unlocked) - 5} more" if len(unlocked) > 5 else "")
        problems.append(document.problem(("alarms",), f"{service.name} needs {len(numbers)} stacks in {env} and "
                                                      f"{len(unlocked)} alarm(s) have none in {LOCK_FILE} ({keys}); "
                                                      f"run `python -m vigil lock` and commit {LOCK_FILE}"))
    shards = []
    for number in numbers:
        keys = tuple(a.key for a in alarms if home[a.key] == number)
        stack = used.get(number, TemplateSize(0, 0))
        name = naming.service_stack_name(env, service.name, number)
        size = STACK_OVERHEAD_BYTES + stack.template_bytes
        depends = sorted({home[key_of[child]] for a in alarms if home[a.key] == number
                          for child in needs(a) if child in key_of} - {number})
        _check_limits(name, stack.resources, size, env, service.name, document, problems)
        shards.append(ShardPlan(number, name, keys, stack.resources, size, tuple(depends)))
    _check_cycles(replace(service, alarms=tuple(alarms)), shards, env, document, problems)
    for number, pinned_region in enumerate(sorted({str(a.region) for a in pinned}), start=numbers[-1] + 1):
        keys = tuple(a.key for a in pinned if a.region == pinned_region)
        stack = sum((sizes[key] for key in keys), TemplateSize(0, 0))
        name = naming.regional_service_stack_name(env, service.name, pinned_region)
        size = STACK_OVERHEAD_BYTES + stack.template_bytes
        _check_limits(name, stack.resources, size, env, service.name, document, problems)
        shards.append(ShardPlan(number, name, keys, stack.resources, size, (), region=pinned_region))
    return replace(service, shards=tuple(shards))


def _fits(used: TemplateSize | None, size: TemplateSize) -> bool:
    if used is None or used.resources == 0:
        return True  # an empty stack takes any one item; the hard limits are checked afterwards
    return (used.resources + size.resources <= SHARD_BUDGET.resources
            and STACK_OVERHEAD_BYTES + used.template_bytes + size.template_bytes <= SHARD_BUDGET.template_bytes)


def _check_limits(stack: str, resources: int, size: int, env: str, service: str, document: LoadedDocument,
                  problems: list[SpecProblem]) -> None:
    hint = (f"alarms stay in the stack {LOCK_FILE} gives them; to redistribute them (each moved alarm is deleted "
            f"and recreated) run `python -m vigil lock --env {env} --reshard {service}`")
    if resources > MAX_RESOURCES_PER_STACK:
        problems.append(document.problem(("alarms",), f"stack {stack} would have {resources} resources; "
                                                      f"CloudFormation allows {MAX_RESOURCES_PER_STACK}: {hint}"))
    if size > MAX_TEMPLATE_BYTES:
        problems.append(document.problem(("alarms",), f"stack {stack} would have a template of about {size} "
                                                      f"bytes; CloudFormation allows {MAX_TEMPLATE_BYTES}: {hint}"))


def _check_cycles(service: ServicePlan, shards: list[ShardPlan], env: str, document: LoadedDocument,
                  problems: list[SpecProblem]) -> None:
    edges = {shard.number: set(shard.depends_on) for shard in shards}
    visiting: set[int] = set()
    done: set[int] = set()

    def cyclic(node: int) -> bool:
        if node in done:
            return False
        if node in visiting:
            return True
        visiting.add(node)
        found = any(cyclic(n) for n in edges.get(node, ()))
        visiting.discard(node)
        done.add(node)
        return found

    if any(cyclic(number) for number in edges):
        problems.append(document.problem(("alarms",), f"composite alarms of {service.name} refer to alarms in each "
                                                      f"other's stacks in {env}, so neither stack can deploy "
                                                      f"first; run `python -m vigil lock --env {env} --reshard "
                                                      f"{service.name}`"))


def assignments(services: tuple[ServicePlan, ...]) -> dict[str, dict[str, int]]:
    """service -> alarm key -> stack number, as planned (what `vigil lock` writes for one environment)."""
    return {service.name: {key: shard.number for shard in service.shards if shard.region is None
                           for key in shard.alarms}
            for service in services}


def stale_entries(lock: Lock, env: str, services: tuple[ServicePlan, ...]) -> list[str]:
    """Differences between the lock and the plan of one environment, one line per service, for `lock --check`."""
    lines = []
    planned = assignments(services)
    for name in sorted(set(planned) | set(lock.environments.get(env, {}))):
        have, want = dict(lock.service(env, name)), planned.get(name, {})
        added = sorted(set(want) - set(have))
        removed = sorted(set(have) - set(want))
        if added or removed:
            lines.append(f"{env}/{name}: {len(added)} alarm(s) not in the lock, {len(removed)} no longer planned")
    return lines


def lock_to_plan(lock: Lock, *, reshard: Iterable[str] = (), envs: Iterable[str] | None = None) -> Lock:
    """The lock `vigil lock` plans with: the services in `reshard` forgotten (in the lock entries `envs`, default
    every one: an environment's name, or `{env}-{target}` for each target of one with targets), so that their
    alarms are placed afresh."""
    forget, selected = set(reshard), set(envs) if envs else None
    return Lock({env: {name: keys for name, keys in services.items()
                       if name not in forget or (selected is not None and env not in selected)}
                 for env, services in lock.environments.items()})


def updated_lock(lock: Lock, environments: Iterable[EnvironmentPlan]) -> dict[str, dict[str, dict[str, int]]]:
    """The lock's assignments with those of the planned `environments` replaced (others kept as they are)."""
    written = {env: dict(services) for env, services in lock.environments.items()}
    for environment in environments:
        written[environment.scope] = assignments(environment.services)
    return written


def moved_alarms(lock: Lock, environments: Iterable[EnvironmentPlan]) -> int:
    """Alarms the plan puts in another stack than the lock does (each is deleted and recreated)."""
    return sum(1 for e in environments for s in e.services for shard in s.shards for key in shard.alarms
               if lock.service(e.scope, s.name).get(key, shard.number) != shard.number)
