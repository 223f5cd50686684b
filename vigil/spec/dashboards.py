"""The dashboard file (dashboards/<name>.yaml): rows of widgets laid out on CloudWatch's 24-column grid."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from vigil.expressions import metric_ids
from vigil.limits import MAX_ALARMS_PER_WIDGET, MAX_GRAPH_METRICS
from vigil.spec.logs import LogGroupName
from vigil.spec.metrics import Dimensions, MetricName, Namespace
from vigil.spec.rules import RuleProblems
from vigil.spec.types import Duration, MetricId, Name, SpecModel, Stat

DASHBOARD_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,255}$"
ALARM_REFERENCE_PATTERN = r"^([a-z][a-z0-9-]{0,39}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"
GRID_COLUMNS = 24
"""Width of CloudWatch's dashboard grid, in columns."""

Title = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Axis = Literal["left", "right"]


class WidgetMetric(SpecModel):
    """One metric line; unset fields come from the widget, then the dashboard's service defaults."""

    metric: MetricName = Field(description="CloudWatch metric name.")
    namespace: Namespace | None = Field(default=None, description="Default: the widget's, else the service's "
                                                                  "defaults.namespace.")
    dimensions: Dimensions | None = Field(default=None, description="Default: the widget's, else the service's "
                                                                    "defaults.dimensions (same namespace only).")
    stat: Stat | None = Field(default=None, description="Default: the widget's stat, else the service's, else "
                                                        "Average.")
    period: Duration | None = Field(default=None, description="Default: the widget's, else the dashboard's, else 5m.")
    id: MetricId | None = Field(default=None, description="Id for use in expressions.")
    label: Annotated[str, StringConstraints(max_length=256)] | None = Field(default=None,
                                                                            description="Legend label.")
    axis: Axis = Field(default="left", description="Y axis: left or right; default left.")
    visible: bool | None = Field(default=None, description="Draw the line; default: false when an expression of "
                                                           "the widget uses it, else true.")


class WidgetExpression(SpecModel):
    """A metric math, SEARCH() or Metrics Insights (SELECT ...) line."""

    expression: Annotated[str, StringConstraints(min_length=1, max_length=2048)] = Field(
        description="e.g. 100 * errors / requests, over the ids of the widget's metrics.")
    id: MetricId | None = Field(default=None, description="Default: e1, e2, ... in order.")
    label: Annotated[str, StringConstraints(max_length=256)] | None = Field(
        default=None, description="Legend label; default: CloudWatch's (the series' names for SEARCH and SELECT).")
    axis: Axis = Field(default="left", description="Y axis: left or right; default left.")


class HorizontalAnnotation(SpecModel):
    """A horizontal line across a graph, e.g. a target or threshold."""

    value: float = Field(description="Y value of the line.")
    label: Annotated[str, StringConstraints(max_length=256)] | None = Field(default=None, description="Its label.")
    axis: Axis = Field(default="left", description="Y axis: left or right; default left.")
    fill: Literal["above", "below"] | None = Field(default=None, description="Shade above or below the line; "
                                                                             "default none.")


class Annotations(SpecModel):
    """Annotations of a metric graph."""

    horizontal: list[HorizontalAnnotation] = Field(default_factory=list, description="Horizontal lines.")


class YAxisSpec(SpecModel):
    """Label and bounds of one Y axis."""

    label: Annotated[str, StringConstraints(max_length=256)] | None = Field(default=None, description="Axis label.")
    min: float | None = Field(default=None, description="Lowest value shown; default: from the data.")
    max: float | None = Field(default=None, description="Highest value shown; default: from the data.")


class YAxes(SpecModel):
    """The left and right Y axes of a graph."""

    left: YAxisSpec | None = Field(default=None, description="The left axis.")
    right: YAxisSpec | None = Field(default=None, description="The right axis (metrics with axis: right).")


class _Widget(SpecModel):
    title: Title | None = Field(default=None, description="Widget title.")
    width: int = Field(default=12, ge=1, le=GRID_COLUMNS, description="Columns of the 24-column grid; default 12.")
    height: int = Field(default=6, ge=1, le=1000, description="Rows of the grid; default 6.")


NO_ANNOTATIONS = ("number", "pie")
"""Metric widget views that draw no annotations."""


