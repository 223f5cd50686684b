"""The central monitoring account: where each service runs among an environment's targets, what the
monitoring account holds per region (sink, central routing, StackSet, the organisation dashboard), and how a
target's alarms and dashboards read its metrics from there (CloudWatch cross-account observability)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass

from vigil import naming
from vigil.limits import MAX_ALARMS_PER_WIDGET
from vigil.plan.dashboards import GRID_COLUMNS, Row, Widget, alarm_status_widget, layout
from vigil.plan.drills import drill_alarms
from vigil.plan.model import (
    AlarmPlan,
    DashboardPlan,
    EnvironmentPlan,
    LogRetentionPlan,
    MetricQuery,
    MonitoringPlan,
    ServicePlan,
    SinkPlan,
    StackSetPlan,
)
from vigil.plan.targets import Target, environment_targets, monitoring_regions
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument
from vigil.spec.service import ServiceSpec
from vigil.spec.types import SEVERITIES, Severity

SHARED_RESOURCE_TYPES = ("AWS::CloudWatch::Metric", "AWS::Logs::LogGroup", "AWS::XRay::Trace")
"""What source accounts share with the monitoring account: metrics (dashboards and cross-account alarms), log
groups (Logs Insights widgets) and traces (X-Ray). The resource types OAM accepts are listed in
https://docs.aws.amazon.com/OAM/latest/APIReference/API_CreateLink.html (ResourceTypes)."""
DASHBOARD_KEY = "Organisation"


def runs_in(spec: ServiceSpec, document: LoadedDocument, target: Target, known_targets: Iterable[str],
            problems: list[SpecProblem]) -> bool:
    """Whether the service of `spec` runs in `target`: every target unless the service names its `targets`;
    an environment with one `account` and `region` runs every service. A listed name that is no target of any
    environment (`known_targets`) is a problem."""
    if spec.targets is None or target.name is None:
        return True
    known = sorted(set(known_targets))
    for index, name in enumerate(spec.targets):
        if name not in known:
            problems.append(document.problem(("targets", index), f'unknown target "{name}"; targets: '
                                                                 f'{", ".join(known) or "none"}'))
    return target.name in spec.targets


def with_metrics_account(service: ServicePlan, account: str) -> ServicePlan:
    """`service` with every metric its alarms read taken from `account` (MetricDataQuery AccountId): its alarms
    live in the monitoring account and watch the target's metrics."""
    def query(metric: MetricQuery) -> MetricQuery:
        return dataclasses.replace(metric, account=account)

    def alarm(plan: AlarmPlan) -> AlarmPlan:
        if plan.kind == "composite":
            return plan
        return dataclasses.replace(plan, metric=query(plan.metric) if plan.metric else None,
                                   metrics=tuple(query(m) for m in plan.metrics))

    slos = tuple(dataclasses.replace(slo, metrics=tuple(query(m) for m in slo.metrics)) for slo in service.slos)
    dashboards = tuple(with_widget_account(d, account) for d in service.dashboards)
    return dataclasses.replace(service, alarms=tuple(alarm(a) for a in service.alarms), slos=slos,
                               dashboards=dashboards)


def with_widget_account(dashboard: DashboardPlan, account: str) -> DashboardPlan:
    """`dashboard` with its metric widgets reading `account`'s metrics (the widget property `accountId`; see
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Unified-Cross-Account.html)."""
    body = json.loads(dashboard.body)
    for widget in body.get("widgets", ()):
        if widget.get("type") == "metric":
            widget["properties"]["accountId"] = account
    return dataclasses.replace(dashboard, body=json.dumps(body, separators=(",", ":"), sort_keys=True))


