"""`vigil preview`: a static HTML page that draws each dashboard of an environment as CloudWatch lays it out, from
the synthesized dashboard body alone (no AWS): the 24-column grid with every widget at its x, y, width and
height; titles; each graph's metrics (legend) and horizontal annotations (threshold lines and shaded fills);
alarm-status widgets with their alarms; Logs Insights widgets with their query; text widgets as markdown.

There is no metric data without AWS: graphs show their axes, lines and legend, not a series. Dashboard text comes
from spec files, which are untrusted: every value is HTML-escaped, markdown is rendered with raw HTML off and
unsafe links dropped, colours must be `#rrggbb`, and the page's Content-Security-Policy allows no script, frame,
font or remote image, so nothing in a spec can run or load anything.
"""

from __future__ import annotations

import functools
import html
import json
import re
from dataclasses import dataclass
from typing import Any

from vigil.plan.model import DashboardPlan, EnvironmentPlan
from vigil.review import widget_matching

COLUMNS = 24
"""CloudWatch dashboards are 24 grid units wide."""
COLUMN_PX = 50
"""Pixels per grid column in the preview (a 1200-pixel-wide dashboard)."""
ROW_PX = 32
"""Pixels per grid row: CloudWatch's default 6 x 6 widget is then 300 x 192, close to the console's shape."""
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
"""CloudWatch's default series colours, in order."""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class DashboardView:
    """One dashboard to draw: `before` and `after` are dashboard bodies (JSON text) or None where it does not
    exist; `state` is unchanged, changed, added or removed; `summary` is the plan's one-line description."""

    name: str
    summary: str
    before: str | None
    after: str | None
    state: str


def environment_dashboards(plan: EnvironmentPlan | None) -> dict[str, DashboardPlan]:
    """Every dashboard of an environment by name: the declared ones across services and each service's."""
    if plan is None:
        return {}
    return {d.name: d for d in (*plan.dashboards, *(d for s in plan.services for d in s.dashboards))}


def views(head: EnvironmentPlan, base: EnvironmentPlan | None = None, compare: bool = False) -> list[DashboardView]:
    """The dashboards to draw. Without `compare`, every dashboard of `head`; with it, those `base` -> `head`
    adds, removes or changes, before and after (an environment missing from `base` counts as all added)."""
    from vigil.review.inventory import dashboard_summary

    after = environment_dashboards(head)
    if not compare:
        return [DashboardView(name, dashboard_summary(d), None, d.body, "unchanged") for name, d in after.items()]
    before = environment_dashboards(base)
    out = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old is not None and new is not None and old.body == new.body:
            continue
        state = "added" if old is None else "removed" if new is None else "changed"
        shown = new or old
        assert shown is not None
        out.append(DashboardView(name, dashboard_summary(shown), old.body if old else None,
                                 new.body if new else None, state))
    return out


def render_page(environment: str, dashboards: list[DashboardView], note: str = "") -> str:
    """The whole HTML page: a heading, a table of contents and one section per dashboard."""
    sections = [_section(view) for view in dashboards]
    toc = "".join(f'<li><a href="#{_anchor(v.name)}">{_e(v.name)}</a> <span class="state {v.state}">{v.state}</span>'
                  "</li>" for v in dashboards)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>vigil preview: {_e(environment)}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>vigil preview: <code>{_e(environment)}</code>, {len(dashboards)} dashboard(s)</h1>
