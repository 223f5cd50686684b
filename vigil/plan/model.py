"""The resolved plan: what one environment deploys, with every default applied. Consumed by the CDK layer,
`plan`, `diff` and the other commands; holds no pydantic or CDK objects' behaviour, only values."""

from __future__ import annotations

from dataclasses import dataclass, field

from vigil.spec.environment import EmailChannel, PagerDutyChannel, SlackChannel
from vigil.spec.types import Severity

Channel = PagerDutyChannel | SlackChannel | EmailChannel


@dataclass(frozen=True)
class MetricQuery:
    """One CloudWatch metric and statistic. `period` is in seconds."""

    id: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int


@dataclass(frozen=True)
class AlarmPlan:
    """One alarm as deployed. `kind` is threshold, anomaly or composite; periods in seconds.

    For threshold and anomaly alarms either `metric` (single metric) or `expression` with `metrics` is set.
    `rule` is the composite rule with full alarm names; `children` the full names it refers to.
    """

    key: str
    name: str
    service: str
    severity: Severity
    kind: str
    condition: str
    summary: str
    owner: str
    runbook: str | None
    description: str
    source: str
    metric: MetricQuery | None = None
    expression: str | None = None
    metrics: tuple[MetricQuery, ...] = ()
    operator: str | None = None
    threshold: float | None = None
    band: float | None = None
    period: int = 300
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    missing_data: str = "missing"
    rule: str | None = None
    children: tuple[str, ...] = ()
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServicePlan:
    """One service in one environment."""

    name: str
    owner: str
    source: str
    tags: tuple[tuple[str, str], ...]
    alarms: tuple[AlarmPlan, ...]


@dataclass(frozen=True)
class EnvironmentPlan:
    """Everything one environment deploys. `routes` maps each severity to channel names (possibly empty)."""

    name: str
    account: str
    region: str
    protected: bool
    routes: dict[Severity, tuple[str, ...]]
    channels: dict[str, Channel]
    tags: tuple[tuple[str, str], ...]
    services: tuple[ServicePlan, ...] = field(default_factory=tuple)
    drills: tuple[AlarmPlan, ...] = field(default_factory=tuple)
    """One drill alarm per severity (vigil/plan/drills.py), deployed with the routing stack."""

    def severities_for(self, channel: str) -> tuple[Severity, ...]:
        """The severities whose notifications reach `channel`."""
        return tuple(severity for severity, names in self.routes.items() if channel in names)


@dataclass(frozen=True)
class WorkspacePlan:
    """The plans of every selected environment, in name order."""

    environments: tuple[EnvironmentPlan, ...]
