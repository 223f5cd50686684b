"""Dashboards for one environment: declared ones (dashboards/*.yaml) and one generated per service, built as
CloudWatch DashboardBody JSON in plain Python, laid out on the 24-column grid and checked against CloudWatch's
limits (a generated dashboard that would exceed them is split into numbered parts)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from vigil import naming
from vigil.limits import (
    MAX_ALARMS_PER_WIDGET,
    MAX_DASHBOARD_METRICS,
    MAX_DASHBOARD_NAME,
    MAX_DASHBOARD_WIDGETS,
)
from vigil.plan.alarm_shape import (
    ANOMALY_BAND_ID,
    DEFAULT_PERIOD,
    DEFAULT_STAT,
    EXPRESSION_ID,
    anomaly_band_expression,
)
from vigil.plan.model import AlarmPlan, DashboardPlan, LogGroupPlan, MetricQuery, ServicePlan
from vigil.plan.slo_widgets import error_budget_widgets, slo_child_alarms
from vigil.spec.dashboards import (
    GRID_COLUMNS,
    AlarmsWidget,
    DashboardSpec,
    LogsWidget,
    MetricWidget,
    TextWidget,
    WidgetMetric,
    expression_metric_ids,
)
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.errors import SpecProblem
from vigil.spec.loader import LoadedDocument
from vigil.spec.service import ServiceSpec
from vigil.spec.types import SYMBOLS, format_number

GRAPH_WIDTH, GRAPH_HEIGHT = 8, 6
"""Size of a generated alarm graph: three per row."""

_VIEWS = {"line": ("timeSeries", False), "stacked": ("timeSeries", True), "bar": ("bar", False),
          "number": ("singleValue", False), "pie": ("pie", False), "table": ("table", False)}


@dataclass
class Widget:
    """One widget before layout: CloudWatch `type`, size, `properties`, and how many metrics it holds."""

    type: str
    width: int
    height: int
    properties: dict[str, Any]

    @property
    def metrics(self) -> int:
        """Metric and expression lines, as CloudWatch counts them against its limits."""
        return len(self.properties.get("metrics", ()))


Row = list[Widget]


def layout(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Place rows top to bottom and widgets left to right; a row is as high as its highest widget."""
    out: list[dict[str, Any]] = []
    y = 0
    for row in rows:
        x = 0
        for widget in row:
            out.append({"type": widget.type, "x": x, "y": y, "width": widget.width, "height": widget.height,
                        "properties": widget.properties})
            x += widget.width
        y += max((w.height for w in row), default=0)
    return out


def body_json(rows: list[Row], start: int | None = None) -> str:
    """The DashboardBody: compact, key-sorted JSON so that equal dashboards give equal text."""
    body: dict[str, Any] = {"widgets": layout(rows)}
    if start:
        body["start"] = f"-{iso_duration(start)}"
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


def iso_duration(seconds: int) -> str:
    """Seconds as an ISO 8601 duration: 86400 -> P1D, 10800 -> PT3H, 900 -> PT15M."""
    if seconds % 86400 == 0:
        return f"P{seconds // 86400}D"
    for unit, size in (("H", 3600), ("M", 60)):
        if seconds % size == 0:
            return f"PT{seconds // size}{unit}"
    return f"PT{seconds}S"


def metric_line(metric: MetricQuery, **options: Any) -> list[Any]:
    """`[namespace, name, dim, value, ..., {stat, period, ...}]`, the dashboard form of a metric."""
    line: list[Any] = [metric.namespace, metric.metric]
    for name, value in metric.dimensions:
        line += [name, value]
    line.append({"stat": metric.stat, "period": metric.period, **{k: v for k, v in options.items()
                                                                 if v is not None}})
    return line