<p class="note">Drawn from the synthesized dashboard bodies, without AWS: layout, titles, metrics, annotations,
alarms and queries are the template's; graphs show no data.{(" " + _e(note)) if note else ""}</p>
<ul class="toc">{toc}</ul>
{"".join(sections)}
</body>
</html>
"""


def _section(view: DashboardView) -> str:
    sides = []
    marks = widget_marks(view.before, view.after) if view.state == "changed" else {}
    for side, body in (("before", view.before), ("after", view.after)):
        if body is None:
            continue
        label = f'<h3 class="side-label">{side}</h3>' if view.state != "unchanged" else ""
        sides.append(f'<div class="side" data-side="{side}">{label}<p class="note">{_e(time_range(body))}</p>'
                     f'{_grid(body, marks.get(side, {}))}</div>')
    return (f'<section class="dashboard" id="{_anchor(view.name)}" data-dashboard="{_e(view.name)}" '
            f'data-state="{view.state}"><h2>{_e(view.name)} <small>{_e(view.summary)}</small> '
            f'<span class="state {view.state}">{view.state}</span></h2>{"".join(sides)}</section>\n')


_ISO_START = re.compile(r"^-P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$")


def time_range(body: str) -> str:
    """The dashboard's default time range in words: `last 1 day` from `"start": "-P1D"`; CloudWatch's default
    (3 hours) when the body sets none."""
    start = json.loads(body).get("start")
    if start is None:
        return "time range: last 3 hours (CloudWatch's default)"
    match = _ISO_START.match(str(start))
    if not match or not any(match.groupdict().values()):
        return f"time range: {start}"
    parts = [f"{int(value)} {unit[:-1] if int(value) == 1 else unit}"
             for unit, value in match.groupdict().items() if value]
    return f"time range: last {' '.join(parts)}"


def widget_marks(before: str | None, after: str | None) -> dict[str, dict[int, str]]:
    """Per side, the widgets (by index) a change adds or changes (after) or removes or changes (before), by the
    rule `vigil diff` names them by (vigil/review/widget_matching.py)."""
    changes = widget_matching.compare(widget_matching.widgets(before), widget_matching.widgets(after))
    marks: dict[str, dict[int, str]] = {"before": {}, "after": {}}
    for old, new in changes.changed:
        marks["before"][old] = marks["after"][new] = "changed"
    marks["after"].update((index, "added") for index in changes.added)
    marks["before"].update((index, "removed") for index in changes.removed)
    return marks


def _grid(body: str, marks: dict[int, str] | None = None) -> str:
    widgets = json.loads(body).get("widgets", [])
    bottom = max((_int(w.get("y")) + _int(w.get("height"), 6) for w in widgets), default=1)
    cells = [_widget(index, widget, (marks or {}).get(index, "")) for index, widget in enumerate(widgets)]
    return (f'<div class="grid" style="width:{COLUMNS * COLUMN_PX}px;height:{bottom * ROW_PX}px">'
            f'{"".join(cells)}</div>')


def _widget(index: int, widget: dict[str, Any], mark: str = "") -> str:
    x, y = _int(widget.get("x")), _int(widget.get("y"))
    width, height = _int(widget.get("width"), 6), _int(widget.get("height"), 6)
    kind = str(widget.get("type", ""))
    properties = widget.get("properties") if isinstance(widget.get("properties"), dict) else {}
    title = str(properties.get("title", ""))
    if kind == "metric":
        inner = _metric(properties)
    elif kind == "alarm":
        inner = _alarms(properties)
    elif kind == "log":
        inner = _log(properties)
    elif kind == "text":
        inner = f'<div class="markdown">{markdown(str(properties.get("markdown", "")))}</div>'
    else:
        inner = f'<p class="note">{_e(kind)} widget</p>'
    heading = f'<div class="title">{_e(title)}</div>' if title else ""
    if mark:
        heading = f'<span class="state {mark}">{mark}</span>' + heading
    style = (f"left:{x * COLUMN_PX}px;top:{y * ROW_PX}px;width:{width * COLUMN_PX}px;"
             f"height:{height * ROW_PX}px")
    return (f'<div class="widget {_e(kind)}{" marked " + mark if mark else ""}" data-index="{index}" '
            f'data-mark="{mark}" data-type="{_e(kind)}" data-x="{x}" data-y="{y}" '
            f'data-width="{width}" data-height="{height}" style="{style}"><div class="frame">{heading}{inner}'
            "</div></div>")


# Metric widgets --------------------------------------------------------------------------------------------------


def metric_lines(properties: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The widget's metrics as (legend label, colour, visible), in order. A metric row is
    `[namespace, name, dim, value, ..., {options}]` or `[{expression options}]`."""
    lines = []
    default_stat = str(properties.get("stat", "Average"))
    for row in properties.get("metrics", []):
        if not isinstance(row, list):
            continue
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        names = [str(item) for item in row if not isinstance(item, dict)]
        if "expression" in options:
            label = str(options.get("label") or options["expression"])
        elif len(names) >= 2:
            dims = ", ".join(f"{names[i]}={names[i + 1]}" for i in range(2, len(names) - 1, 2))
            label = str(options.get("label") or f"{options.get('stat', default_stat)} {names[1]}")
            label += f" ({names[0]}{': ' + dims if dims else ''})"
        else:
            continue
        colour = str(options.get("color", ""))
        lines.append((label, colour if _COLOUR.match(colour) else PALETTE[len(lines) % len(PALETTE)],
                      options.get("visible", True) is not False))
    return lines


