"""`vigil slo simulate`: run an SLO's generated burn-rate alarms through the minute-by-minute evaluator
(vigil/review/slo_eval.py) over standard scenarios, and say (and draw) when its page and ticket fire.

Every scenario starts with three days of healthy traffic (errors at a tenth of the budget rate), so that every
window, up to the ticket's 3 days, is full when the incident begins; times are reported from its start.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigil.plan.model import ServicePlan, SloPlan
from vigil.review.slo_eval import Evaluator, Result, evaluate_expression, slo_alarms, slo_data
from vigil.spec.durations import words
from vigil.spec.types import format_number

MINUTES_PER_HOUR = 60
HISTORY = 3 * 24 * MINUTES_PER_HOUR
"""Minutes of healthy traffic before each incident: the longest burn window (the ticket's 3 days)."""
HEALTHY = 0.1
"""The healthy error ratio, as a share of the error budget."""
REQUESTS_PER_MINUTE = 1000.0
"""Traffic of the scenarios (the low-traffic one aside); raised when an SLO's guard needs more."""


@dataclass(frozen=True)
class Scenario:
    """A standard incident: `ratio(slo)` is the error ratio during it, for `minutes`; `after` minutes of healthy
    traffic follow. `per_minute(slo)` overrides the traffic (requests per minute) of the whole run."""

    key: str
    title: str
    ratio: Callable[[SloPlan], float]
    minutes: int
    after: int
    per_minute: Callable[[SloPlan], float] | None = None


def _hours(slo: SloPlan) -> float:
    return slo.window / 3600


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("sudden-outage", "sudden outage: every request fails for 30 minutes", lambda slo: 1.0, 30, 150),
    Scenario("budget-2pct-1h", "2% of the error budget burnt in one hour",
             lambda slo: min(1.0, 0.02 * _hours(slo) * slo.budget), 60, 180),
    Scenario("slow-leak-3d", "slow leak: errors at 1.5x the budget rate for three days",
             lambda slo: min(1.0, 1.5 * slo.budget), 3 * 24 * MINUTES_PER_HOUR, 6 * MINUTES_PER_HOUR),
    Scenario("short-spike", "short spike: 4 minutes at 100x the budget rate",
             lambda slo: min(1.0, 100 * slo.budget), 4, 180),
    Scenario("low-traffic", "low traffic: half the guard's events an hour, every one failing, for a day",
             lambda slo: 1.0, 24 * MINUTES_PER_HOUR, 0, per_minute=lambda slo: slo.min_requests / 2 / 60),
)


@dataclass(frozen=True)
class Timeline:
    """One scenario's run: per minute from the start of the history, requests and failed events, the alarms'
    states (`result`), and the burn rate (x budget) each burn-window alarm measured, by alarm name. `start` is
    the minute the incident begins; `page` and `ticket` the minutes their alarms notified."""

    scenario: Scenario
    slo: SloPlan
    requests: list[float]
    bad: list[float]
    start: int
    result: Result
    burn: dict[str, list[float | None]]
    page: list[int]
    ticket: list[int]

    def summary(self) -> str:
        """E.g. `sudden-outage: page after 2 min; ticket never`."""
        def when(minutes: list[int], alarm: str | None) -> str:
            if alarm is None:
                return "disabled"
            if not minutes and "ALARM" in self.result.states[alarm] and alarm == self.slo.ticket_alarm:
                return "never (in ALARM, suppressed by the page)"
            if not minutes:
                return "never"
            return "after " + ", ".join(_offset(m - self.start) for m in minutes)
        return (f"{self.scenario.key}: page {when(self.page, self.slo.page_alarm)}; "
                f"ticket {when(self.ticket, self.slo.ticket_alarm)}")


def simulate(service: ServicePlan, slo: SloPlan, scenario: Scenario) -> Timeline:
    """Evaluate the SLO's alarms minute by minute over `scenario`."""
    rate = scenario.per_minute(slo) if scenario.per_minute else max(REQUESTS_PER_MINUTE, slo.min_requests / 6)
    ratio = scenario.ratio(slo)
    healthy = HEALTHY * slo.budget
    ratios = [healthy] * HISTORY + [ratio] * scenario.minutes + [healthy] * scenario.after
    if scenario.per_minute:
        ratios = [ratio] * len(ratios)
    requests = [rate] * len(ratios)
    bad = [rate * r for r in ratios]
    alarms = slo_alarms(service.alarms, slo)
    evaluator = Evaluator(alarms, slo_data(slo, requests, bad, _roles(slo)))
    result = evaluator.run()
    burns = [a for a in alarms if any(a.name == b.alarm for pair in (*slo.page_rules, *slo.ticket_rules)
                                      for b in pair)]
    first = max(1, HISTORY - 2 * MINUTES_PER_HOUR)
    burn = {a.name: [None] * first + [_over_budget(evaluator.datapoint(a, t), slo)
                                      for t in range(first, len(ratios) + 1)] for a in burns}
    return Timeline(scenario, slo, requests, bad, HISTORY, result, burn,
                    result.notified(slo.page_alarm) if slo.page_alarm else [],
                    result.notified(slo.ticket_alarm) if slo.ticket_alarm else [])


