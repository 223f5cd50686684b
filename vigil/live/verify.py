"""`python -m vigil verify --env E`: compare a deployed account with the plan, and find dead alarms.

Findings: alarms of the plan that are missing; alarms whose deployed properties differ from the plan (field:
expected vs actual); unmanaged alarms that carry vigil's names (`{env}-{service}-...` for a planned service,
`vigil-{env}-...`) but are not in the plan; and dead alarms, which never notify anyone: a metric that has no
data (ListMetrics only lists metrics with data in the last two weeks, so a typo in a metric name or a dimension
shows up here), or an alarm that has sat in INSUFFICIENT_DATA for longer than a threshold (default 24 hours).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vigil import naming
from vigil.live.aws import AwsSession, Progress, no_progress, pages
from vigil.plan.alarm_shape import alarm_properties
from vigil.plan.model import AlarmPlan, EnvironmentPlan, MetricQuery
from vigil.spec.durations import words

DEFAULT_INSUFFICIENT_AFTER = 86400
"""Seconds an alarm may stay in INSUFFICIENT_DATA before verify calls it dead (24 hours)."""


@dataclass(frozen=True)
class Finding:
    """One problem: `kind` is missing, changed, unmanaged or dead."""

    kind: str
    alarm: str
    detail: str
    fields: tuple[tuple[str, str, str], ...] = ()


@dataclass
class VerifyResult:
    """What verify found in one environment's account and region."""

    env: str
    account: str
    region: str
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)


def planned_alarms(plan: EnvironmentPlan) -> list[AlarmPlan]:
    """Every alarm the environment deploys: the services' and the drill alarms."""
    return [*(a for s in plan.services for a in s.alarms), *plan.drills]


def expected_properties(plan: EnvironmentPlan, alarm: AlarmPlan) -> dict[str, Any]:
    """The alarm as DescribeAlarms should return it once deployed, normalized like `actual_properties`: its
    template properties (vigil/plan/alarm_shape.py) with topic ARNs resolved, without what DescribeAlarms does
    not return (AlarmName is the lookup key, Tags, metric labels), and with empty actions and dimensions made
    explicit so that added ones are found too."""
    arns = {topic: naming.sns_topic_arn(alarm.region or plan.region, plan.alarm_account, topic)
            for topic in (*alarm.alarm_actions, *alarm.ok_actions, *alarm.insufficient_data_actions)
            if not topic.startswith("arn:")}
    props = alarm_properties(alarm, arns, ())
    del props["AlarmName"]
    for actions in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        props.setdefault(actions, [])
    if "MetricName" in props:
        props.setdefault("Dimensions", [])
    if "Metrics" in props:
        props["Metrics"] = [{k: v for k, v in query.items() if k != "Label"} for query in props["Metrics"]]
    return props


def actual_properties(alarm: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """The fields of a DescribeAlarms entry that `expected` holds, normalized (labels dropped, metrics and
    dimensions sorted, defaults made explicit)."""
    out: dict[str, Any] = {}
    for key in expected:
        value = alarm.get(key)
        if key == "DatapointsToAlarm" and value is None:
            value = alarm.get("EvaluationPeriods")
        elif key == "TreatMissingData" and value is None:
            value = "missing"
        elif key in ("AlarmActions", "OKActions", "InsufficientDataActions", "Dimensions") and value is None:
            value = []
        elif key == "Metrics":
            value = [{k: q[k] for k in ("Id", "Expression", "MetricStat", "ReturnData", "Period", "AccountId")
                      if k in q} for q in value or []]
        out[key] = value
    return out


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in sorted(value.items()) if v not in (None, [])}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return value


def verify_environment(session: AwsSession, plan: EnvironmentPlan, *,
                       insufficient_after: int = DEFAULT_INSUFFICIENT_AFTER, now: datetime | None = None,
                       progress: Progress = no_progress) -> VerifyResult:
    """Compare the account behind `session` with `plan`; see the module docstring for the findings."""
    now = now or datetime.now(UTC)
    result = VerifyResult(plan.label, plan.alarm_account, plan.region)
    planned = planned_alarms(plan)
    regions = sorted({plan.region, *(a.region for a in planned if a.region)})
    clients = {region: session.in_region(region).client("cloudwatch") for region in regions}
    deployed: dict[str, dict[str, Any]] = {}
    prefixes = (*(naming.alarm_name(plan.scope, s.name, "") for s in plan.services), naming.vigil_prefix(plan.name))
    for cloudwatch in clients.values():  # the environment's region, and those its pinned alarms live in
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm",
                                                                                     "CompositeAlarm"]):
            for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                if alarm["AlarmName"].startswith(prefixes):
                    deployed[alarm["AlarmName"]] = alarm
            progress(f"verify: read {len(deployed)} alarms under vigil's names")
    names = {a.name for a in planned}
    drills = {a.name for a in plan.drills}
    indexes = {region: _MetricIndex(client) for region, client in clients.items()}
    for index, alarm in enumerate(planned, 1):
        result.checked += 1
        actual = deployed.get(alarm.name)
        if actual is None:
            result.findings.append(Finding("missing", alarm.name, f"{alarm.service}/{alarm.key} is in the plan "
                                                                  "but not deployed"))
            continue
        expected = expected_properties(plan, alarm)
        got = actual_properties(actual, expected)
        changed = tuple((key, _show(expected[key]), _show(got[key])) for key in expected
                        if _normal(expected[key]) != _normal(got[key]))
        if changed:
            result.findings.append(Finding("changed", alarm.name, f"{len(changed)} field(s) differ from the plan",
                                           changed))
        if alarm.name not in drills:
            _dead(result, alarm, actual, indexes[alarm.region or plan.region], insufficient_after, now)
        if index % 100 == 0:
            progress(f"verify: checked {index}/{len(planned)} alarms")
    for name in sorted(set(deployed) - names):
        result.findings.append(Finding("unmanaged", name, "carries a vigil name but is not in the plan: delete "
                                                          "it or add it to the specs"))
    return result


