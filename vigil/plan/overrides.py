"""The rules every per-environment override map (`env: {staging: {...}}`) follows, whatever it overrides:
alarms, SLOs, canaries, X-Ray groups and sampling rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

Report = Callable[[tuple[str | int, ...], str], None]
"""Records a problem at a path of the spec document."""


class HasEnabled(Protocol):
    """An override that may switch its item on or off in one environment."""

    @property
    def enabled(self) -> bool | None: ...


def enabled_in(enabled: bool, override: HasEnabled | None) -> bool:
    """Whether an item is deployed in an environment: the override's `enabled` when it sets one, else the
    item's own."""
    if override is None or override.enabled is None:
        return enabled
    return override.enabled


def check_environment_names(overrides: Mapping[str, object], env_names: Iterable[str],
                            path: tuple[str | int, ...], report: Report) -> None:
    """Report every override naming an environment that has no file in environments/ (a typo would otherwise
    silently apply nowhere)."""
    known = list(env_names)
    for env_name in overrides:
        if env_name not in known:
            report((*path, "env", env_name), f'unknown environment "{env_name}"; environments: {", ".join(known)}')
