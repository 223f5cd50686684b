"""SLOs: burn-rate alarm plans (thresholds = factor x budget, rules, guard, suppressor), the proof by evaluation
against synthetic traffic that they page and ticket when they should, and spec errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import AVAILABILITY_SLO, SpecRepo
from vigil.plan.model import AlarmPlan, ServicePlan, SloPlan
from vigil.plan.resolve import plan_workspace
from vigil.plan.slo import burn_factor
from vigil.review.slo_eval import Evaluator, Result, slo_alarms, slo_data
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

SVC = "alarm_specs/coaching.yaml"
HEADER = ("version: 1\nservice: coaching\nowner: coaching-team\nrunbook: https://runbooks.example.com/coaching\n"
          "defaults: {namespace: PurposePath/Coaching, dimensions: {Service: Coaching}}\n")
SLOS = HEADER + "slos:\n" + AVAILABILITY_SLO + """\
  latency:
    objective: 95
    window: 28d
    latency: {metric: APILatency, below: 2000}
  good-share:
    objective: 99.5
    window: 7d
    good: {metric: Good, stat: Sum}
    total: {metric: RequestCount, stat: Sum}
    min_requests: 500
    page: {severity: warning}
    ticket: {severity: info}
  math-errors:
    objective: 99.9
    window: 30d
    math:
      metrics:
        e5xx: {metric: Http5xx, stat: Sum}
        e4xx: {metric: Http429, stat: Sum}
        requests: {metric: RequestCount, stat: Sum}
      errors: FILL(e5xx, 0) + FILL(e4xx, 0)
      total: requests
    min_requests: 50
  math-guard:
    objective: 99
    window: 30d
    math:
      metrics:
        ok: {metric: Ok, stat: Sum}
        failed: {metric: Failed, stat: Sum}
      good: ok
      total: ok + failed