class _MetricIndex:
    """ListMetrics results per namespace and metric name, fetched once each."""

    def __init__(self, cloudwatch: Any) -> None:
        self.cloudwatch = cloudwatch
        self.seen: dict[tuple[str, str, str], set[frozenset[tuple[str, str]]]] = {}

    def has_data(self, metric: MetricQuery) -> bool:
        key = (metric.namespace, metric.metric, metric.account or "")
        if key not in self.seen:
            # A source account's metric, seen from the monitoring account (cross-account observability).
            linked = {"IncludeLinkedAccounts": True, "OwningAccount": metric.account} if metric.account else {}
            self.seen[key] = {frozenset((d["Name"], d["Value"]) for d in m.get("Dimensions", []))
                              for m in pages(self.cloudwatch, "list_metrics", "Metrics", Namespace=metric.namespace,
                                             MetricName=metric.metric, **linked)}
        return frozenset(metric.dimensions) in self.seen[key]


def _dead(result: VerifyResult, alarm: AlarmPlan, actual: dict[str, Any], metrics: _MetricIndex,
          insufficient_after: int, now: datetime) -> None:
    queries = [alarm.metric] if alarm.metric else list(alarm.metrics)
    for metric in queries:
        if not metrics.has_data(metric):
            dims = ", ".join(f"{k}={v}" for k, v in metric.dimensions)
            result.findings.append(Finding("dead", alarm.name, f"metric {metric.namespace} {metric.metric}"
                                           f"{' {' + dims + '}' if dims else ''} has no data (ListMetrics: none "
                                           "in two weeks); check the metric name and dimensions"))
    if actual.get("StateValue") == "INSUFFICIENT_DATA":
        since = actual.get("StateUpdatedTimestamp")
        if isinstance(since, datetime):
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
            age = now - since
            if age > timedelta(seconds=insufficient_after):
                result.findings.append(Finding("dead", alarm.name, f"in INSUFFICIENT_DATA for "
                                               f"{words(int(age.total_seconds()) // 3600 * 3600 or 3600)} "
                                               f"(threshold {words(insufficient_after)})"))


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_normal(value), sort_keys=True, default=str)


def result_data(result: VerifyResult) -> dict[str, Any]:
    """A JSON-ready view of a verify run."""
    return {"environment": result.env, "account": result.account, "region": result.region,
            "checked": result.checked, "ok": not result.findings,
            "findings": [{"kind": f.kind, "alarm": f.alarm, "detail": f.detail,
                          "fields": [{"field": k, "expected": e, "actual": a} for k, e, a in f.fields]}
                         for f in result.findings]}


def render(result: VerifyResult, output: str) -> str:
    """The verify report as text, markdown or json."""
    if output == "json":
        return json.dumps(result_data(result), indent=2, sort_keys=True)
    counts = {kind: sum(f.kind == kind for f in result.findings) for kind in ("missing", "changed", "unmanaged",
                                                                              "dead")}
    summary = (f"Environment {result.env} (account {result.account}, {result.region}): {result.checked} planned "
               "alarms checked; " + (", ".join(f"{n} {k}" for k, n in counts.items() if n) or "no findings"))
    if output == "markdown":
        lines = [f"### vigil verify: `{result.env}`", "", summary]
        if result.findings:
            lines += ["", "| finding | alarm | detail |", "| --- | --- | --- |"]
            for f in result.findings:
                detail = f.detail + "".join(f"<br>`{k}`: expected `{e}`, actual `{a}`" for k, e, a in f.fields)
                lines.append(f"| {f.kind} | `{f.alarm}` | {detail.replace('|', chr(92) + '|')} |")
        return "\n".join(lines)
    lines = [summary]
    for f in result.findings:
        lines.append(f"  {f.kind:<9} {f.alarm}: {f.detail}")
        lines += [f"            {k}: expected {e}, actual {a}" for k, e, a in f.fields]
    return "\n".join(lines)
