"""`python -m vigil cost`: the monthly CloudWatch cost of the plan, from the price file."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.conftest import SERVICE_YAML, SpecRepo
from vigil.cli import main
from vigil.plan import pricing
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources


def _prod(root: object) -> object:
    return plan_workspace(read_sources(root), only=["prod"]).environments[0]  # type: ignore[arg-type]


def test_price_file_names_its_region_and_date() -> None:
    prices = pricing.load_prices("us-east-1")
    assert (prices.region, prices.currency, prices.taken) == ("us-east-1", "USD", "2026-11-25")
    assert prices.note == ""
    assert pricing.load_prices("eu-west-1").note == "no price file for eu-west-1; us-east-1 prices used"


def test_design_example_costs_per_alarm_metric(spec_repo: SpecRepo) -> None:
    report = pricing.price_environment(_prod(spec_repo()))  # type: ignore[arg-type]
    # math alarm over 2 metrics (2) + api-down (1) + high-latency (1) + 3 drill alarms = 7 standard metrics;
    # the anomaly alarm counts 3 alarm metrics; p0 is one composite alarm; the generated dashboard is free.
    assert report.by_service() == {"(routing)": pytest.approx(0.30), "coaching": pytest.approx(4.20)}
    assert report.gross == pytest.approx(0.7 + 0.3 + 0.5 + 3.0)
    assert [(x.item, x.quantity) for x in report.free_tier] == [("standard alarm metric", -7), ("dashboard", -1)]
    assert report.total == pytest.approx(0.80)
    assert pricing.price_environment(_prod(spec_repo()), free_tier=False).total == pytest.approx(4.50)  # type: ignore[arg-type]


def test_high_resolution_periods_cost_more(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML.replace("    metric: RequestCount\n    stat: Sum\n    threshold: \"< 1\"",
                                   "    metric: RequestCount\n    stat: Sum\n    period: 10s\n    threshold: \"< 1\"")
    report = pricing.price_environment(_prod(spec_repo(service=service)), free_tier=False)  # type: ignore[arg-type]
    assert [(x.item, x.unit_price) for x in report.lines if x.item.startswith("high")] == [
        ("high-resolution alarm metric", 0.30)]
    assert report.total == pytest.approx(4.50 - 0.10 + 0.30)


def test_other_resource_kinds_price_by_unit() -> None:
    prices = pricing.load_prices("us-east-1")
    assert pricing.custom_metric_cost(10_000, prices) == pytest.approx(3000.0)
    assert pricing.custom_metric_cost(10_001, prices) == pytest.approx(3000.10)
    assert pricing.custom_metric_cost(1_000_001, prices) == pytest.approx(3000 + 24000 + 37500 + 0.02)
    (canary,) = pricing.canary_lines("coaching", 300, prices)
    assert canary.quantity == 8766 and canary.monthly == pytest.approx(10.5192)
    assert pricing.dashboard_lines("coaching", 4, prices)[0].monthly == pytest.approx(12.0)
    lines = pricing.dashboard_lines("a", 4, prices)
    report = pricing.CostReport("prod", "us-east-1", replace(prices), lines)
    report.free_tier = pricing._free_tier(lines, prices)
    assert report.total == pytest.approx(3.0)  # 3 of 4 dashboards are free


def test_cli_cost_formats(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(spec_repo())
    assert main(["--root", root, "cost", "--env", "prod"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Environment prod: 0.80 USD a month (prices for us-east-1 taken 2026-11-25)")
    assert "    1 x composite alarm at 0.5 = 0.50" in out
    assert main(["--root", root, "cost", "--env", "prod", "--format", "markdown"]) == 0
    assert "| **total** | | | | **0.80 USD** |" in capsys.readouterr().out
    assert main(["--root", root, "cost", "--format", "json", "--no-free-tier"]) == 0
    data = {d["environment"]: d for d in json.loads(capsys.readouterr().out)}
    assert data["prod"]["total"] == 4.5 and data["dev"]["total"] == 4.4  # high-latency is disabled in dev


def test_diff_shows_the_cost_change_of_a_pull_request(spec_repo: SpecRepo,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess

    root = spec_repo()
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                       check=True, capture_output=True)
    (root / "alarm_specs" / "coaching.yaml").write_text(SERVICE_YAML.replace(
        "  traffic-anomaly: {severity: info, metric: RequestCount, stat: Sum, anomaly: {band: 2}}\n", ""))
    assert main(["--root", str(root), "diff", "--base", "HEAD", "--env", "prod"]) == 0
    assert capsys.readouterr().out.endswith("cost prod: 0.80 -> 0.50 USD a month (-0.30)\n")
    assert main(["--root", str(root), "diff", "--base", "HEAD", "--env", "prod", "--format", "json"]) == 0
    json.loads(capsys.readouterr().out)  # json output stays one document


BILLING_YAML = """\
version: 1
service: billing
owner: billing-team
dashboard: false
defaults: {namespace: App/Billing}
log_groups:
  /aws/lambda/billing-api:
    existing: true
    metric_filters:
      errors: {pattern: ERROR, metric: LogErrors}
      errors-json: {pattern: '{ $.level = "error" }', metric: LogErrors}
      by-adapter: {pattern: '{ $.adapter = * }', metric: AdapterCalls, dimensions: {Adapter: $.adapter}}
      latency: {pattern: '{ $.latency > 0 }', metric: Latency, value: $.latency, unit: Milliseconds}
  /aws/lambda/billing-worker:
    retention: 14d
    metric_filters:
      errors: {pattern: ERROR, metric: LogErrors}
      other-namespace: {pattern: ERROR, metric: LogErrors, namespace: App/Worker}