@dataclass(frozen=True)
class TargetOverview:
    """What the organisation dashboard shows of one target: where it is, where its alarms live
    (`alarm_account`), its services' dashboards (`dashboards`: first parts' names) and its paging alarms:
    those of the most severe `severity` with actions enabled, the first MAX_ALARMS_PER_WIDGET by name
    (`paging`) of `paging_count`; and the regions other than its own that some of its alarms are pinned to
    (preset metrics that exist in one region only), each with the services whose alarms live there (`pinned`).
    Small, so that a monitoring deployment holds one per target, not its plan."""

    target: str | None
    account: str
    region: str
    alarm_account: str
    dashboards: tuple[str, ...]
    severity: Severity | None
    paging: tuple[str, ...]
    paging_count: int
    pinned: tuple[tuple[str, tuple[str, ...]], ...] = ()


def target_overview(plan: EnvironmentPlan) -> TargetOverview:
    """The overview of the target `plan` (stacks assigned or not: see plan_environment's `assign_stacks`)."""
    alarms = [a for s in plan.services for a in s.alarms if a.actions_enabled]
    severity = next((sev for sev in SEVERITIES if any(a.severity == sev for a in alarms)), None)
    names = [a.name for a in alarms if a.severity == severity]
    pinned: dict[str, set[str]] = {}
    for service in plan.services:
        for alarm in service.alarms:
            if alarm.region:  # set only where it differs from the target's (AlarmPlan.region)
                pinned.setdefault(alarm.region, set()).add(service.name)
    return TargetOverview(
        target=plan.target, account=plan.account, region=plan.region, alarm_account=plan.alarm_account,
        dashboards=tuple(d.name for s in plan.services for d in s.dashboards if d.part == 1), severity=severity,
        paging=tuple(names[:MAX_ALARMS_PER_WIDGET]), paging_count=len(names),
        pinned=tuple((region, tuple(sorted(services))) for region, services in sorted(pinned.items())))


def plan_monitoring(env: EnvironmentSpec, document: LoadedDocument, targets: list[TargetOverview],
                    problems: list[SpecProblem]) -> list[MonitoringPlan]:
    """One plan per region of the monitoring account of `env` (none without one), from the overviews of
    every target of `env`: its targets' regions, the StackSet's and those that the targets' pinned alarms need
    (monitoring_regions). A StackSet whose `regions` leave out a region that pinned alarms need is a problem:
    no account would get the links (or, with per-account routing, the topics) there."""
    monitoring = env.monitoring
    if monitoring is None:
        return []
    accounts = sorted(({t.account for t in environment_targets(env)} | set(env.source_accounts))
                      - {monitoring.account})
    tags = tuple(sorted({**env.tags, "environment": env.name}.items()))
    pinned: dict[str, set[str]] = {}
    for target in targets:
        for region, services in target.pinned:
            pinned.setdefault(region, set()).update(services)
    regions = monitoring_regions(env, pinned)
    stackset_regions = (env.stackset.regions or regions) if env.stackset is not None else ()
    for region, services in sorted(pinned.items()):
        if env.stackset is not None and region in regions and region not in stackset_regions:
            problems.append(document.problem(("stackset", "regions"), (
                f"leaves out {region}, where alarms of {', '.join(sorted(services))} live (their metrics exist only "
                f"there), so no account would get what the StackSet rolls out there; add {region}, or leave "
                "regions out (default: every region vigil needs)")))
    plans = []
    for region in regions:
        routing = _central_routing(env, document, region) if env.routing == "central" else None
        stackset = None
        if env.stackset is not None and region in stackset_regions:
            baseline = None if env.routing == "central" else _baseline_routing(env, document)
            stackset = StackSetPlan(
                name=naming.stackset_name(env.name), region=region,
                organizational_units=tuple(env.stackset.organizational_units),
                auto_deployment=env.stackset.auto_deployment,
                retain_stacks_on_account_removal=env.stackset.retain_stacks_on_account_removal,
                failure_tolerance_percentage=env.stackset.failure_tolerance_percentage,
                max_concurrent_percentage=env.stackset.max_concurrent_percentage,
                concurrency_mode=env.stackset.concurrency_mode,
                routing_plan=baseline, log_retention=_log_retention(env))
        plans.append(MonitoringPlan(
            environment=env.name, account=monitoring.account, region=region,
            stack_name=naming.monitoring_stack_name(env.name, region),
            sink=SinkPlan(name=naming.sink_name(env.name), region=region, accounts=tuple(accounts),
                          organization_id=monitoring.organization_id, resource_types=SHARED_RESOURCE_TYPES),
            routing_plan=routing, stackset=stackset,
            dashboards=_organisation_dashboard(env, targets) if region == monitoring.region else (),
            tags=tags, protected=env.protected))
    return plans