def plan_dashboards(env: EnvironmentSpec, declared: list[tuple[DashboardSpec, LoadedDocument]],
                    services: list[ServicePlan], specs: dict[str, ServiceSpec], problems: list[SpecProblem]
                    ) -> tuple[list[ServicePlan], tuple[DashboardPlan, ...]]:
    """Add generated and declared dashboards (read by vigil/spec/reading.py) to `services`; return them and the
    declared dashboards that name no service."""
    by_service: dict[str, list[DashboardPlan]] = {s.name: [] for s in services}
    plans = {s.name: s for s in services}
    for service in services:
        if specs[service.name].dashboard:
            by_service[service.name].extend(generated_dashboards(env.name, env.region, env.account, service))
        else:
            by_service[service.name].extend(slo_dashboards(env.name, env.region, service))
    taken = {d.name: d.source for ds in by_service.values() for d in ds}
    unowned: list[DashboardPlan] = []
    for spec, document in declared:
        resolver = _DeclaredDashboard(env, spec, document, plans, specs, problems)
        plan = resolver.resolve()
        if plan is None:
            continue
        if plan.name in taken:
            owner = taken[plan.name]
            what = f"the generated dashboard of {owner}" if owner.startswith("alarm_specs/") else owner
            problems.append(document.problem(("dashboard",), f'dashboard "{plan.name}" is already defined by '
                                                             f"{what}"))
            continue
        taken[plan.name] = document.file
        if spec.service is None:
            unowned.append(plan)
        else:
            by_service[spec.service].append(plan)
    updated = [replace(s, dashboards=tuple(sorted(by_service[s.name], key=lambda d: d.name))) for s in services]
    return updated, tuple(sorted(unowned, key=lambda d: d.name))


# Generated dashboards -------------------------------------------------------------------------------------------


def generated_dashboards(env: str, region: str, account: str, service: ServicePlan) -> list[DashboardPlan]:
    """The service's dashboard: its alarms' states, a row per SLO with its error budget and burn rate, a graph per
    metric or math alarm with the threshold drawn, and a row per log group with metric filters; split into
    numbered dashboards at CloudWatch's limits.

    An SLO's silent child alarms (traffic guard and burn conditions, eight or more per SLO) are neither listed
    nor graphed: the SLO row shows what they evaluate, and the alarm states list its page and ticket alarms."""
    rows: list[Row] = []
    children = {name for slo in service.slos for name in slo_child_alarms(slo)}
    alarms = [alarm for alarm in service.alarms if alarm.name not in children]
    arns = [naming.alarm_arn(a.region or region, account, a.name) for a in alarms]
    for start in range(0, len(arns), MAX_ALARMS_PER_WIDGET):
        chunk = arns[start:start + MAX_ALARMS_PER_WIDGET]
        title = "Alarms" if len(arns) <= MAX_ALARMS_PER_WIDGET else \
            f"Alarms {start + 1}-{start + len(chunk)} of {len(arns)}"
        rows.append([alarm_status_widget(title, chunk, GRID_COLUMNS)])
    rows.extend(slo_rows(service, region))
    from_resources = {key for resource in service.resources for key in resource.alarms}
    graphs = [alarm_graph(alarm, region) for alarm in alarms
              if alarm.kind != "composite" and alarm.key not in from_resources]
    per_row = GRID_COLUMNS // GRAPH_WIDTH
    rows.extend(graphs[i:i + per_row] for i in range(0, len(graphs), per_row))
    rows.extend(resource_rows(service, region))
    for group in service.log_groups:
        if group.filters:
            rows.append([log_group_filters_widget(group, region)])
    slos = "the error budget and burn rate of each SLO, " if service.slos else ""
    presets = "a row per resource (its alarms' graphs and its type's usual graphs), " if service.resources else ""
    what = (f"one graph per alarm with its threshold, {presets}{slos}and the metrics of its log groups' metric "
            "filters.")

    def header(number: int, total: int) -> str:
        return (f"# {service.name} in {env}{_part(number, total)}\nOwner: {service.owner}. Generated by vigil from "
                f"`{service.source}`: {what}")

    return _parts(rows, service, "generated", lambda n: naming.generated_dashboard_name(env, service.name, n),
                  lambda n: "Generated" if n == 1 else f"Generated{n}", header)


