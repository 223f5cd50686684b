"""Error-budget widgets of an SLO as CloudWatch dashboard JSON: the budget left over the compliance window and
the burn rate, hourly, against the page and ticket factors. Pure functions; vigil/plan/dashboards.py places them
on the service's generated dashboard (one row per SLO), or on `{env}-{service}-slos` when the service opts out of
it."""

from __future__ import annotations

from typing import Any

from vigil.plan.model import MetricQuery, SloPlan
from vigil.spec.durations import words
from vigil.spec.types import format_number

BUDGET_WIDTH, BURN_WIDTH, HEIGHT = 8, 16, 6
"""Widget sizes in dashboard grid units (24 wide)."""
BURN_PERIOD = 3600
"""The burn-rate graph's period in seconds: one point per hour."""


def budget_remaining_expression(slo: SloPlan) -> str:
    """Percent of the error budget left: 100 x (1 - error ratio / budget); negative once it is overspent."""
    return f"100 * (1 - ({slo.ratio_expression}) / {format_number(slo.budget)})"


def burn_rate_expression(slo: SloPlan) -> str:
    """How fast the budget burns: error ratio / budget (1 spends exactly the budget over the window)."""
    return f"({slo.ratio_expression}) / {format_number(slo.budget)}"


def error_budget_widgets(slo: SloPlan, region: str, *, y: int = 0) -> list[dict[str, Any]]:
    """Two widgets in one row at `y`: the budget remaining over the SLO's window (a single value computed over
    the whole window) and the burn rate per hour over the last 7 days with the fastest page and ticket factors."""
    title = f"{slo.key}: {format_number(slo.objective)}% over {words(slo.window)}"
    hidden = [_metric(query) for query in slo.metrics]
    budget = {
        "type": "metric", "x": 0, "y": y, "width": BUDGET_WIDTH, "height": HEIGHT,
        "properties": {
            "title": f"{title}: error budget remaining (%)",
            "view": "singleValue", "region": region, "setPeriodToTimeRange": True,
            "start": f"-P{slo.window // 86400}D", "singleValueFullPrecision": False,
            "metrics": [[{"expression": budget_remaining_expression(slo), "label": "Budget remaining (%)",
                          "id": "remaining"}], *hidden],
        },
    }
    annotations = []
    if slo.page_rules:
        annotations.append({"label": f"page ({format_number(slo.page_rules[0][0].factor)}x)",
                            "value": slo.page_rules[0][0].factor, "color": "#d62728"})
    if slo.ticket_rules:
        annotations.append({"label": f"ticket ({format_number(slo.ticket_rules[-1][0].factor)}x)",
                            "value": slo.ticket_rules[-1][0].factor, "color": "#ff7f0e"})
    burn = {
        "type": "metric", "x": BUDGET_WIDTH, "y": y, "width": BURN_WIDTH, "height": HEIGHT,
        "properties": {
            "title": f"{title}: burn rate (x budget, hourly)",
            "view": "timeSeries", "region": region, "period": BURN_PERIOD, "stacked": False, "start": "-P7D",
            "metrics": [[{"expression": burn_rate_expression(slo), "label": "Burn rate", "id": "burn"}], *hidden],
            "annotations": {"horizontal": annotations},
            "yAxis": {"left": {"min": 0, "showUnits": False}},
        },
    }
    return [budget, burn]


def slo_child_alarms(slo: SloPlan) -> set[str]:
    """The full names of an SLO's silent child alarms (traffic guard and burn conditions): dashboards show the
    SLO's error budget and its page and ticket composites instead of these."""
    names = {slo.guard_alarm}
    for rules in (slo.page_rules, slo.ticket_rules):
        for short, long in rules:
            names.update((short.alarm, long.alarm))
    return names


def _metric(query: MetricQuery) -> list[Any]:
    dimensions = [part for pair in query.dimensions for part in pair]
    return [query.namespace, query.metric, *dimensions, {"id": query.id, "stat": query.stat, "visible": False}]

