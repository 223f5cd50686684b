"""`python -m vigil import`, dashboards: a dashboard becomes `dashboards/<name>.yaml` when the dashboard spec can
express its body exactly, i.e. when vigil would synthesize the same widgets in the same places; otherwise it is
listed as not imported, with the first reason found.

Expressible: widgets laid out in rows (each row starting at column 0, widgets side by side, the next row below
the highest widget of the one above); text widgets; metric widgets (line, stacked, bar, number, pie) whose lines
are plain metrics or expressions with the options vigil writes (stat, period, id, label, yAxis, visible),
horizontal annotations and axis labels and bounds; alarm status widgets over imported alarms; Logs Insights
widgets. Everything else (variables, background or sparkline options, vertical annotations, `...` shorthands,
alarms that were not imported) is a reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vigil import naming
from vigil.expressions import metric_ids
from vigil.live.aws import AwsSession, Progress
from vigil.live.import_result import ImportedAlarm, ImportOptions, ImportResult, spec_yaml
from vigil.spec.dashboards import DASHBOARD_NAME_PATTERN
from vigil.spec.durations import format_duration

_VIEWS = {("timeSeries", False): "line", ("timeSeries", True): "stacked", ("bar", False): "bar",
          ("singleValue", False): "number", ("pie", False): "pie", ("table", False): "table"}
_ISO = re.compile(r"^-P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_SOURCE = re.compile(r"^\s*SOURCE\s+'([^']+)'\s*\|")
_METRIC_OPTIONS = {"stat", "period", "id", "label", "yAxis", "visible"}
_EXPRESSION_OPTIONS = {"expression", "id", "label", "yAxis"}
_AXIS_OPTIONS = {"label", "min", "max", "showUnits"}


class NotExpressible(Exception):
    """Why a dashboard body cannot be written as a dashboard spec."""


def read_dashboards(session: AwsSession, options: ImportOptions, result: ImportResult, alarms: dict[str, ImportedAlarm],
                    progress: Progress) -> None:
    """Write each dashboard the spec can express; list the others with the reason."""
    cloudwatch = session.client("cloudwatch")
    entries = result.read_counted(cloudwatch, "list_dashboards", "DashboardEntries", "dashboards", "dashboards",
                                  progress)
    if entries is None:
        return
    imported = 0
    for entry in sorted(entries, key=lambda e: e["DashboardName"]):
        name = entry["DashboardName"]
        subject = f"dashboard {name}"
        try:
            body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
            key = naming.without_env_prefix(options.env, name)
            if not re.match(DASHBOARD_NAME_PATTERN, key):
                raise NotExpressible(f'its name "{key}" is not a dashboard key (letters, digits, "-", "_")')
            document = dashboard_spec(key, body, session.region, alarms)
        except NotExpressible as reason:
            result.note("not-imported", subject, f"not expressible in the dashboard spec: {reason}")
            continue
        except Exception as error:
            result.note("not-imported", subject, f"could not be read: {error}")
            continue
        deployed = naming.dashboard_name(options.env, key)
        if deployed != name:
            result.note("renamed", subject, f"deployed as {deployed}; delete the original once the new one is "
                                            "deployed")
        header = (f"Imported from account {result.account}, {result.region}, environment {result.env} by "
                  "`python -m vigil import`.")
        result.files[f"dashboards/{key}.yaml"] = spec_yaml(document, header)
        imported += 1
    result.counts["dashboards_imported"] = imported


def dashboard_spec(key: str, body: dict[str, Any], region: str, alarms: dict[str, ImportedAlarm]) -> dict[str, Any]:
    """The dashboard file for `body`; raises NotExpressible with the first reason it cannot be one."""
    _only(body, {"widgets", "start"}, "the dashboard has")
    document: dict[str, Any] = {"version": 1, "dashboard": key}
    if "start" in body:
        document["range"] = format_duration(_iso_seconds(body["start"]))
    widgets = body.get("widgets") or []
    if not widgets:
        raise NotExpressible("it has no widgets")
    document["rows"] = [[_widget(w, region, alarms) for w in row] for row in _rows(widgets)]
    return document


def _rows(widgets: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    by_y: dict[int, list[dict[str, Any]]] = {}
    for widget in widgets:
        if not all(isinstance(widget.get(k), int) for k in ("x", "y", "width", "height")):
            raise NotExpressible("a widget without an explicit position and size")
        by_y.setdefault(widget["y"], []).append(widget)
    rows, y = [], 0
    for top in sorted(by_y):
        row = sorted(by_y[top], key=lambda w: w["x"])
        if top != y:
            raise NotExpressible(f"the row at y={top} does not start right below the row above (y={y}); vigil lays "
                                 "out rows top to bottom without gaps")
        x = 0
        for widget in row:
            if widget["x"] != x:
                raise NotExpressible(f"the widget at x={widget['x']}, y={top} does not follow the one to its left "
                                     f"(x={x}); vigil lays out widgets left to right without gaps")
            x += widget["width"]
        rows.append(row)
        y = top + max(w["height"] for w in row)
    return rows


def _widget(widget: dict[str, Any], region: str, alarms: dict[str, ImportedAlarm]) -> dict[str, Any]:
    _only(widget, {"type", "x", "y", "width", "height", "properties"}, "a widget has")
    kind, properties = widget["type"], widget.get("properties") or {}
    out: dict[str, Any]
    if kind == "text":
        _only(properties, {"markdown"}, "a text widget has")
        out = {"type": "text", "markdown": properties["markdown"]}
    elif kind == "metric":
        out = _metric_widget(properties, region)
    elif kind == "alarm":
        out = _alarm_widget(properties, alarms)
    elif kind == "log":
        out = _log_widget(properties, region)
    else:
        raise NotExpressible(f"a {kind} widget (vigil has metric, alarms, text and logs widgets)")
    out["width"], out["height"] = widget["width"], widget["height"]
    return out


def _metric_widget(properties: dict[str, Any], region: str) -> dict[str, Any]:
    _only(properties, {"region", "view", "stacked", "period", "stat", "metrics", "title", "annotations", "yAxis"},
          "a metric widget has")
    _region(properties, region)
    view = _VIEWS.get((properties.get("view", "timeSeries"), bool(properties.get("stacked", False))))
    if view is None or view == "table":
        raise NotExpressible(f"a metric widget with view {properties.get('view')}")
    stat = properties.get("stat", "Average")
    period = properties.get("period", 300)
    out: dict[str, Any] = {"type": "metric"}
    if properties.get("title"):
        out["title"] = properties["title"]
    out.update(view=view, stat=stat, period=format_duration(period))
    lines = properties.get("metrics") or []
    expressions = [line[0] for line in lines if len(line) == 1 and isinstance(line[0], dict)]
    used = {i for e in expressions if not str(e.get("expression", "")).lstrip().upper().startswith("SELECT")
            for i in metric_ids(str(e.get("expression", "")))}
    metrics: list[dict[str, Any]] = []
    spec_expressions: list[dict[str, Any]] = []
    for line in lines:
        if len(line) == 1 and isinstance(line[0], dict):
            options = line[0]
            _only(options, _EXPRESSION_OPTIONS, "an expression line has")
            if "id" not in options:
                raise NotExpressible("an expression line without an id")
            item = {"expression": options["expression"], "id": options["id"]}
            if options.get("label"):
                item["label"] = options["label"]
            if options.get("yAxis", "left") == "right":
                item["axis"] = "right"
            spec_expressions.append(item)
            continue
        options = line[-1] if line and isinstance(line[-1], dict) else {}
        names = line[:-1] if options else line
        if len(names) < 2 or len(names) % 2 or not all(isinstance(n, str) for n in names) or "." in names \
                or "..." in names:
            raise NotExpressible(f"the metric line {json.dumps(line)} (vigil writes namespace, name, then "
                                 "dimension pairs)")
        _only(options, _METRIC_OPTIONS, "a metric line has")
        metric: dict[str, Any] = {"metric": names[1], "namespace": names[0]}
        if len(names) > 2:
            metric["dimensions"] = dict(zip(names[2::2], names[3::2], strict=True))
        if options.get("stat", stat) != stat:
            metric["stat"] = options["stat"]
        if options.get("period", period) != period:
            metric["period"] = format_duration(options["period"])
        for key in ("id", "label"):
            if options.get(key):
                metric[key] = options[key]
        if options.get("yAxis", "left") == "right":
            metric["axis"] = "right"
        visible = options.get("visible", True)
        if visible != (options.get("id") not in used):
            metric["visible"] = visible
        metrics.append(metric)
    if metrics:
        out["metrics"] = metrics
    if spec_expressions:
        out["expressions"] = spec_expressions
    if "annotations" in properties:
        out["annotations"] = _annotations(properties["annotations"])
    if "yAxis" in properties:
        out["y_axis"] = _axes(properties["yAxis"])
    return out


def _annotations(annotations: dict[str, Any]) -> dict[str, Any]:
    _only(annotations, {"horizontal"}, "the annotations have")
    lines = []
    for line in annotations["horizontal"]:
        _only(line, {"value", "label", "fill", "yAxis"}, "a horizontal annotation has")
        item = {k: line[k] for k in ("value", "label", "fill") if k in line}
        if line.get("yAxis", "left") == "right":
            item["axis"] = "right"
        lines.append(item)
    return {"horizontal": lines}


def _axes(axes: dict[str, Any]) -> dict[str, Any]:
    _only(axes, {"left", "right"}, "the axes have")
    out = {}
    for side, axis in axes.items():
        _only(axis, _AXIS_OPTIONS, f"the {side} axis has")
        if "showUnits" in axis and (axis["showUnits"] is not False or not axis.get("label")):
            raise NotExpressible(f"showUnits {axis['showUnits']} on the {side} axis (vigil hides units exactly when "
                                 "the axis has a label)")
        if axis.get("label") and axis.get("showUnits") is not False:
            raise NotExpressible(f"units shown beside the label of the {side} axis")
        out[side] = {k: axis[k] for k in ("label", "min", "max") if k in axis}
    return out


def _alarm_widget(properties: dict[str, Any], alarms: dict[str, ImportedAlarm]) -> dict[str, Any]:
    _only(properties, {"alarms", "title"}, "an alarm status widget has")
    references = []
    for arn in properties.get("alarms") or []:
        name = str(arn).split(":alarm:", 1)[-1]
        if name not in alarms:
            raise NotExpressible(f"it shows alarm {name}, which was not imported")
        references.append(f"{alarms[name].service}/{alarms[name].key}")
    if not references:
        raise NotExpressible("an alarm status widget without alarms")
    out: dict[str, Any] = {"type": "alarms"}
    if properties.get("title"):
        out["title"] = properties["title"]
    out["alarms"] = references
    return out


def _log_widget(properties: dict[str, Any], region: str) -> dict[str, Any]:
    _only(properties, {"query", "region", "view", "stacked", "title"}, "a logs widget has")
    _region(properties, region)
    query, groups = properties.get("query", ""), []
    while match := _SOURCE.match(query):
        groups.append(match.group(1))
        query = query[match.end():]
    if not groups:
        raise NotExpressible("a logs widget whose query names no SOURCE log group")
    view = _VIEWS.get((properties.get("view", "table"), bool(properties.get("stacked", False))))
    if view is None or view == "number":
        raise NotExpressible(f"a logs widget with view {properties.get('view')}")
    out: dict[str, Any] = {"type": "logs"}
    if properties.get("title"):
        out["title"] = properties["title"]
    out.update(log_groups=groups, query=query.strip(), view=view)
    return out


def _region(properties: dict[str, Any], region: str) -> None:
    if properties.get("region", region) != region:
        raise NotExpressible(f"a widget shows region {properties['region']}; vigil's widgets show the "
                             f"environment's region ({region})")


def _iso_seconds(start: str) -> int:
    match = _ISO.match(str(start))
    if not match or not any(match.groups()):
        raise NotExpressible(f"the time range start {start!r} (vigil writes a relative range such as -PT3H)")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def _only(mapping: dict[str, Any], allowed: set[str], what: str) -> None:
    extra = sorted(set(mapping) - allowed)
    if extra:
        raise NotExpressible(f"{what} {', '.join(extra)}")