canaries:
  health: {url: "https://{{ vars.api_host }}/health", every: 5m, severity: critical}
  checkout: {url: "https://{{ vars.api_host }}/checkout", every: 1m, severity: warning,
             env: {dev: {enabled: false}}}
"""

DASHBOARD_YAML = """\
version: 1
dashboard: {name}
{service}rows:
  - - {{type: text, markdown: "# {name}"}}
"""


def _all_kinds_repo(spec_repo: SpecRepo) -> object:
    return spec_repo({"alarm_specs/billing.yaml": BILLING_YAML,
                      "dashboards/billing-overview.yaml": DASHBOARD_YAML.format(name="billing-overview",
                                                                               service="service: billing\n"),
                      "dashboards/exec.yaml": DASHBOARD_YAML.format(name="exec", service=""),
                      "dashboards/exec-weekly.yaml": DASHBOARD_YAML.format(name="exec-weekly", service="")})


def test_every_kind_is_priced_from_the_plan(spec_repo: SpecRepo) -> None:
    report = pricing.price_environment(_prod(_all_kinds_repo(spec_repo)))  # type: ignore[arg-type]
    billing = sorted((x.item, x.quantity, x.unit_price) for x in pricing._grouped(report.lines)
                     if x.service == "billing")
    assert billing == [
        ("canary run", 43830 + 8766, 0.0012),  # every 1m and every 5m over 30.4375 days
        # App/Billing LogErrors (three filters share it), Latency, AdapterCalls by Adapter; App/Worker LogErrors
        ("custom metric", 4, 0.30),
        ("dashboard", 1, 3.0),  # billing-overview; the generated one is turned off
        ("standard alarm metric", 2, 0.10),  # one failure alarm per canary
    ]
    assert [(x.service, x.item, x.quantity) for x in report.lines if x.service == "(dashboards)"] == [
        ("(dashboards)", "dashboard", 2)]
    assert [(x.item, x.quantity) for x in report.free_tier] == [
        ("standard alarm metric", -9), ("dashboard", -3), ("custom metric", -4), ("canary run", -100)]
    # alarms: coaching 1.20 + drills 0.30 + canary alarms 0.20; dashboards: coaching's generated one, billing's
    # and two environment dashboards = 4; canary runs 52,596; custom metrics 4.
    assert report.gross == pytest.approx(1.20 + 0.30 + 0.20 + 4 * 3.0 + 52596 * 0.0012 + 4 * 0.30)
    assert report.gross == pytest.approx(78.0152)
    assert report.total == pytest.approx(78.0152 - 0.90 - 9.0 - 1.20 - 0.12)
    assert round(report.total, 2) == 66.80
    dev = plan_workspace(read_sources(_all_kinds_repo(spec_repo)), only=["dev"]).environments[0]  # type: ignore[arg-type]
    assert sum(x.quantity for x in pricing.price_environment(dev).lines if x.item == "canary run") == 8766


def test_only_dashboards_of_up_to_50_metrics_are_free(spec_repo: SpecRepo) -> None:
    metrics = ", ".join(f"{{metric: M{i}}}" for i in range(51))
    big = f"version: 1\ndashboard: big\nrows:\n  - - {{type: metric, namespace: X, metrics: [{metrics}]}}\n"
    report = pricing.price_environment(_prod(spec_repo({"dashboards/big.yaml": big})))  # type: ignore[arg-type]
    assert [(x.service, x.quantity) for x in report.lines if x.item == "dashboard"] == [
        ("coaching", 1), ("(dashboards)", 1)]
    assert [(x.item, x.quantity) for x in report.free_tier if x.item == "dashboard"] == [("dashboard", -1)]


def test_price_file_says_where_each_price_came_from() -> None:
    prices = pricing.load_prices("us-east-1")
    priced = {"alarm_metric_standard", "alarm_metric_high_resolution", "anomaly_alarm_metrics", "composite_alarm",
              "dashboard", "custom_metric_tiers", "canary_run", "free_tier"}
    assert set(prices.sources) == priced
    assert "$3.00 per dashboard" in prices.sources["dashboard"]
    assert "$0.0012 per canary run" in prices.sources["canary_run"]
    assert "$0.30 per metric a month for the first 10,000" in prices.sources["custom_metric_tiers"]
    assert (prices.dashboard, prices.canary_run, prices.custom_metric_tiers[0]) == (3.0, 0.0012, (10000, 0.30))


def _commit(root: object) -> None:
    import subprocess

    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                       check=True, capture_output=True)


def test_diff_prices_a_pull_request_that_adds_a_canary(spec_repo: SpecRepo,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    _commit(root)
    (root / "alarm_specs" / "coaching.yaml").write_text(SERVICE_YAML + (
        "canaries:\n  health: {url: \"https://{{ vars.api_host }}/health\", every: 5m, severity: critical}\n"))
    assert main(["--root", str(root), "diff", "--base", "HEAD", "--env", "prod"]) == 0
    # 8,766 runs less 100 free at 0.0012 = 10.3992, and its failure alarm (free: 8 of 10 alarm metrics)
    assert capsys.readouterr().out.endswith("cost prod: 0.80 -> 11.20 USD a month (+10.40)\n")


def test_diff_prices_a_pull_request_that_adds_dashboards(spec_repo: SpecRepo,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({"dashboards/exec.yaml": DASHBOARD_YAML.format(name="exec", service="")})
    _commit(root)
    for name in ("ops", "weekly", "team"):
        (root / "dashboards" / f"{name}.yaml").write_text(DASHBOARD_YAML.format(name=name, service=""))
    assert main(["--root", str(root), "diff", "--base", "HEAD", "--env", "prod"]) == 0
    # 2 dashboards (generated + exec) -> 5: the 4th and 5th are beyond the 3 free ones
    assert capsys.readouterr().out.endswith("cost prod: 0.80 -> 6.80 USD a month (+6.00)\n")
