"""Check an import's files as `vigil validate` reads them, before anything is written.

The import writes only what validates: rules live in the spec models and the plan (vigil/plan/resolve.py,
vigil/limits.py), and this module applies them to the files the import built, instead of restating them.
Problems are returned by the spec entry they belong to (an alarm, a log group, an X-Ray group, a dashboard), so
that the import can leave that entry out and say why; a service that needs several stacks gets the lock
`vigil lock` would write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vigil.plan import shards
from vigil.plan.resolve import plan_workspace
from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.workspace import DASHBOARDS_DIR, ENVIRONMENTS_DIR, SERVICES_DIR, SourceFile, Sources

ENTRY_SECTIONS = ("alarms", "log_groups", "tracing.groups", "tracing.sampling_rules")
"""Sections of a service file whose entries an import can leave out one by one."""


@dataclass
class CheckResult:
    """What validating an import's files found. `entries` maps (file, section, key) to the problems of that
    entry, each as `field: message` relative to the entry; `files` maps a file whose problems belong to no
    entry (a dashboard, an environment) to its problems; `lock` is the lock file text when a service needs
    more than one stack, else None."""

    entries: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)
    lock: str | None = None

    @property
    def ok(self) -> bool:
        """True when the files validate as they are."""
        return not self.entries and not self.files


def check_files(files: Mapping[str, str], keys: Mapping[str, Mapping[str, set[str]]]) -> CheckResult:
    """Validate and plan `files` (path relative to the repository root -> text) with every environment they
    hold. `keys` gives, per service file, the keys of each section in ENTRY_SECTIONS, to tell which entry a
    problem's dotted field belongs to (keys may contain dots)."""

    def sources(directory: str) -> tuple[SourceFile, ...]:
        return tuple(SourceFile(path, text) for path, text in sorted(files.items())
                     if path.startswith(f"{directory}/"))

    result = CheckResult()
    try:
        plan = plan_workspace(Sources(sources(ENVIRONMENTS_DIR), sources(SERVICES_DIR), sources(DASHBOARDS_DIR)),
                              strict_lock=False)
    except SpecError as error:
        for problem in error.problems:
            entry = _entry_of(problem, keys.get(problem.file, {}))
            if entry is None:
                result.files.setdefault(problem.file, []).append(str(problem))
            else:
                section, key, detail = entry
                result.entries.setdefault((problem.file, section, key), []).append(detail)
        return result
    if any(len(service.shards) > 1 for environment in plan.environments for service in environment.services):
        result.lock = shards.render_lock({e.name: shards.assignments(e.services) for e in plan.environments})
    return result


def _entry_of(problem: SpecProblem, keys: Mapping[str, set[str]]) -> tuple[str, str, str] | None:
    """(section, key, `field: message` within the entry) of a problem in a service file, None if it concerns
    no single entry."""
    for section, section_keys in keys.items():
        prefix = f"{section}."
        if not problem.field.startswith(prefix):
            continue
        rest = problem.field[len(prefix):]
        matches = [k for k in section_keys if rest == k or rest.startswith(f"{k}.") or rest.startswith(f"{k}[")]
        if matches:
            key = max(matches, key=len)
            inner = rest[len(key):].lstrip(".")
            return section, key, f"{inner}: {problem.message}" if inner else problem.message
    return None