def _over_budget(value: float | None, slo: SloPlan) -> float | None:
    return None if value is None else value / slo.budget


_ERRORS_FORM = re.compile(r"^\((?P<errors>.*)\) / \((?P<total>.*)\)$")
_GOOD_FORM = re.compile(r"^\(\((?P<total>.*)\) - \((?P<good>.*)\)\) / \((?P<total2>.*)\)$")
_ID = re.compile(r"\b[a-z][a-zA-Z0-9_]*\b")


def _roles(slo: SloPlan) -> dict[str, tuple[str, float]] | None:
    """What each metric of a `math` SLO counts, for the synthetic data: a metric in the errors (or good)
    expression counts those events, a metric only in the total counts the rest; metrics sharing a role share its
    events evenly. None for the other forms, whose metric ids are their roles. The guess is checked by computing
    the SLO's own error ratio and total from it; ValueError when they do not come out."""
    ids = {m.id for m in slo.metrics}
    if ids <= {"errors", "good", "total"}:
        return None
    good = _GOOD_FORM.match(slo.ratio_expression)
    errors = _ERRORS_FORM.match(slo.ratio_expression)
    numerator, role, rest = ((good["good"], "good", "errors") if good else
                             (errors["errors"], "errors", "good") if errors else ("", "", ""))
    counted = {i for i in _ID.findall(numerator) if i in ids}
    others = ids - counted
    roles = {i: (role, 1 / len(counted)) for i in counted}
    total_only = {i for i in _ID.findall(slo.total_expression) if i in others}
    if total_only and counted & set(_ID.findall(slo.total_expression)):
        roles |= {i: (rest, 1 / len(total_only)) for i in total_only}  # total = counted + the rest
    elif others:
        roles |= {i: ("total", 1 / len(others)) for i in others}
    requests, failed = 1000.0, 250.0
    events = {"errors": failed, "good": requests - failed, "total": requests}
    values: dict[str, float | None] = {i: events[r] * share for i, (r, share) in roles.items()}
    ratio = evaluate_expression(slo.ratio_expression, values)
    total = evaluate_expression(slo.total_expression, values)
    if ratio is None or total is None or abs(ratio - failed / requests) > 1e-9 or abs(total - requests) > 1e-6:
        raise ValueError(f"cannot simulate SLO {slo.key}: its metrics cannot be fed from one count of failed and "
                         f"total events (error ratio {slo.ratio_expression})")
    return roles


def _offset(minutes: int) -> str:
    """`5 min`, `1 h`, `46 h 20 min`."""
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    if minutes < 2 * MINUTES_PER_HOUR:
        return f"{sign}{minutes} min" if minutes % 60 else f"{sign}{minutes // 60} h"
    hours, rest = divmod(minutes, MINUTES_PER_HOUR)
    return f"{sign}{hours} h" + (f" {rest} min" if rest else "")


# Drawing ---------------------------------------------------------------------------------------------------------

_WINDOW_COLOURS = ("#0969da", "#8250df", "#bf3989", "#1a7f37", "#9a6700", "#cf222e", "#57606a", "#0a3069")