class MetricWidget(_Widget):
    """A graph or single number of metrics and metric math."""

    model_config = ConfigDict(json_schema_extra={
        "anyOf": [{"required": [lines], "properties": {lines: {"minItems": 1}}}
                  for lines in ("metrics", "expressions")],
        "if": {"required": ["view"], "properties": {"view": {"enum": list(NO_ANNOTATIONS)}}},
        "then": {"not": {"required": ["annotations"], "properties": {"annotations": {
            "required": ["horizontal"], "properties": {"horizontal": {"minItems": 1}}}}}},
    })

    type: Literal["metric"] = Field(description="metric: a graph or single number.")
    view: Literal["line", "stacked", "bar", "number", "pie"] = Field(
        default="line", description="line (default), stacked (stacked area), bar, number (single value) or pie.")
    namespace: Namespace | None = Field(default=None, description="Default namespace of this widget's metrics.")
    dimensions: Dimensions | None = Field(default=None, description="Default dimensions of its metrics.")
    stat: Stat | None = Field(default=None, description="Default statistic of its metrics.")
    period: Duration | None = Field(default=None, description="Default period of its metrics; default: the "
                                                              "dashboard's, else 5m.")
    metrics: list[WidgetMetric] = Field(default_factory=list, description="Metric lines, in legend order.")
    expressions: list[WidgetExpression] = Field(default_factory=list, description="Math, SEARCH or SELECT lines.")
    annotations: Annotations | None = Field(default=None, description="Horizontal annotation lines.")
    y_axis: YAxes | None = Field(default=None, description="Labels and bounds of the left and right axes.")

    @model_validator(mode="after")
    def _lines_and_annotations(self) -> Self:
        problems = RuleProblems()
        lines = len(self.metrics) + len(self.expressions)
        if not lines:
            problems.add((), "expected at least one metric or expression")
        if lines > MAX_GRAPH_METRICS:
            problems.add((), f"{lines} metrics in one widget; CloudWatch allows {MAX_GRAPH_METRICS}")
        ids = [m.id for m in self.metrics if m.id] + [e.id for e in self.expressions if e.id]
        for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
            problems.add((), f'metric id "{duplicate}" is used twice in this widget')
        defined = {m.id for m in self.metrics if m.id}
        for index, expression in enumerate(self.expressions):
            for metric_id in expression_metric_ids(expression.expression):
                if metric_id not in ids:
                    problems.add(("expressions", index, "expression"), f'unknown metric id "{metric_id}"; metric '
                                                                       f"ids of this widget: "
                                                                       f"{', '.join(sorted(defined)) or 'none'}")
        if self.annotations and self.annotations.horizontal and self.view in NO_ANNOTATIONS:
            problems.add(("annotations",), f"annotations need a line, stacked or bar view, not {self.view}")
        problems.raise_any(type(self))
        return self


def expression_metric_ids(expression: str) -> list[str]:
    """The metric ids a widget expression uses; none for Metrics Insights (SELECT ...), whose names are columns."""
    return [] if expression.lstrip().upper().startswith("SELECT") else metric_ids(expression)


class AlarmsWidget(_Widget):
    """The state of alarms, named by key (in the dashboard's service) or as service/key."""

    type: Literal["alarms"] = Field(description="alarms: alarm states.")
    alarms: list[Annotated[str, StringConstraints(pattern=ALARM_REFERENCE_PATTERN)]] = Field(
        min_length=1, description="Alarm keys of the dashboard's service, or service/key (at most 100).",
        json_schema_extra={"maxItems": MAX_ALARMS_PER_WIDGET})

    @model_validator(mode="after")
    def _at_most_the_widget_shows(self) -> Self:
        problems = RuleProblems()
        if len(self.alarms) > MAX_ALARMS_PER_WIDGET:
            problems.add(("alarms",), f"{len(self.alarms)} alarms; an alarm status widget shows "
                                      f"{MAX_ALARMS_PER_WIDGET}")
        problems.raise_any(type(self))
        return self


class TextWidget(_Widget):
    """Markdown text."""

    type: Literal["text"] = Field(description="text: markdown.")
    markdown: Annotated[str, StringConstraints(min_length=1, max_length=10000)] = Field(description="Markdown.")
    height: int = Field(default=2, ge=1, le=1000, description="Rows of the grid; default 2.")


class LogsWidget(_Widget):
    """A Logs Insights query over named log groups."""

    type: Literal["logs"] = Field(description="logs: a Logs Insights query.")
    log_groups: list[LogGroupName] = Field(min_length=1, max_length=50, description="Log group names (1 to 50).")
    query: Annotated[str, StringConstraints(min_length=1, max_length=10000)] = Field(
        description="Logs Insights query, without SOURCE (added from log_groups).")
    view: Literal["table", "line", "stacked", "bar", "pie"] = Field(default="table",
                                                                    description="Result view; default table.")


Widget = Annotated[MetricWidget | AlarmsWidget | TextWidget | LogsWidget, Field(discriminator="type")]


class DashboardSpec(SpecModel):
    """A declared dashboard, deployed as `{env}-{dashboard}` in every environment."""

    model_config = ConfigDict(json_schema_extra={"allOf": [{"properties": {"rows": {"items": {"minItems": 1}}}}]})

    version: Literal[1] = Field(description="Spec format version; must be 1.")
    dashboard: Annotated[str, StringConstraints(pattern=DASHBOARD_NAME_PATTERN)] = Field(
        description="Dashboard name without the environment prefix; unique across dashboards/.")
    service: Name | None = Field(default=None, description="Service whose namespace, dimensions and alarm keys "
                                                           "apply; the dashboard then lives in its stack.")
    range: Duration | None = Field(default=None, description="Default time range shown; default 3h.")
    period: Duration | None = Field(default=None, description="Default period of its metrics; default 5m.")
    rows: list[list[Widget]] = Field(min_length=1, description="Rows of widgets, laid out left to right, at most "
                                                               f"{GRID_COLUMNS} columns wide.")

    @model_validator(mode="after")
    def _rows_fit_the_grid(self) -> Self:
        problems = RuleProblems()
        for index, row in enumerate(self.rows):
            width = sum(widget.width for widget in row)
            if width > GRID_COLUMNS:
                problems.add(("rows", index), f"the widths of this row add up to {width}; a row holds "
                                              f"{GRID_COLUMNS} columns")
            if not row:
                problems.add(("rows", index), "expected at least one widget in the row")
        problems.raise_any(type(self))
        return self
