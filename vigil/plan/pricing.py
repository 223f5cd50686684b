"""`python -m vigil cost`: the monthly CloudWatch bill an environment's specs cause, per service and in total.

Pure: computed from the resolved plan and one price file (vigil/data/prices-<region>.json, which records the
region and the date the prices were taken). One function per resource kind turns it into cost lines:

- metric alarms: each metric an alarm evaluates is one alarm metric, so a metric-math alarm over three metrics
  counts three; periods under 60 s are high resolution; an anomaly-detection alarm counts three alarm metrics
  (the metric and the two band edges); a Metrics Insights query counts one alarm metric, a lower bound (it
  costs one per metric it analyzes, which only the account decides);
- composite alarms: a flat price each;
- dashboards: a flat price each (a service's generated and declared dashboards, and the environment's own);
- canaries: one run per schedule interval over an average month (365.25 / 12 days), e.g. 8,766 runs at 5m;
- custom metrics from metric filters: one per distinct namespace, metric name and set of dimension names in the
  environment (filters publishing the same metric share it). A filter with dimensions publishes one metric per
  combination of dimension values it sees, which only the logs decide: it is counted once, a lower bound.

The account's free tier (10 standard alarm metrics, 3 dashboards of up to 50 metrics, 10 custom metrics, 100
canary runs a month) is deducted once from the environment total, since an environment is usually an account of
its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.plan.model import AlarmPlan, DashboardPlan, EnvironmentPlan, ServicePlan, WorkspacePlan

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_REGION = "us-east-1"
HIGH_RESOLUTION_BELOW = 60
"""Alarms on periods shorter than this many seconds are high-resolution alarms."""
ROUTING = "(routing)"
"""The pseudo-service of the drill alarms in the routing stack."""
DASHBOARDS = "(dashboards)"
"""The pseudo-service of the declared dashboards that name no service (the `vigil-{env}-dashboards` stack)."""
DAYS_PER_MONTH = 365.25 / 12
"""An average month, in days: canary runs a month are counted over it."""
FREE_DASHBOARD_METRICS = 50
"""Only dashboards referencing at most this many metrics count towards the free tier's dashboards."""


@dataclass(frozen=True)
class Prices:
    """CloudWatch list prices for one region, in `currency` per month unless stated."""

    region: str
    currency: str
    taken: str
    source: str
    alarm_metric_standard: float
    alarm_metric_high_resolution: float
    anomaly_alarm_metrics: int
    composite_alarm: float
    dashboard: float
    custom_metric_tiers: tuple[tuple[int | None, float], ...]
    canary_run: float
    free_tier: dict[str, int]
    note: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    """Where each price was read, by price key."""


def load_prices(region: str) -> Prices:
    """The price file of `region`, or us-east-1's with a note saying so when the region has none."""
    path = DATA_DIR / f"prices-{region}.json"
    note = ""
    if not path.is_file():
        path = DATA_DIR / f"prices-{DEFAULT_REGION}.json"
        note = f"no price file for {region}; {DEFAULT_REGION} prices used"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["custom_metric_tiers"] = tuple((limit, price) for limit, price in data["custom_metric_tiers"])
    return Prices(**data, note=note)


@dataclass(frozen=True)
class CostLine:
    """`quantity` units of `item` at `unit_price` a month."""

    service: str
    item: str
    quantity: float
    unit_price: float

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price


@dataclass
class CostReport:
    """The monthly cost of one environment: lines per service, the free-tier deduction, the total."""

    env: str
    region: str
    prices: Prices
    lines: list[CostLine] = field(default_factory=list)
    free_tier: list[CostLine] = field(default_factory=list)

    def by_service(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.service] = out.get(line.service, 0.0) + line.monthly
        return dict(sorted(out.items()))

    @property
    def gross(self) -> float:
        return sum(line.monthly for line in self.lines)

    @property
    def total(self) -> float:
        return self.gross + sum(line.monthly for line in self.free_tier)