def draw(timeline: Timeline, service: str, path: Path) -> None:
    """A PNG (matplotlib, Agg backend) of one timeline in three panels sharing the time axis (hours from the
    incident's start): the error ratio, each burn window's rate in multiples of the budget with the page and
    ticket factors, and when the page and ticket alarms are in ALARM and notify."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    slo = timeline.slo
    first = max(0, timeline.start - 2 * MINUTES_PER_HOUR)
    hours = [(t - timeline.start) / MINUTES_PER_HOUR for t in range(first, len(timeline.requests))]
    figure, (errors, burns, alerts) = pyplot.subplots(
        3, 1, figsize=(9, 6.2), sharex=True, gridspec_kw={"height_ratios": [2, 3, 1.2]})
    figure.suptitle(f"{service}/{slo.key}: {format_number(slo.objective)}% over {words(slo.window)}. "
                    f"{timeline.scenario.title[0].upper()}{timeline.scenario.title[1:]}", fontsize=10)

    ratio = [100 * b / r if r else 0.0 for r, b in zip(timeline.requests[first:], timeline.bad[first:], strict=True)]
    errors.plot(hours, ratio, color="#cf222e", linewidth=1.2)
    errors.axhline(100 * slo.budget, color="#57606a", linestyle=":", linewidth=1)
    errors.set_ylabel("errors (%)", fontsize=8)
    errors.text(hours[0], 100 * slo.budget, " budget rate", fontsize=7, va="bottom", color="#57606a")

    factors: dict[float, str] = {}
    for index, (name, series) in enumerate(sorted(timeline.burn.items(), key=lambda item: _window_of(slo, item[0]))):
        window, alert = _window_of(slo, name)
        shown = [(h, v) for h, v in zip(hours, [*series[first + 1:], None], strict=False) if v is not None and v > 0]
        if shown:
            burns.plot([h for h, _ in shown], [v for _, v in shown], linewidth=1,
                       color=_WINDOW_COLOURS[index % len(_WINDOW_COLOURS)], label=f"{words(window)} ({alert})")
    for pair, alert in [(p, "page") for p in slo.page_rules] + [(p, "ticket") for p in slo.ticket_rules]:
        factors.setdefault(pair[0].factor, alert)
    for factor, alert in factors.items():
        burns.axhline(factor, color="#cf222e" if alert == "page" else "#9a6700", linestyle="--", linewidth=0.8)
        burns.text(hours[-1], factor, f"{format_number(factor)}x {alert} ", fontsize=7, ha="right", va="bottom")
    burns.set_yscale("log")
    burns.set_ylabel("burn rate (x budget)", fontsize=8)
    burns.legend(fontsize=7, ncol=4, loc="upper left")

    rows = [(slo.page_alarm, "page", timeline.page), (slo.ticket_alarm, "ticket", timeline.ticket)]
    for row, (alarm, label, notified) in enumerate(rows):
        if alarm is None:
            alerts.text(hours[0], row, f"  {label} disabled", fontsize=7, va="center")
            continue
        states = [*timeline.result.states[alarm][first + 1:], None]
        spans = _alarm_spans(states)
        alerts.broken_barh([(hours[a], hours[min(b, len(hours) - 1)] - hours[a] or 1 / 60) for a, b in spans],
                           (row - 0.3, 0.6), color="#cf222e" if label == "page" else "#9a6700")
        for minute in notified:
            at = (minute - timeline.start) / MINUTES_PER_HOUR
            alerts.plot([at], [row], marker="v", color="black", markersize=6)
            alerts.annotate(f"notifies at +{_offset(minute - timeline.start)}", (at, row), fontsize=7,
                            xytext=(4, 6), textcoords="offset points")
    alerts.set_yticks([0, 1], ["page", "ticket"], fontsize=8)
    alerts.set_ylim(-0.7, 1.7)
    alerts.set_xlabel("hours from the start of the incident", fontsize=8)
    for axis in (errors, burns, alerts):
        axis.tick_params(labelsize=7)
        axis.axvline(0, color="#57606a", linewidth=0.6)
        axis.grid(alpha=0.3)
    figure.text(0.01, 0.005, timeline.summary(), fontsize=8)
    figure.tight_layout(rect=(0, 0.02, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    save_small_png(figure, path)
    pyplot.close(figure)


def save_small_png(figure: Any, path: Path, dpi: int = 72) -> None:
    """Save a matplotlib figure as a PNG of at most 64 colours (a third of the bytes of a full-colour one, so
    that the images committed to the repository and attached to pull requests stay small)."""
    from PIL import Image

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.convert("RGB").quantize(colors=64).save(path, format="PNG", optimize=True)


def _window_of(slo: SloPlan, alarm: str) -> tuple[int, str]:
    for alert, rules in (("page", slo.page_rules), ("ticket", slo.ticket_rules)):
        for pair in rules:
            for burn in pair:
                if burn.alarm == alarm:
                    return burn.window, alert
    return 0, ""


def _alarm_spans(states: list[str | None]) -> list[tuple[int, int]]:
    spans, start = [], None
    for index, state in enumerate(states):
        if state == "ALARM" and start is None:
            start = index
        elif state != "ALARM" and start is not None:
            spans.append((start, index))
            start = None
    if start is not None:
        spans.append((start, len(states) - 1))
    return spans


def find_slo(service: ServicePlan, key: str) -> SloPlan | None:
    """The SLO `key` of a service plan, if it has one in that environment."""
    return next((slo for slo in service.slos if slo.key == key), None)


def scenario_named(key: str) -> Scenario:
    """The standard scenario `key`; ValueError naming the known ones otherwise."""
    for scenario in SCENARIOS:
        if scenario.key == key:
            return scenario
    raise ValueError(f"no scenario {key}; known: {', '.join(s.key for s in SCENARIOS)}")

