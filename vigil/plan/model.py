"""The resolved plan: what one environment deploys, with every default applied. Consumed by the CDK layer,
`plan`, `diff` and the other commands; holds no pydantic or CDK objects' behaviour, only values."""

from __future__ import annotations

import copy
import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

from vigil.spec.environment import EmailChannel, PagerDutyChannel, SlackChannel
from vigil.spec.logs import RETENTION_DAYS
from vigil.spec.types import Severity

Channel = PagerDutyChannel | SlackChannel | EmailChannel


def plain_data(value: Any) -> Any:
    """A plan value as JSON-ready data: dataclasses as dicts, tuples as lists, everything else as it is.
    `dataclasses.asdict` without its deep copy of every value (plan values are immutable), which made it most of
    `plan --format json` for 10,000 alarms."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain_data(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, tuple | list):
        return [plain_data(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_data(item) for key, item in value.items()}
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


@dataclass(frozen=True)
class MetricQuery:
    """One CloudWatch metric and statistic. `period` is in seconds; `label` is the name CloudWatch shows for it
    (None: CloudWatch's default); `account` the account that publishes it when that is not the alarm's own
    (cross-account observability); `unit` the unit its data points must have (None: any)."""

    id: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int
    label: str | None = None
    account: str | None = None
    """The account whose metric this is, when an alarm watches another account's metric (central routing's
    alarms in the monitoring account, or an imported cross-account alarm); None: the alarm's own account."""
    unit: str | None = None


@dataclass(frozen=True)
class ExpressionQuery:
    """An intermediate metric-math expression of an alarm (its result is not the alarm's): `id` as other
    expressions refer to it, `period` in seconds or None (the metrics' own)."""

    id: str
    expression: str
    label: str | None = None
    period: int | None = None