def _metric(properties: dict[str, Any]) -> str:
    lines = metric_lines(properties)
    visible = [line for line in lines if line[2]]
    hidden = len(lines) - len(visible)
    legend = "".join(f'<li><span class="swatch" style="background:{colour}"></span>{_e(label)}</li>'
                     for label, colour, _ in visible)
    legend_html = f'<ul class="legend">{legend}</ul>' if legend else ""
    if hidden:
        legend_html += f'<p class="note">{hidden} metric(s) used by expressions, not drawn</p>'
    view = str(properties.get("view", "timeSeries"))
    if view == "singleValue":
        values = "".join(f'<div class="value"><div class="number">&mdash;</div><div>{_e(label)}</div></div>'
                         for label, _, _ in visible)
        return f'<div class="single">{values}</div>'
    return f'<div class="chart" data-view="{_e(view)}">{_axes(properties, view)}</div>{legend_html}'


def _axes(properties: dict[str, Any], view: str) -> str:
    """The plot area: y-axis range and every horizontal annotation as a line (or shaded fill) at its value."""
    annotations = properties.get("annotations") if isinstance(properties.get("annotations"), dict) else {}
    horizontal = [a for a in annotations.get("horizontal", []) if isinstance(a, dict) and _is_number(a.get("value"))]
    left = (properties.get("yAxis") or {}).get("left") if isinstance(properties.get("yAxis"), dict) else None
    left = left if isinstance(left, dict) else {}
    values = [float(a["value"]) for a in horizontal]
    low = float(left["min"]) if _is_number(left.get("min")) else min([0.0, *values])
    high = float(left["max"]) if _is_number(left.get("max")) else (max(values) * 1.25 if values and max(values) > 0
                                                                    else 1.0)
    if high <= low:
        high = low + 1.0
    parts = []
    for annotation in horizontal:
        value = float(annotation["value"])
        top = 100 * (1 - (min(max(value, low), high) - low) / (high - low))
        colour = str(annotation.get("color", ""))
        colour = colour if _COLOUR.match(colour) else "#d62728"
        fill = annotation.get("fill")
        if fill in ("above", "below"):
            area = f"top:0;height:{top:.2f}%" if fill == "above" else f"top:{top:.2f}%;bottom:0"
            parts.append(f'<div class="fill" style="{area};background:{colour}"></div>')
        label = str(annotation.get("label", ""))
        parts.append(f'<div class="hline" data-value="{value:g}" style="top:{top:.2f}%;border-color:{colour}">'
                     f'<span style="color:{colour}">{_e(label or f"{value:g}")}</span></div>')
    vertical = len(annotations.get("vertical", [])) if isinstance(annotations.get("vertical"), list) else 0
    alarms = [_alarm_name(a) for a in annotations.get("alarms", [])] if isinstance(annotations.get("alarms"),
                                                                                   list) else []
    ticks = (f'<span class="tick" style="top:0">{high:g}</span>'
             f'<span class="tick" style="bottom:0">{low:g}</span>') if view in ("timeSeries", "bar") else ""
    extra = ""
    if vertical:
        extra += f'<p class="note">{vertical} vertical annotation(s)</p>'
    if alarms:
        extra += f'<p class="note">alarm: {_e(", ".join(alarms))}</p>'
    return f'<div class="plot">{ticks}{"".join(parts)}<span class="nodata">no data in preview</span></div>{extra}'


# Alarm, log and text widgets -------------------------------------------------------------------------------------


def _alarms(properties: dict[str, Any]) -> str:
    names = [_alarm_name(arn) for arn in properties.get("alarms", []) if isinstance(arn, str)]
    items = "".join(f'<li><span class="status">?</span>{_e(name)}</li>' for name in names)
    return f'<ul class="alarms">{items}</ul>'


def _alarm_name(arn: Any) -> str:
    text = str(arn)
    return text.split(":alarm:", 1)[1] if ":alarm:" in text else text