def alarm_lines(service: str, alarm: AlarmPlan, prices: Prices) -> list[CostLine]:
    """The cost of one alarm: composite flat; otherwise per alarm metric, by resolution."""
    if alarm.kind == "composite":
        return [CostLine(service, "composite alarm", 1, prices.composite_alarm)]
    metrics = [alarm.metric] if alarm.metric is not None else list(alarm.metrics)
    periods = [metric.period for metric in metrics]
    if not metrics and alarm.expression_period is not None:
        # A Metrics Insights query (or another expression over no metric) counts at least one alarm metric; a
        # query over many time series costs one per metric it analyzes, which the plan cannot know.
        periods = [alarm.expression_period]
    lines = []
    for period in periods:
        high = period < HIGH_RESOLUTION_BELOW
        count = prices.anomaly_alarm_metrics if alarm.kind == "anomaly" else 1
        item = ("anomaly-detection " if alarm.kind == "anomaly" else "") + (
            "high-resolution alarm metric" if high else "standard alarm metric")
        lines.append(CostLine(service, item, count,
                              prices.alarm_metric_high_resolution if high else prices.alarm_metric_standard))
    return lines


def dashboard_lines(service: str, count: int, prices: Prices) -> list[CostLine]:
    """`count` dashboards (the free ones are deducted from the environment total)."""
    return [CostLine(service, "dashboard", count, prices.dashboard)] if count else []


def canary_lines(service: str, every_seconds: int, prices: Prices, *, days: float = DAYS_PER_MONTH
                 ) -> list[CostLine]:
    """One canary running every `every_seconds` for a month of `days` days."""
    runs = round(days * 86400 / every_seconds)
    return [CostLine(service, "canary run", runs, prices.canary_run)]


def custom_metric_lines(service: str, count: int, prices: Prices) -> list[CostLine]:
    """`count` custom metrics (e.g. one per metric filter transformation and dimension combination), priced
    at the first tier; `custom_metric_cost` prices an account's total across tiers."""
    return [CostLine(service, "custom metric", count, prices.custom_metric_tiers[0][1])] if count else []


def custom_metric_cost(count: int, prices: Prices) -> float:
    """The monthly price of `count` custom metrics across the volume tiers."""
    total, remaining = 0.0, count
    for limit, price in prices.custom_metric_tiers:
        used = remaining if limit is None else min(remaining, limit)
        total += used * price
        remaining -= used
        if remaining <= 0:
            break
    return total


def price_environment(plan: EnvironmentPlan, prices: Prices | None = None, *, free_tier: bool = True) -> CostReport:
    """The monthly cost of everything `plan` deploys."""
    prices = prices or load_prices(plan.region)
    report = CostReport(plan.name, plan.region, prices)
    for service in plan.services:
        for alarm in service.alarms:
            report.lines += alarm_lines(service.name, alarm, prices)
        report.lines += dashboard_lines(service.name, len(service.dashboards), prices)
        for canary in service.canaries:
            report.lines += canary_lines(service.name, canary.every, prices)
    report.lines += dashboard_lines(DASHBOARDS, len(plan.dashboards), prices)
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for service in plan.services:
        report.lines += custom_metric_lines(service.name, len(filter_metrics(service) - seen), prices)
        seen |= filter_metrics(service)
    for alarm in plan.drills:
        report.lines += alarm_lines(ROUTING, alarm, prices)
    if free_tier:
        dashboards = [*(d for s in plan.services for d in s.dashboards), *plan.dashboards]
        report.free_tier = _free_tier(report.lines, prices, eligible={"dashboard": _free_eligible(dashboards)})
    return report


def filter_metrics(service: ServicePlan) -> set[tuple[str, str, tuple[str, ...]]]:
    """The custom metrics the metric filters of `service` publish: (namespace, metric, dimension names)."""
    return {(f.namespace, f.metric, tuple(name for name, _ in f.dimensions))
            for group in service.log_groups for f in group.filters}


def _free_eligible(dashboards: list[DashboardPlan]) -> int:
    return sum(1 for d in dashboards if d.metrics <= FREE_DASHBOARD_METRICS)