@dataclass(frozen=True)
class AlarmPlan:
    """One alarm as deployed. `kind` is threshold, anomaly or composite; periods in seconds.

    For threshold and anomaly alarms either `metric` (single metric) or `expression` is set: metric math over
    `metrics` and the intermediate `expressions`, or a Metrics Insights query (no metrics). `label` names what
    the alarm watches (the metric's label lives on `metric`); `expression_period` is the expression's own
    period in seconds (a query's, or None). `band` with an expression: an anomaly band around its result;
    `band_label` the band's label (None: `{what it watches} (expected band)`).
    `rule` is the composite rule with full alarm names; `children` the full names it refers to.
    Actions are severity topic names or ARNs (Lambda, Systems Manager, EC2, Auto Scaling) per state.
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
    expressions: tuple[ExpressionQuery, ...] = ()
    label: str | None = None
    expression_period: int | None = None
    band_label: str | None = None
    evaluate_low_sample_count_percentile: str | None = None
    rule: str | None = None
    children: tuple[str, ...] = ()
    alarm_actions: tuple[str, ...] = ()
    ok_actions: tuple[str, ...] = ()
    insufficient_data_actions: tuple[str, ...] = ()
    actions_enabled: bool = True
    actions_suppressor: str | None = None
    suppressor_wait_period: int = 0
    suppressor_extension_period: int = 0
    preset: str | None = None
    """For an alarm generated from a resource preset: the resource and its preset alarm, `orders-fn
    (lambda/errors)`."""
    region: str | None = None
    """The region the alarm is deployed in when it is not the environment's: its metric exists only there
    (CloudFront's in us-east-1). Its actions go to that region's severity topics."""

    def with_description(self, condition: str, description: str) -> AlarmPlan:
        """This alarm with its `condition` and `description` set. Equal to `dataclasses.replace` (AlarmPlan has
        no `__post_init__` and every field is an init field) at a third of its cost: it runs once per alarm."""
        described = copy.copy(self)
        object.__setattr__(described, "condition", condition)
        object.__setattr__(described, "description", description)
        return described


@dataclass(frozen=True)
class BurnAlarm:
    """One burn-rate condition of an SLO alert: the error ratio over `window` seconds is at least `factor` times
    the error budget, i.e. at least `threshold`. `alarm` is the full name of the child alarm that checks it."""

    window: int
    factor: float
    threshold: float
    alarm: str


@dataclass(frozen=True)
class SloPlan:
    """One SLO as deployed. `objective` in percent, `window` in seconds; `budget` = 1 - objective / 100.

    `page_rules` and `ticket_rules` are (short, long) pairs of burn alarms; an alert fires when the traffic guard
    is in ALARM and both alarms of any pair are. `errors` and `total` are the metric queries of the error ratio
    `ratio_expression` (their period is set per burn window); `total_expression` over them counts all events,
    for the traffic guard.
    """

    key: str
    service: str
    objective: float
    window: int
    budget: float
    ratio_expression: str
    metrics: tuple[MetricQuery, ...]
    total_expression: str
    min_requests: int
    guard_alarm: str
    page_alarm: str | None
    ticket_alarm: str | None
    page_severity: Severity
    ticket_severity: Severity
    page_rules: tuple[tuple[BurnAlarm, BurnAlarm], ...]
    ticket_rules: tuple[tuple[BurnAlarm, BurnAlarm], ...]


@dataclass(frozen=True)
class GraphPlan:
    """A graph of a resource's dashboard row beside its alarms' graphs: a title and its metrics."""

    title: str
    metrics: tuple[MetricQuery, ...]


@dataclass(frozen=True)
class ResourcePlan:
    """A resource monitored with a preset (vigil/presets): its key and type, the keys of the alarms it generated
    (before per-environment rules drop any) and the extra graphs of its dashboard row."""

    key: str
    type: str
    alarms: tuple[str, ...]
    graphs: tuple[GraphPlan, ...] = ()


@dataclass(frozen=True)
class ShardPlan:
    """One CloudFormation stack of a service: `number` 1 is `vigil-{env}-{service}`, n > 1 adds `-{n}`.

    `alarms` are the keys of the alarms it holds; `resources` and `template_bytes` are the plan's estimate of
    its template; `depends_on` are the shard numbers holding children of its composite alarms.
    """

    number: int
    stack_name: str
    alarms: tuple[str, ...]
    resources: int
    template_bytes: int
    depends_on: tuple[int, ...] = ()
    region: str | None = None
    """Set for the stack of a service's alarms pinned to another region (`vigil-{env}-{service}-{region}`),
    deployed in that region of the same account; such stacks are not in the lock."""


@dataclass(frozen=True)
class XRayGroupPlan:
    """One X-Ray group as deployed."""

    key: str
    name: str
    filter: str
    insights: bool
    notifications: bool
    source: str
    line: int


@dataclass(frozen=True)
class SamplingRulePlan:
    """One X-Ray sampling rule as deployed. `fixed_rate` is a share (0 to 1), `reservoir` requests per second."""

    key: str
    name: str
    priority: int
    fixed_rate: float
    reservoir: int
    service: str
    service_type: str
    host: str
    method: str
    url_path: str
    resource_arn: str
    attributes: tuple[tuple[str, str], ...]
    source: str
    line: int


@dataclass(frozen=True)
class CanaryPlan:
    """One canary as deployed. Durations in seconds, retention in days. `config` is the JSON the script runs
    (steps, expectations, secret ids: never secret values); `script` the generated Python source."""

    key: str
    name: str
    service: str
    severity: Severity
    every: int
    timeout: int
    run_timeout: int
    success_retention: int
    failure_retention: int
    runtime: str
    handler: str
    secret_ids: tuple[str, ...]
    config: str
    script: str
    alarms: tuple[str, ...]
    source: str
    owns_log_group: bool = True
    """The stack creates the canary's log group with its retention (`log_retention`). False in a local
    environment: LocalStack has no Synthetics, so no canary id exists to name the group after."""

    @property
    def schedule(self) -> str:
        """The Synthetics schedule expression, e.g. `rate(5 minutes)`."""
        minutes = self.every // 60
        if minutes == 60:
            return "rate(1 hour)"
        return f"rate({minutes} minute{'s' if minutes > 1 else ''})"

    @property
    def artifact_expiry(self) -> int:
        """Days after which S3 artifacts expire: the longer of the two retentions."""
        return max(self.success_retention, self.failure_retention)

    @property
    def log_retention(self) -> int:
        """Days the canary's log group keeps its runs' logs: the shortest retention CloudWatch Logs accepts that
        is at least the artifact expiry, so logs outlive the artifacts they explain."""
        return next(days for days in RETENTION_DAYS if days >= self.artifact_expiry)


@dataclass(frozen=True)
class ServicePlan:
    """One service in one environment. `shards` are its stacks (at least one), assigned by vigil/plan/shards.py."""

    name: str
    owner: str
    source: str
    tags: tuple[tuple[str, str], ...]
    alarms: tuple[AlarmPlan, ...]
    xray_groups: tuple[XRayGroupPlan, ...] = ()
    sampling_rules: tuple[SamplingRulePlan, ...] = ()
    canaries: tuple[CanaryPlan, ...] = ()
    shards: tuple[ShardPlan, ...] = ()
    slos: tuple[SloPlan, ...] = ()
    log_groups: tuple[LogGroupPlan, ...] = ()
    dashboards: tuple[DashboardPlan, ...] = ()
    resources: tuple[ResourcePlan, ...] = ()

    @property
    def has_source_resources(self) -> bool:
        """Whether the service has what must live in its own account whoever holds its alarms: X-Ray groups
        and sampling rules, canaries, log groups."""
        return bool(self.xray_groups or self.sampling_rules or self.canaries or self.log_groups)


@dataclass(frozen=True)
class EnvironmentPlan:
    """Everything one environment deploys to one target (account and region). `routes` maps each severity to
    channel names (possibly empty).

    `scope` is what names start with (naming.target_scope): the environment name for an environment with one
    `account` and `region` (`target` None), `{env}-{target}` for each of an environment's `targets`.
    `alarm_account` is where the alarms, their dashboards and the routing live: `account`, or the monitoring
    account with central routing, whose alarms then read `account`'s metrics. `routing` says whether this plan
    has a routing stack of its own (not with central routing, nor when a StackSet carries the routing).
    """

    name: str
    account: str
    region: str
    protected: bool
    routes: dict[Severity, tuple[str, ...]]
    channels: dict[str, Channel]
    tags: tuple[tuple[str, str], ...]
    services: tuple[ServicePlan, ...] = field(default_factory=tuple)
    dashboards: tuple[DashboardPlan, ...] = ()
    """Declared dashboards that name no service; they live in the `vigil-{scope}-dashboards` stack."""
    drills: tuple[AlarmPlan, ...] = field(default_factory=tuple)
    """One drill alarm per severity (vigil/plan/drills.py), deployed with the routing stack."""
    webhook_hosts: tuple[str, ...] = ()
    """Hosts the Slack forwarders may post to besides Slack's own (the environment's allow.webhook_hosts)."""
    target: str | None = None
    scope: str = ""
    alarm_account: str = ""
    routing: bool = True

    def __post_init__(self) -> None:
        if not self.scope:
            object.__setattr__(self, "scope", self.name)
        if not self.alarm_account:
            object.__setattr__(self, "alarm_account", self.account)

    @property
    def label(self) -> str:
        """How reports name this plan: the environment, and its target where it has several (`org/payments-us`)."""
        return self.name if self.target is None else f"{self.name}/{self.target}"

    @property
    def central(self) -> bool:
        """Whether the alarms live in another account than the metrics they watch (central routing)."""
        return self.alarm_account != self.account

    @property
    def other_regions(self) -> list[str]:
        """The regions, sorted, other than the environment's where some service has a shard (alarms on
        region-bound metrics, presets); routing is copied to each."""
        return sorted({shard.region for s in self.services for shard in s.shards if shard.region})

    def severities_for(self, channel: str) -> tuple[Severity, ...]:
        """The severities whose notifications reach `channel`."""
        return tuple(severity for severity, names in self.routes.items() if channel in names)


@dataclass(frozen=True)
class SinkPlan:
    """A CloudWatch cross-account observability sink in the monitoring account, in one region. Source accounts
    may link to it: `accounts` by id, or every account of `organization_id`; they share `resource_types`."""

    name: str
    region: str
    accounts: tuple[str, ...]
    organization_id: str | None
    resource_types: tuple[str, ...]


@dataclass(frozen=True)
class LogRetentionPlan:
    """The StackSet's log retention: the function `function_name` in every account and region sets `days` on
    the log groups whose names start with one of `prefixes` (all when empty) that never expire, and with
    `apply_to` "never-expire-or-longer" on those kept longer too."""

    function_name: str
    days: int
    prefixes: tuple[str, ...] = ()
    apply_to: str = "never-expire"


@dataclass(frozen=True)
class StackSetPlan:
    """The StackSet of one region: what every account of `organizational_units` gets there (an OAM link to the
    region's sink; with `routing_plan`, that plan's severity topics, channels and drills; with `log_retention`,
    the function keeping their log groups' retention), with service-managed
    permissions from the monitoring account as delegated administrator. Percentages are per region."""

    name: str
    region: str
    organizational_units: tuple[str, ...]
    auto_deployment: bool
    retain_stacks_on_account_removal: bool
    failure_tolerance_percentage: int
    max_concurrent_percentage: int
    concurrency_mode: str = "soft"
    """soft or strict (StackSetSpec.concurrency_mode)."""
    routing_plan: EnvironmentPlan | None = None
    log_retention: LogRetentionPlan | None = None


@dataclass(frozen=True)
class MonitoringPlan:
    """What one environment's monitoring account holds in one region: the sink, with central routing the
    severity topics and channels that every alarm of the region notifies (`routing_plan`), the StackSet, and
    in the home region the organisation's dashboard."""

    environment: str
    account: str
    region: str
    stack_name: str
    sink: SinkPlan
    routing_plan: EnvironmentPlan | None = None
    stackset: StackSetPlan | None = None
    dashboards: tuple[DashboardPlan, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    protected: bool = False


@dataclass(frozen=True)
class WorkspacePlan:
    """The plans of every selected environment, in name order, one per target (in target name order); and
    the monitoring plans of environments with a monitoring account, one per region."""

    environments: tuple[EnvironmentPlan, ...]
    monitoring: tuple[MonitoringPlan, ...] = ()


@dataclass(frozen=True)
class MetricFilterPlan:
    """A metric filter of a log group. `value` is a number or an event field as text; `dimensions` map a
    dimension name to an event field."""

    key: str
    pattern: str
    namespace: str
    metric: str
    value: str
    default_value: float | None
    unit: str | None
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class QueryPlan:
    """A saved Logs Insights query over one log group."""

    key: str
    name: str
    query: str
    log_groups: tuple[str, ...]


@dataclass(frozen=True)
class LogGroupPlan:
    """A log group as deployed. `retention_days` is None to leave an existing group's retention alone, 0 for
    never expire; `existing` groups are neither created nor deleted."""

    name: str
    existing: bool
    retention_days: int | None
    kms_key: str | None
    filters: tuple[MetricFilterPlan, ...]
    queries: tuple[QueryPlan, ...]


@dataclass(frozen=True)
class DashboardPlan:
    """A CloudWatch dashboard: `body` is the DashboardBody JSON; `key` its construct id; counts are what
    CloudWatch limits (widgets and metrics per dashboard). `kind` is declared (dashboards/*.yaml), generated
    (the service's own) or slos (a service's error budgets when it has no generated dashboard); `part` and
    `parts` number the dashboards a generated one was split into (1 of 1 when not split)."""

    key: str
    name: str
    source: str
    body: str
    widgets: int
    metrics: int
    kind: str = "declared"
    part: int = 1
    parts: int = 1