"""
MINUTES_PER_DAY = 1440
RATE = 1000.0
"""Requests per minute of the synthetic traffic."""


def _service(spec_repo: SpecRepo, text: str = SLOS, env: str = "prod") -> ServicePlan:
    plan = plan_workspace(read_sources(spec_repo({SVC: text}, service=None)), only=[env])
    [service] = plan.environments[0].services
    return service


@pytest.fixture
def service(spec_repo: SpecRepo) -> ServicePlan:
    return _service(spec_repo)


def _slo(service: ServicePlan, key: str) -> SloPlan:
    return next(s for s in service.slos if s.key == key)


def _alarm(service: ServicePlan, key: str) -> AlarmPlan:
    return next(a for a in service.alarms if a.key == key)


@pytest.mark.parametrize(("key", "window", "factors"), [
    ("availability", 30, (14.4, 6.0, 3.0, 1.0)),
    ("latency", 28, (13.44, 5.6, 2.8, 0.933333)),
    ("good-share", 7, (3.36, 1.4, 0.7, 0.233333)),
])
def test_every_burn_threshold_is_factor_times_budget(service: ServicePlan, key: str, window: int,
                                                     factors: tuple[float, ...]) -> None:
    slo = _slo(service, key)
    assert slo.window == window * 86400
    burns = [pair for pair in (*slo.page_rules, *slo.ticket_rules)]
    assert [pair[0].factor for pair in burns] == pytest.approx(factors)
    assert [(pair[0].window, pair[1].window) for pair in burns] == [(300, 3600), (1800, 21600), (7200, 86400),
                                                                    (21600, 259200)]
    for pair in burns:
        for burn in pair:
            alarm = next(a for a in service.alarms if a.name == burn.alarm)
            assert math.isclose(alarm.threshold or 0, burn.factor * (1 - slo.objective / 100), rel_tol=1e-9)
            assert alarm.operator == "GreaterThanOrEqualToThreshold"
            assert alarm.period == burn.window and alarm.evaluation_periods == 1
            assert {m.period for m in alarm.metrics} == {burn.window}
            assert not alarm.actions_enabled and alarm.alarm_actions == () and alarm.ok_actions == ()
            assert alarm.missing_data == "notBreaching"


def test_factor_is_the_share_of_the_budget_spent_over_the_long_window() -> None:
    assert burn_factor(0.02, 3600, 30 * 86400) == 14.4
    assert burn_factor(0.05, 6 * 3600, 30 * 86400) == 6
    assert burn_factor(0.10, 86400, 30 * 86400) == 3
    assert burn_factor(0.10, 3 * 86400, 30 * 86400) == 1


def test_ratio_expressions_and_metrics_per_form(service: ServicePlan) -> None:
    availability = _alarm(service, "slo-availability-burn-5m-page")
    assert availability.expression == "FILL(errors, 0) / total"
    assert [(m.id, m.metric, m.stat, m.dimensions) for m in availability.metrics] == [
        ("errors", "Errors", "Sum", (("Service", "Coaching"),)),
        ("total", "RequestCount", "Sum", (("Service", "Coaching"),))]
    latency = _alarm(service, "slo-latency-burn-1h-page")
    assert latency.expression == "1 - good / 100"
    assert [(m.id, m.metric, m.stat) for m in latency.metrics] == [("good", "APILatency", "PR(:2000)"),
                                                                    ("total", "APILatency", "SampleCount")]
    assert _alarm(service, "slo-good-share-burn-3d-ticket").expression == "(total - good) / total"


def test_page_and_ticket_composites_with_guard_and_suppressor(service: ServicePlan) -> None:
    page, ticket = _alarm(service, "slo-availability-page"), _alarm(service, "slo-availability-ticket")
    n = "prod-coaching-slo-availability-"
    assert page.rule == (f'ALARM("{n}traffic") AND ((ALARM("{n}burn-5m-page") AND ALARM("{n}burn-1h-page")) OR '
                         f'(ALARM("{n}burn-30m-page") AND ALARM("{n}burn-6h-page")))')
    assert ticket.rule == (f'ALARM("{n}traffic") AND ((ALARM("{n}burn-2h-ticket") AND ALARM("{n}burn-1d-ticket")) '
                           f'OR (ALARM("{n}burn-6h-ticket") AND ALARM("{n}burn-3d-ticket")))')
    assert page.severity == "critical" and page.alarm_actions == ("vigil-prod-critical",)
    assert ticket.severity == "warning" and ticket.alarm_actions == ("vigil-prod-warning",)
    assert ticket.actions_suppressor == page.name and page.actions_suppressor is None
    assert ticket.suppressor_wait_period == 120 and ticket.suppressor_extension_period == 3600
    guard = _alarm(service, "slo-availability-traffic")
    assert guard.metric is not None and guard.metric.metric == "RequestCount" and guard.metric.period == 3600
    assert guard.threshold == 100 and guard.operator == "GreaterThanOrEqualToThreshold"
    assert not guard.actions_enabled
    assert _alarm(service, "slo-latency-traffic").metric.stat == "SampleCount"  # type: ignore[union-attr]


def test_severities_are_overridable(service: ServicePlan) -> None:
    assert _alarm(service, "slo-good-share-page").alarm_actions == ("vigil-prod-warning",)
    assert _alarm(service, "slo-good-share-ticket").alarm_actions == ("vigil-prod-info",)
    assert _alarm(service, "slo-good-share-ticket").ok_actions == ()
    assert _alarm(service, "slo-good-share-traffic").threshold == 500


# The proof: evaluate the generated alarms over synthetic traffic (availability, 99.9% over 30 days).

def _run(service: ServicePlan, key: str, bad: list[float], requests: list[float] | None = None) -> Result:
    slo = _slo(service, key)
    requests = requests or [RATE] * len(bad)
    return Evaluator(slo_alarms(service.alarms, slo), slo_data(slo, requests, bad)).run()


def _burn(rate: float, minutes: int, budget: float = 0.001, requests: float = RATE) -> list[float]:
    return [rate * budget * requests] * minutes


QUIET = MINUTES_PER_DAY * 3
"""Three days of error-free traffic before each incident, so that every window is full."""
PAGE, TICKET = "prod-coaching-slo-availability-page", "prod-coaching-slo-availability-ticket"


def test_spending_2_percent_of_the_budget_in_10_minutes_pages_within_10_minutes(service: ServicePlan) -> None:
    # 2% of a 30-day budget in 10 minutes is a burn rate of 14.4 x 6 = 86.4; 90x spends 2.08%.
    result = _run(service, "availability", [0.0] * QUIET + _burn(90, 10) + [0.0] * 120)
    [paged] = result.notified(PAGE)
    assert QUIET < paged <= QUIET + 10
    assert result.notified(TICKET) == []  # the ticket's conditions hold too, but the page suppresses it


def test_burning_at_the_page_rate_pages_when_the_hour_has_spent_2_percent(service: ServicePlan) -> None:
    # 14.5x for an hour spends just over 2% of the budget: the 1 h window reaches 14.4x after ~59.6 minutes.
    result = _run(service, "availability", [0.0] * QUIET + _burn(14.5, 90))
    assert result.notified(PAGE) == [QUIET + 60]


def test_a_full_outage_pages_within_two_minutes(service: ServicePlan) -> None:
    result = _run(service, "availability", [0.0] * QUIET + [RATE] * 10)
    assert result.notified(PAGE)[0] <= QUIET + 2


def test_a_steady_half_burn_never_alerts(service: ServicePlan) -> None:
    result = _run(service, "availability", _burn(0.5, MINUTES_PER_DAY * 6))
    assert result.notifications == []
    assert "ALARM" not in result.states[PAGE] + result.states[TICKET]


def test_a_1_5x_burn_over_3_days_opens_a_ticket_and_never_pages(service: ServicePlan) -> None:
    result = _run(service, "availability", [0.0] * QUIET + _burn(1.5, MINUTES_PER_DAY * 3))
    assert "ALARM" not in result.states[PAGE]
    [ticket] = result.notified(TICKET)
    # the 3-day window reaches 1x after 2 days at 1.5x (the 6 h window after 4 hours); +2 minutes of wait period
    assert ticket == QUIET + 2 * MINUTES_PER_DAY + 2


def test_a_spike_shorter_than_the_short_window_does_not_page(service: ServicePlan) -> None:
    # 4 minutes of 10% errors (100x): the 5 m and 30 m windows breach, the 1 h and 6 h windows do not.
    result = _run(service, "availability", [0.0] * QUIET + _burn(100, 4) + [0.0] * 600)
    assert "ALARM" in result.states["prod-coaching-slo-availability-burn-5m-page"]
    assert "ALARM" not in result.states["prod-coaching-slo-availability-burn-1h-page"]
    assert result.notifications == []


def test_traffic_below_the_guard_never_alerts(service: ServicePlan) -> None:
    # one request a minute (60 an hour, under min_requests 100), every one failing, for 4 days
    requests = [1.0] * (MINUTES_PER_DAY * 4)
    result = _run(service, "availability", list(requests), requests)
    assert "ALARM" in result.states["prod-coaching-slo-availability-burn-1h-page"]
    assert result.notifications == []
    assert set(result.states["prod-coaching-slo-availability-traffic"][1:]) == {"OK"}


def test_no_traffic_is_not_breaching(service: ServicePlan) -> None:
    result = _run(service, "availability", [0.0] * 600, [0.0] * 600)
    assert result.notifications == []
    assert set(result.states["prod-coaching-slo-availability-burn-5m-page"][1:]) == {"OK"}


def test_a_latency_burn_pages_through_the_percentile_rank_statistic(service: ServicePlan) -> None:
    # 95% objective over 28 days: budget 5%; half the requests slow is a 10x burn, over the 5.6x of 30m/6h
    slow = [0.0] * QUIET + [RATE / 2] * 400
    result = _run(service, "latency", slow)
    paged = result.notified("prod-coaching-slo-latency-page")
    assert len(paged) == 1 and QUIET < paged[0] <= QUIET + 400
    assert result.notified("prod-coaching-slo-latency-ticket") == []


def test_the_ticket_notifies_when_the_page_does_not_fire(service: ServicePlan) -> None:
    # good/total form, 99.5% over 7 days, ticket routed to info: 1x burn for 4 days opens it (factor 0.233)
    result = _run(service, "good-share", [0.0] * QUIET + _burn(1.0, MINUTES_PER_DAY * 2, budget=0.005))
    assert result.notified("prod-coaching-slo-good-share-page") == []
    assert len(result.notified("prod-coaching-slo-good-share-ticket")) == 1


# Spec errors: file, line, field, message.

def _problems(spec_repo: SpecRepo, slos: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        plan_workspace(read_sources(spec_repo({SVC: HEADER + "slos:\n" + slos}, service=None)))
    return sorted({str(p) for p in caught.value.problems})


@pytest.mark.parametrize(("case", "slos", "expected"), [
    ("a window burn-rate alerting does not support",
     "  a: {objective: 99, window: 1d, errors: {metric: E}, total: {metric: T}}\n",
     f"{SVC}:7: slos.a.window: expected 30d, 28d or 7d, got 1d"),
    ("errors without total",
     "  a: {objective: 99, window: 30d, errors: {metric: E}}\n",
     f"{SVC}:7: slos.a.total: required field is missing: errors needs total, e.g. "
     "{metric: RequestCount, stat: Sum}"),
    ("both a metric pair and latency",
     "  a: {objective: 99, window: 30d, errors: {metric: E}, total: {metric: T}, latency: {metric: L, below: 1}}\n",
     f"{SVC}:7: slos.a: expected exactly one of errors (with total), good (with total), latency or math, "
     "got errors and latency"),
    ("math naming an undefined metric id",
     "  a: {objective: 99, window: 30d, math: {metrics: {e: {metric: E}, t: {metric: T}}, errors: e + x, total: t}}\n",
     f'{SVC}:7: slos.a.math.errors: unknown metric id "x"; metrics defined: e, t'),
    ("math with both errors and good",
     "  a: {objective: 99, window: 30d, math: {metrics: {e: {metric: E}, t: {metric: T}}, errors: e, good: t, "
     "total: t}}\n",
     f"{SVC}:7: slos.a.math: expected exactly one of errors or good"),
    ("an objective of 100 percent",
     "  a: {objective: 100, window: 30d, errors: {metric: E}, total: {metric: T}}\n",
     f"{SVC}:7: slos.a.objective: expected a number < 100, got 100"),
    ("an objective whose page burn needs more than all events to fail",
     "  a: {objective: 90, window: 30d, errors: {metric: E}, total: {metric: T}}\n",
     f"{SVC}:7: slos.a.objective: an objective of 90% leaves a budget of 10%: the page burn rate 14.4x would "
     "need more than 100% errors; raise the objective or disable the page (page: {enabled: false})"),
    ("a period on an SLO metric",
     "  a: {objective: 99, window: 30d, errors: {metric: E, period: 5m}, total: {metric: T}}\n",
     f"{SVC}:7: slos.a.errors.period: not used by an SLO: each burn window sets its own period"),
    ("an override for an unknown environment",
     "  a: {objective: 99, window: 30d, errors: {metric: E}, total: {metric: T}, env: {qa: {enabled: false}}}\n",
     f'{SVC}:7: slos.a.env.qa: unknown environment "qa"; environments: dev, prod, staging'),
])
def test_spec_errors(spec_repo: SpecRepo, case: str, slos: str, expected: str) -> None:
    assert expected in _problems(spec_repo, slos), case


def test_metric_math_ratio_and_guard(service: ServicePlan) -> None:
    burn = _alarm(service, "slo-math-errors-burn-1h-page")
    assert burn.expression == "(FILL(e5xx, 0) + FILL(e4xx, 0)) / (requests)"
    assert [m.id for m in burn.metrics] == ["e4xx", "e5xx", "requests"]
    guard = _alarm(service, "slo-math-errors-traffic")
    assert guard.metric is not None and guard.metric.metric == "RequestCount" and guard.threshold == 50
    good = _alarm(service, "slo-math-guard-burn-5m-page")
    assert good.expression == "((ok + failed) - (ok)) / (ok + failed)"
    guard = _alarm(service, "slo-math-guard-traffic")
    assert guard.expression == "ok + failed" and {m.period for m in guard.metrics} == {3600}


def test_a_burn_measured_by_metric_math_pages(service: ServicePlan) -> None:
    slo = _slo(service, "math-errors")
    bad = [0.0] * QUIET + _burn(90, 10) + [0.0] * 60
    roles = {"e5xx": ("errors", 0.7), "e4xx": ("errors", 0.3), "requests": ("total", 1.0)}
    data = slo_data(slo, [RATE] * len(bad), bad, roles)
    result = Evaluator(slo_alarms(service.alarms, slo), data).run()
    [paged] = result.notified("prod-coaching-slo-math-errors-page")
    assert QUIET < paged <= QUIET + 10


def test_overrides_disable_and_tune_per_environment(spec_repo: SpecRepo) -> None:
    text = SLOS.replace("    min_requests: 500\n", "    min_requests: 500\n    env: {dev: {enabled: false}, "
                        "staging: {objective: 99}}\n")
    assert [s.key for s in _service(spec_repo, text, "dev").slos] == ["availability", "latency", "math-errors",
                                                                     "math-guard"]
    staging = _slo(_service(spec_repo, text, "staging"), "good-share")
    assert staging.objective == 99 and staging.budget == pytest.approx(0.01)


# `vigil slo simulate` ---------------------------------------------------------------------------------------------


def test_simulate_says_when_page_and_ticket_fire_and_draws_each_scenario(
        spec_repo: SpecRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vigil.cli import main

    root = spec_repo({SVC: HEADER + "slos:\n" + AVAILABILITY_SLO}, service=None)
    out = tmp_path / "timelines"
    assert main(["--root", str(root), "slo", "simulate", "coaching", "availability", "--env", "prod",
                 "--out", str(out), "--scenario", "sudden-outage", "--scenario", "short-spike"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prod coaching/availability: 99.9% over 30 days; page critical, ticket warning"
    assert lines[1].startswith("  sudden-outage: page after 1 min; ticket never (in ALARM, suppressed by the page)")
    assert lines[2].startswith("  short-spike: page never; ticket never  (")
    for name in ("sudden-outage", "short-spike"):
        png = (out / f"prod-coaching-availability-{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and 10_000 < len(png) < 120_000


def test_simulate_names_what_it_cannot_find(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    from vigil.cli import main

    root = spec_repo({SVC: HEADER + "slos:\n" + AVAILABILITY_SLO}, service=None)
    assert main(["--root", str(root), "slo", "simulate", "coaching", "latency"]) == 1
    assert "vigil: no SLO 'latency' of service 'coaching' is enabled in dev, prod, staging" in capsys.readouterr().err


def test_every_standard_scenario_alerts_as_the_method_intends(service: ServicePlan) -> None:
    from vigil.review.slo_simulate import SCENARIOS, simulate

    outcome = {s.key: simulate(service, _slo(service, "availability"), s) for s in SCENARIOS}
    assert 0 < outcome["sudden-outage"].page[0] - outcome["sudden-outage"].start <= 5
    assert 55 <= outcome["budget-2pct-1h"].page[0] - outcome["budget-2pct-1h"].start <= 60
    leak = outcome["slow-leak-3d"]
    assert leak.page == [] and 24 * 60 < leak.ticket[0] - leak.start < 3 * 24 * 60
    assert outcome["short-spike"].result.notifications == []
    assert outcome["low-traffic"].result.notifications == []


@pytest.mark.parametrize("key", ["math-errors", "math-guard"])
def test_simulate_feeds_math_slos_from_their_own_expressions(service: ServicePlan, key: str) -> None:
    from vigil.review.slo_simulate import SCENARIOS, simulate

    outage = simulate(service, _slo(service, key), SCENARIOS[0])
    # 99.9% pages once the hour holds 1.44% errors (a minute of outage); 99% at 14.4% (9 minutes)
    assert [page - outage.start for page in outage.page] == ([1] if key == "math-errors" else [9])