def resource_rows(service: ServicePlan, region: str) -> list[Row]:
    """Rows per resource monitored with a preset, in key order: a graph of each of its alarms deployed here
    (threshold drawn), then its type's extra graphs; three graphs a row, a resource's graphs never sharing a row
    with another's."""
    by_key = {alarm.key: alarm for alarm in service.alarms}
    per_row = GRID_COLUMNS // GRAPH_WIDTH
    rows: list[Row] = []
    for resource in sorted(service.resources, key=lambda r: r.key):
        graphs = [alarm_graph(by_key[key], region) for key in resource.alarms if key in by_key]
        graphs += [_resource_graph(f"{resource.key}: {graph.title}", graph.metrics, region)
                   for graph in resource.graphs]
        rows.extend(graphs[i:i + per_row] for i in range(0, len(graphs), per_row))
    return rows


def _resource_graph(title: str, metrics: Iterable[MetricQuery], region: str) -> Widget:
    lines = [metric_line(metric, label=metric.metric) for metric in metrics]
    return Widget("metric", GRAPH_WIDTH, GRAPH_HEIGHT, {"title": title, "region": region, "view": "timeSeries",
                                                        "stacked": False, "period": lines[0][-1]["period"],
                                                        "metrics": lines})


def slo_dashboards(env: str, region: str, service: ServicePlan) -> list[DashboardPlan]:
    """`{env}-{service}-slos` (then `-slos-2`, ... at CloudWatch's limits): the error-budget rows of a service
    that opted out of its generated dashboard (`dashboard: false`); SLO error budgets are always on a dashboard.
    Its construct keys are Slos, Slos2, ..."""
    base = naming.dashboard_name(env, f"{service.name}-slos")

    def header(number: int, total: int) -> str:
        return (f"# {service.name} SLOs in {env}{_part(number, total)}\nOwner: {service.owner}. Generated by vigil "
                f"from `{service.source}`: the error budget and burn rate of each SLO.")

    return _parts(slo_rows(service, region), service, "slos", lambda n: base if n == 1 else f"{base}-{n}",
                  lambda n: SLO_DASHBOARD_KEY if n == 1 else f"{SLO_DASHBOARD_KEY}{n}", header)


SLO_DASHBOARD_KEY = "Slos"
"""The construct key of a service's SLO dashboard (only when it has no generated dashboard)."""


def is_slo_dashboard(plan: DashboardPlan) -> bool:
    """Whether `plan` is a part of a service's SLO dashboard (deployed by vigil/constructs/slo.py)."""
    return plan.kind == "slos"


def slo_rows(service: ServicePlan, region: str) -> list[Row]:
    """One row per SLO, in key order: the budget remaining over its window and its burn rate (slo_widgets)."""
    return [[Widget(w["type"], w["width"], w["height"], w["properties"]) for w in error_budget_widgets(slo, region)]
            for slo in sorted(service.slos, key=lambda s: s.key)]


def _parts(rows: list[Row], service: ServicePlan, kind: str, name: Callable[[int], str],
           key: Callable[[int], str], header: Callable[[int, int], str]) -> list[DashboardPlan]:
    """Split rows at CloudWatch's limits into dashboards, each starting with a full-width text header; `name`,
    `key` and `header` give each part's name, construct key and markdown from its number (and the total)."""
    if not rows:
        return []
    parts = split_rows(rows)
    plans = []
    for number, part in enumerate(parts, start=1):
        text = TextWidget(type="text", markdown=header(number, len(parts)), width=GRID_COLUMNS)
        part_rows = [[Widget("text", text.width, text.height, {"markdown": text.markdown})], *part]
        plans.append(DashboardPlan(key=key(number), name=name(number), source=service.source,
                                   body=body_json(part_rows), widgets=sum(len(r) for r in part_rows),
                                   metrics=sum(w.metrics for r in part_rows for w in r), kind=kind,
                                   part=number, parts=len(parts)))
    return plans


def split_rows(rows: list[Row], max_widgets: int = MAX_DASHBOARD_WIDGETS,
               max_metrics: int = MAX_DASHBOARD_METRICS) -> list[list[Row]]:
    """Pack whole rows into as few dashboards as the limits allow, in order. One widget per dashboard is kept
    for the header."""
    parts: list[list[Row]] = [[]]
    widgets = metrics = 0
    for row in rows:
        row_widgets, row_metrics = len(row), sum(w.metrics for w in row)
        if parts[-1] and (widgets + row_widgets > max_widgets - 1 or metrics + row_metrics > max_metrics):
            parts.append([])
            widgets = metrics = 0
        parts[-1].append(row)
        widgets += row_widgets
        metrics += row_metrics
    return parts