def _routing_plan(env: EnvironmentSpec, document: LoadedDocument, account: str, region: str,
                  scope: str) -> EnvironmentPlan:
    return EnvironmentPlan(
        name=env.name, account=account, region=region, protected=env.protected,
        routes={severity: tuple(env.routes.get(severity, ())) for severity in SEVERITIES},
        channels=dict(sorted(env.channels.items())), tags=tuple(sorted(env.tags.items())),
        drills=drill_alarms(env.name, document.file), scope=scope,
        webhook_hosts=tuple(sorted(set(env.allow.webhook_hosts))))


def _central_routing(env: EnvironmentSpec, document: LoadedDocument, region: str) -> EnvironmentPlan:
    """Central routing in `region`: the severity topics every alarm of the region's targets notifies (in the
    monitoring account), the channels and the drills."""
    assert env.monitoring is not None
    return _routing_plan(env, document, env.monitoring.account, region,
                         naming.regional_scope(env.name, region))


def _baseline_routing(env: EnvironmentSpec, document: LoadedDocument) -> EnvironmentPlan:
    """Per-account routing as the StackSet carries it: the same template in every account and region, so its
    account and region are CloudFormation's pseudo parameters, filled in by the construct (empty here)."""
    return _routing_plan(env, document, "", "", env.name)


def _log_retention(env: EnvironmentSpec) -> LogRetentionPlan | None:
    """What the StackSet's log retention function sets in every account, or None without `log_retention`."""
    spec = env.stackset.log_retention if env.stackset is not None else None
    if spec is None:
        return None
    return LogRetentionPlan(function_name=naming.log_retention_function_name(env.name), days=spec.retention,
                            prefixes=tuple(spec.prefixes), apply_to=spec.apply_to)


def _organisation_dashboard(env: EnvironmentSpec, targets: list[TargetOverview]) -> tuple[DashboardPlan, ...]:
    """`{env}-organisation` in the monitoring account: per target a header naming its account, region and
    service dashboards, and the states of the alarms that page (the most severe routed severity: critical, or
    the highest a target has), at most MAX_ALARMS_PER_WIDGET of them so that the dashboard stays within
    CloudWatch's limits at any size. Each widget reads the target's region and, where its alarms live in
    another account than the monitoring account (per-account routing), that account (`accountId`)."""
    assert env.monitoring is not None
    rows: list[Row] = []
    for target in targets:
        rows.append([Widget("text", GRID_COLUMNS, 2, {
            "markdown": f"## {target.target}: account {target.account}, {target.region}\n"
                        f"Service dashboards: {', '.join(target.dashboards) or 'none'}"})])
        if not target.paging:
            continue
        title = f"{target.target}: {target.severity} alarms" + (
            f" (first {len(target.paging)} of {target.paging_count})"
            if len(target.paging) < target.paging_count else "")
        widget = alarm_status_widget(
            title, [naming.alarm_arn(target.region, target.alarm_account, n) for n in target.paging], GRID_COLUMNS)
        widget.properties["region"] = target.region
        if target.alarm_account != env.monitoring.account:
            widget.properties["accountId"] = target.alarm_account
        rows.append([widget])
    widgets = layout(rows)
    body = json.dumps({"widgets": widgets}, separators=(",", ":"), sort_keys=True)
    return (DashboardPlan(key=DASHBOARD_KEY, name=naming.organisation_dashboard_name(env.name),
                          source=f"environments/{env.name}.yaml", body=body, widgets=len(widgets), metrics=0,
                          kind="organisation"),)