def _log(properties: dict[str, Any]) -> str:
    view, query = str(properties.get("view", "table")), str(properties.get("query", ""))
    return f'<p class="note">Logs Insights, {_e(view)}</p><pre class="query">{_e(query)}</pre>'


def markdown(text: str) -> str:
    """Markdown as CloudWatch text widgets render it (CommonMark with tables), made safe: raw HTML is shown as
    text, markdown-it's link validation drops javascript:, vbscript:, file: and data: links, and images are shown
    as links (the page loads nothing remote)."""
    return _markdown_renderer().render(text)


@functools.cache
def _markdown_renderer() -> Any:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").disable("image")


# Helpers ---------------------------------------------------------------------------------------------------------


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _anchor(name: str) -> str:
    return "d-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


_STYLE = """
body { font: 13px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 16px; color: #16191f;
       background: #f2f3f3; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin: 24px 0 8px; } h2 small { color: #5f6b7a; font-weight: normal; }
h3.side-label { font-size: 12px; text-transform: uppercase; color: #5f6b7a; margin: 8px 0 4px; }
.note { color: #5f6b7a; font-size: 11px; margin: 2px 0; }
.toc { columns: 3; font-size: 12px; }
.state { font-size: 10px; padding: 1px 5px; border-radius: 8px; background: #e9ebed; color: #5f6b7a; }
.state.added { background: #dafbe1; color: #1a7f37; } .state.removed { background: #ffebe9; color: #cf222e; }
.state.changed { background: #fff8c5; color: #9a6700; }
.dashboard { margin-bottom: 32px; }
.grid { position: relative; background: #f2f3f3; }
.widget { position: absolute; box-sizing: border-box; padding: 4px; }
.frame { box-sizing: border-box; height: 100%; overflow: hidden; background: #fff; border: 1px solid #d5dbdb;
         border-radius: 4px; padding: 6px 8px; display: flex; flex-direction: column; }
.widget.marked .frame { border-width: 3px; } .widget.added .frame { border-color: #1a7f37; }
.widget.removed .frame { border-color: #cf222e; } .widget.changed .frame { border-color: #9a6700; }
.widget.marked .state { position: absolute; right: 10px; top: 8px; }
.title { font-weight: bold; font-size: 13px; margin-bottom: 4px; white-space: nowrap; overflow: hidden;
         text-overflow: ellipsis; }
.chart { flex: 1; display: flex; flex-direction: column; min-height: 0; }
.plot { position: relative; flex: 1; min-height: 30px; border-left: 1px solid #aab7b8;
        border-bottom: 1px solid #aab7b8; margin-left: 28px; }
.tick { position: absolute; left: -28px; width: 24px; text-align: right; font-size: 9px; color: #5f6b7a; }
.hline { position: absolute; left: 0; right: 0; border-top: 2px solid; height: 0; }
.hline span { position: absolute; right: 2px; top: -14px; font-size: 10px; background: rgba(255,255,255,.8); }
.fill { position: absolute; left: 0; right: 0; opacity: 0.12; }
.nodata { position: absolute; top: 40%; width: 100%; text-align: center; color: #aab7b8; font-size: 11px; }
.legend { list-style: none; padding: 0; margin: 4px 0 0; font-size: 11px; max-height: 40%; overflow: hidden; }
.legend li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.swatch { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
.single { display: flex; flex-wrap: wrap; gap: 12px; } .value .number { font-size: 28px; color: #0972d3; }
.alarms { list-style: none; padding: 0; margin: 0; font-size: 12px; columns: 2; }
.status { display: inline-block; width: 14px; height: 14px; line-height: 14px; text-align: center;
          border-radius: 7px; background: #e9ebed; color: #5f6b7a; font-size: 10px; margin-right: 4px; }
.query { flex: 1; margin: 0; font-size: 11px; white-space: pre-wrap; overflow: hidden; background: #fafafa;
         padding: 4px; }
.markdown { font-size: 12px; overflow: hidden; } .markdown h1 { font-size: 16px; margin: 0 0 4px; }
.markdown p { margin: 0 0 4px; } .markdown table { border-collapse: collapse; }
.markdown td, .markdown th { border: 1px solid #d5dbdb; padding: 2px 4px; }
"""