def _part(number: int, total: int) -> str:
    return f" (part {number} of {total})" if total > 1 else ""


def alarm_status_widget(title: str | None, arns: list[str], width: int, height: int | None = None) -> Widget:
    """An alarm status widget; its default height grows with the number of alarms."""
    properties: dict[str, Any] = {"alarms": arns}
    if title:
        properties["title"] = title
    return Widget("alarm", width, height or min(3 + math.ceil(len(arns) / 6), 20), properties)


def alarm_graph(alarm: AlarmPlan, region: str) -> Widget:
    """A line graph of what an alarm evaluates: its metric, or its expression with the metrics hidden, or its
    metric and anomaly band; a threshold is drawn as a horizontal annotation. An alarm pinned to another region
    is graphed from there."""
    region = alarm.region or region
    metrics: list[Any] = []
    if alarm.metric is not None:
        metrics.append(metric_line(alarm.metric, id=alarm.metric.id, label=alarm.metric.label or alarm.metric.metric,
                                   accountId=alarm.metric.account))
        watched = alarm.metric.id
    else:
        metrics.extend(metric_line(m, id=m.id, visible=False, label=m.label, accountId=m.account)
                       for m in alarm.metrics)
        metrics.extend([{"expression": e.expression, "id": e.id, "visible": False,
                         **({"period": e.period} if e.period else {})}] for e in alarm.expressions)
        metrics.append([{"expression": alarm.expression, "id": EXPRESSION_ID, "label": alarm.label or alarm.key,
                         **({"period": alarm.expression_period} if alarm.expression_period else {})}])
        watched = EXPRESSION_ID
    if alarm.kind == "anomaly":
        metrics.append([{"expression": anomaly_band_expression(watched, alarm.band or 0),
                         "id": ANOMALY_BAND_ID, "label": "expected band"}])
    properties: dict[str, Any] = {"title": alarm.key, "region": region, "view": "timeSeries", "stacked": False,
                                  "period": alarm.period, "metrics": metrics}
    if alarm.kind == "threshold" and alarm.threshold is not None and alarm.operator in SYMBOLS:
        symbol = SYMBOLS[alarm.operator]
        properties["annotations"] = {"horizontal": [{
            "label": f"{alarm.severity} {symbol} {format_number(alarm.threshold or 0)}", "value": alarm.threshold,
            "fill": "above" if symbol.startswith(">") else "below"}]}
    return Widget("metric", GRAPH_WIDTH, GRAPH_HEIGHT, properties)


def log_group_filters_widget(group: LogGroupPlan, region: str) -> Widget:
    """One graph of the metrics a log group's metric filters publish (Sum per 5 minutes). A filter with
    dimensions publishes one metric per value, found with SEARCH()."""
    metrics: list[Any] = []
    for index, metric_filter in enumerate(group.filters, start=1):
        if metric_filter.dimensions:
            keys = ",".join([_search_term(metric_filter.namespace),
                             *(_search_term(k) for k, _ in metric_filter.dimensions)])
            search = f"SEARCH('{{{keys}}} MetricName=\"{metric_filter.metric}\"', 'Sum', {DEFAULT_PERIOD})"
            metrics.append([{"expression": search, "id": f"f{index}", "label": metric_filter.key}])
        else:
            query = MetricQuery(f"f{index}", metric_filter.namespace, metric_filter.metric, (), "Sum",
                                DEFAULT_PERIOD)
            metrics.append(metric_line(query, label=metric_filter.key))
    properties = {"title": f"{group.name}: metric filters", "region": region, "view": "timeSeries",
                  "stacked": False, "period": DEFAULT_PERIOD, "metrics": metrics}
    return Widget("metric", GRID_COLUMNS, GRAPH_HEIGHT, properties)


def _search_term(text: str) -> str:
    return f'"{text}"' if any(c in text for c in " ,{}()=\"'") else text


# Declared dashboards --------------------------------------------------------------------------------------------