def _free_tier(lines: list[CostLine], prices: Prices, *, eligible: dict[str, int] | None = None
               ) -> list[CostLine]:
    """The free-tier deduction; `eligible` caps the free units of an item (dashboards of up to 50 metrics)."""
    out = []
    for item, key, price in (("standard alarm metric", "alarm_metrics_standard", prices.alarm_metric_standard),
                             ("dashboard", "dashboards", prices.dashboard),
                             ("custom metric", "custom_metrics", prices.custom_metric_tiers[0][1]),
                             ("canary run", "canary_runs", prices.canary_run)):
        used = sum(line.quantity for line in lines if line.item == item)
        free = min(used, prices.free_tier.get(key, 0), (eligible or {}).get(item, used))
        if free:
            out.append(CostLine("free tier", item, -free, price))
    return out


def cost_data(report: CostReport) -> dict[str, Any]:
    """A JSON-ready view of a cost report; amounts rounded to cents."""
    return {
        "environment": report.env, "region": report.region, "currency": report.prices.currency,
        "prices": {"region": report.prices.region, "taken": report.prices.taken, "source": report.prices.source,
                   **({"note": report.prices.note} if report.prices.note else {})},
        "services": {name: round(amount, 2) for name, amount in report.by_service().items()},
        "lines": [{"service": line.service, "item": line.item, "quantity": line.quantity,
                   "unit_price": line.unit_price, "monthly": round(line.monthly, 2)}
                  for line in _grouped(report.lines + report.free_tier)],
        "gross": round(report.gross, 2), "total": round(report.total, 2),
    }


def _grouped(lines: list[CostLine]) -> list[CostLine]:
    totals: dict[tuple[str, str, float], float] = {}
    for line in lines:
        key = (line.service, line.item, line.unit_price)
        totals[key] = totals.get(key, 0) + line.quantity
    return [CostLine(service, item, quantity, price) for (service, item, price), quantity in totals.items()]


def render(report: CostReport, output: str) -> str:
    """The cost report as text, markdown or json."""
    if output == "json":
        return json.dumps(cost_data(report), indent=2, sort_keys=True)
    currency = report.prices.currency
    source = f"prices for {report.prices.region} taken {report.prices.taken}" + (
        f" ({report.prices.note})" if report.prices.note else "")
    lines = _grouped(report.lines + report.free_tier)
    if output == "markdown":
        out = [f"### vigil cost: `{report.env}`", "", f"Monthly CloudWatch cost, {source}.", "",
               "| service | item | quantity | unit price | per month |", "| --- | --- | ---: | ---: | ---: |"]
        out += [f"| {x.service} | {x.item} | {x.quantity:g} | {x.unit_price:g} | {x.monthly:.2f} |" for x in lines]
        out.append(f"| **total** | | | | **{report.total:.2f} {currency}** |")
        return "\n".join(out)
    out = [f"Environment {report.env}: {report.total:.2f} {currency} a month ({source})"]
    for name, amount in report.by_service().items():
        out.append(f"  {name}: {amount:.2f}")
        out += [f"    {x.quantity:g} x {x.item} at {x.unit_price:g} = {x.monthly:.2f}" for x in lines
                if x.service == name]
    for x in report.free_tier:
        out.append(f"  free tier: {x.quantity:g} x {x.item} = {x.monthly:.2f}")
    return "\n".join(out)


def cost_changes(base: WorkspacePlan | None, head: WorkspacePlan) -> list[str]:
    """One line per environment whose monthly cost changes from `base` to `head`, e.g.
    `cost prod: 0.80 -> 0.50 USD a month (-0.30)`; environments with an unchanged cost are left out."""
    before = {e.name: e for e in base.environments} if base else {}
    lines = []
    for environment in head.environments:
        after = price_environment(environment).total
        old = before.get(environment.name)
        previous = price_environment(old).total if old is not None else 0.0
        if round(after, 2) != round(previous, 2):
            delta = after - previous
            lines.append(f"cost {environment.name}: {previous:.2f} -> {after:.2f} "
                         f"{load_prices(environment.region).currency} a month "
                         f"({'+' if delta >= 0 else '-'}{abs(delta):.2f})")
    return lines
