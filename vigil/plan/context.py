"""What resolving one service file for one environment shares: the environment, the service spec, its document
(for file and line) and the problems found so far.

Every resolver (alarms, SLOs, canaries, tracing, logs) takes a `ServiceContext`, reports each problem with
`problem(path, message)` at a path of the service file, and builds metric queries with `metric_query`, so that
defaults apply and problems read the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from vigil.plan.alarm_shape import DEFAULT_STAT
from vigil.plan.model import MetricQuery
from vigil.presets.expand import PresetOrigin
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument
from vigil.spec.metrics import MetricSpec
from vigil.spec.service import ServiceSpec

SpecPath = tuple[str | int, ...]
"""A path in a spec document: mapping keys and list indexes, e.g. ("alarms", "api-down", "period")."""


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


@dataclass
class ServiceContext:
    """One service file resolved for one environment (one target of it). `env_names` are every environment of
    the workspace (for checking override maps); `problems` collects what is wrong, in the order found.

    For a target, `env` carries the target's account and region; `scope` is what alarm names start with
    (naming.target_scope: the environment's name, or `{env}-{target}`), and `metrics_account` is set when the
    alarms live in the monitoring account and read this account's metrics (central routing)."""

    env: EnvironmentSpec
    env_names: list[str]
    spec: ServiceSpec
    document: LoadedDocument
    problems: list[SpecProblem]
    origins: Mapping[str, PresetOrigin] = field(default_factory=dict)
    """Where each alarm generated from a resource preset comes from, by alarm key (vigil/presets/expand.py)."""
    scope: str = ""
    """What alarm names start with: the environment's name, or `{env}-{target}` (naming.target_scope)."""
    metrics_account: str | None = None
    """Set when the alarms live in the monitoring account and read this account's metrics (central routing)."""

    def __post_init__(self) -> None:
        self.scope = self.scope or self.env.name

    def pinned_region(self, key: str) -> str | None:
        """The region a preset alarm must live in when its metric exists only there and that is not this
        environment's (None otherwise)."""
        origin = self.origins.get(key)
        region = origin.region if origin is not None else None
        return region if region and region != self.env.region else None

    @property
    def env_name(self) -> str:
        """The environment's name, e.g. prod."""
        return self.env.name

    @property
    def service(self) -> str:
        """The service's name."""
        return self.spec.service

    @property
    def source(self) -> str:
        """The service file, as problems and alarm descriptions name it."""
        return self.document.file

    def problem(self, path: SpecPath, message: str) -> None:
        """Record a problem at `path` of the service file (its line comes from the document)."""
        self.problems.append(self.document.problem(path, message))

    def problem_count(self) -> int:
        """Problems recorded so far; compare before and after a step to see whether it found any."""
        return len(self.problems)

    def check_override_names(self, overrides: Mapping[str, object], path: SpecPath) -> None:
        """Report every override naming an environment that has no file in environments/ (a typo would
        otherwise silently apply nowhere)."""
        for env_name in overrides:
            if env_name not in self.env_names:
                self.problem((*path, "env", env_name),
                             f'unknown environment "{env_name}"; environments: {", ".join(self.env_names)}')

    def metric_query(self, path: SpecPath, metric_id: str, metric: MetricSpec, period: int) -> MetricQuery:
        """The query of `metric` under `metric_id`, with the service defaults applied: namespace (required here
        or in defaults), dimensions (the defaults' only for metrics in the default namespace), statistic
        (default Average). `period` is in seconds. An alarm's metric may carry a label, a unit and an account,
        which must be one of the environment's source accounts."""
        defaults = self.spec.defaults
        namespace = metric.namespace or defaults.namespace
        if namespace is None:
            self.problem((*path, "namespace"), "required field is missing: set namespace here or in "
                                               "defaults.namespace")
            namespace = ""
        dimensions = metric.dimensions
        if dimensions is None:
            dimensions = defaults.dimensions if namespace == defaults.namespace else None
        account = getattr(metric, "account", None)
        if account is not None and account not in self.env.source_accounts:
            listed = ", ".join(self.env.source_accounts) or "none"
            self.problem((*path, "account"), f"account {account} is not a source account of environment "
                                             f"{self.env_name} (source_accounts: {listed})")
        return MetricQuery(
            id=metric_id,
            namespace=namespace,
            metric=metric.metric,
            dimensions=tuple(sorted((dimensions or {}).items())),
            stat=metric.stat or defaults.stat or DEFAULT_STAT,
            period=period,
            label=getattr(metric, "label", None),
            account=account,
            unit=getattr(metric, "unit", None),
        )