class _DeclaredDashboard:
    """Resolves one dashboard file for one environment, collecting problems with their file and line."""

    def __init__(self, env: EnvironmentSpec, spec: DashboardSpec, document: LoadedDocument,
                 services: dict[str, ServicePlan], specs: dict[str, ServiceSpec],
                 problems: list[SpecProblem]) -> None:
        self.env = env
        self.spec = spec
        self.document = document
        self.services = services
        self.specs = specs
        self.problems = problems
        self.service_spec = specs.get(spec.service) if spec.service else None

    def _problem(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(self.document.problem(path, message))

    def resolve(self) -> DashboardPlan | None:
        spec = self.spec
        count = len(self.problems)
        if spec.service is not None and spec.service not in self.services:
            known = ", ".join(sorted(self.services)) or "none"
            self._problem(("service",), f'unknown service "{spec.service}"; services: {known}')
            return None
        name = naming.dashboard_name(self.env.name, spec.dashboard)
        if len(name) > MAX_DASHBOARD_NAME:
            self._problem(("dashboard",), f"dashboard name {name} is {len(name)} characters; CloudWatch allows "
                                          f"{MAX_DASHBOARD_NAME}")
        rows: list[Row] = []
        for r, row in enumerate(spec.rows):  # the spec model checked each row fits the grid
            rows.append([self._widget(("rows", r, i), w) for i, w in enumerate(row)])
        widgets = sum(len(r) for r in rows)
        metrics = sum(w.metrics for r in rows for w in r)
        if widgets > MAX_DASHBOARD_WIDGETS:
            self._problem(("rows",), f'dashboard "{spec.dashboard}" has {widgets} widgets; CloudWatch allows '
                                     f"{MAX_DASHBOARD_WIDGETS} per dashboard")
        if metrics > MAX_DASHBOARD_METRICS:
            self._problem(("rows",), f'dashboard "{spec.dashboard}" has {metrics} metrics; CloudWatch allows '
                                     f"{MAX_DASHBOARD_METRICS} per dashboard")
        if len(self.problems) > count:
            return None
        return DashboardPlan(key=spec.dashboard, name=name, source=self.document.file,
                             body=body_json(rows, spec.range), widgets=widgets, metrics=metrics)

    def _widget(self, path: tuple[str | int, ...], widget: Any) -> Widget:
        if isinstance(widget, MetricWidget):
            return self._metric_widget(path, widget)
        if isinstance(widget, AlarmsWidget):
            return self._alarms_widget(path, widget)
        if isinstance(widget, LogsWidget):
            sources = " | ".join(f"SOURCE '{group}'" for group in widget.log_groups)
            view, stacked = _VIEWS[widget.view]
            properties: dict[str, Any] = {"query": f"{sources} | {widget.query.strip()}", "region": self.env.region,
                                          "view": view}
            if stacked:
                properties["stacked"] = True
            if widget.title:
                properties["title"] = widget.title
            return Widget("log", widget.width, widget.height, properties)
        assert isinstance(widget, TextWidget)
        return Widget("text", widget.width, widget.height, {"markdown": widget.markdown})

    def _alarms_widget(self, path: tuple[str | int, ...], widget: AlarmsWidget) -> Widget:
        arns = []
        for index, reference in enumerate(widget.alarms):
            service_name, _, key = reference.rpartition("/")
            service_name = service_name or (self.spec.service or "")
            if not service_name:
                self._problem((*path, "alarms", index), f'"{reference}" names no service: write service/key, or '
                                                        "set the dashboard's service")
                continue
            if service_name not in self.specs:
                self._problem((*path, "alarms", index), f'unknown service "{service_name}"; services: '
                                                        f"{', '.join(sorted(self.specs)) or 'none'}")
                continue
            if key not in self.specs[service_name].alarms:
                known = ", ".join(sorted(self.specs[service_name].alarms)) or "none"
                self._problem((*path, "alarms", index), f'unknown alarm "{key}"; alarms of {service_name}: {known}')
                continue
            enabled = {a.key: a for a in self.services[service_name].alarms}
            if key in enabled:  # an alarm disabled in this environment is left out here
                alarm = enabled[key]
                arns.append(naming.alarm_arn(alarm.region or self.env.region, self.env.account, alarm.name))
        if not arns:
            return Widget("text", widget.width, widget.height,
                          {"markdown": f"### {widget.title or 'Alarms'}\nNone of these alarms is enabled in "
                                       f"{self.env.name}."})
        return alarm_status_widget(widget.title, arns, widget.width, widget.height)

    def _metric_widget(self, path: tuple[str | int, ...], widget: MetricWidget) -> Widget:
        defaults = self.service_spec.defaults if self.service_spec else None
        namespace = widget.namespace or (defaults.namespace if defaults else None)
        dimensions = widget.dimensions
        if dimensions is None and defaults and namespace == defaults.namespace:
            dimensions = defaults.dimensions
        stat = widget.stat or (defaults.stat if defaults else None) or DEFAULT_STAT
        period = widget.period or self.spec.period or DEFAULT_PERIOD
        ids = [m.id for m in widget.metrics if m.id] + [e.id for e in widget.expressions if e.id]
        used = {i for e in widget.expressions for i in expression_metric_ids(e.expression)}  # checked by the spec
        lines: list[Any] = []
        for index, metric in enumerate(widget.metrics):
            query = self._query((*path, "metrics", index), metric, namespace, dimensions, stat, period)
            visible = metric.visible if metric.visible is not None else metric.id not in used
            lines.append(metric_line(query, id=metric.id, label=metric.label,
                                     yAxis="right" if metric.axis == "right" else None,
                                     visible=None if visible else False))
        taken = set(ids)
        counter = 0
        for expression in widget.expressions:
            expression_id = expression.id
            if expression_id is None:
                counter += 1
                while f"e{counter}" in taken:
                    counter += 1
                expression_id = f"e{counter}"
                taken.add(expression_id)
            options: dict[str, Any] = {"expression": expression.expression, "id": expression_id}
            if expression.label:
                options["label"] = expression.label
            if expression.axis == "right":
                options["yAxis"] = "right"
            lines.append([options])
        view, stacked = _VIEWS[widget.view]
        properties: dict[str, Any] = {"region": self.env.region, "view": view, "stacked": stacked,
                                      "period": period, "stat": stat, "metrics": lines}
        if widget.title:
            properties["title"] = widget.title
        if widget.annotations and widget.annotations.horizontal:  # on a view that draws them (spec model)
            properties["annotations"] = {"horizontal": [
                {k: v for k, v in (("value", a.value), ("label", a.label), ("fill", a.fill),
                                   ("yAxis", "right" if a.axis == "right" else None)) if v is not None}
                for a in widget.annotations.horizontal]}
        if widget.y_axis:
            axes = {}
            for side in ("left", "right"):
                axis = getattr(widget.y_axis, side)
                if axis is not None:
                    axes[side] = {k: v for k, v in (("label", axis.label), ("min", axis.min), ("max", axis.max),
                                                    ("showUnits", False if axis.label else None)) if v is not None}
            properties["yAxis"] = axes
        return Widget("metric", widget.width, widget.height, properties)

    def _query(self, path: tuple[str | int, ...], metric: WidgetMetric, namespace: str | None,
               dimensions: dict[str, str] | None, stat: str, period: int) -> MetricQuery:
        metric_namespace = metric.namespace or namespace
        if metric_namespace is None:
            self._problem((*path, "namespace"), "required field is missing: set namespace here, on the widget, or "
                                                "name a service whose defaults have one")
        metric_dimensions = metric.dimensions
        if metric_dimensions is None and metric_namespace == namespace:
            metric_dimensions = dimensions
        if metric.period is not None and metric.period not in (1, 5, 10, 20, 30) and metric.period % 60:
            self._problem((*path, "period"), f"expected 1s, 5s, 10s, 20s, 30s or a multiple of 60s, got "
                                             f"{metric.period}s")
        return MetricQuery(id=metric.id or "", namespace=metric_namespace or "", metric=metric.metric,
                           dimensions=tuple(sorted((metric_dimensions or {}).items())),
                           stat=metric.stat or stat, period=metric.period or period)
