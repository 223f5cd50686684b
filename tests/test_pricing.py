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
    # the anomaly alarm counts 3 alarm metrics; p0 is one composite alarm.
    assert report.by_service() == {"(routing)": pytest.approx(0.30), "coaching": pytest.approx(1.20)}
    assert report.gross == pytest.approx(0.7 + 0.3 + 0.5)
    assert [(x.item, x.quantity) for x in report.free_tier] == [("standard alarm metric", -7)]
    assert report.total == pytest.approx(0.80)
    assert pricing.price_environment(_prod(spec_repo()), free_tier=False).total == pytest.approx(1.50)  # type: ignore[arg-type]


def test_high_resolution_periods_cost_more(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML.replace("    metric: RequestCount\n    stat: Sum\n    threshold: \"< 1\"",
                                   "    metric: RequestCount\n    stat: Sum\n    period: 10s\n    threshold: \"< 1\"")
    report = pricing.price_environment(_prod(spec_repo(service=service)), free_tier=False)  # type: ignore[arg-type]
    assert [(x.item, x.unit_price) for x in report.lines if x.item.startswith("high")] == [
        ("high-resolution alarm metric", 0.30)]
    assert report.total == pytest.approx(1.50 - 0.10 + 0.30)


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
    assert data["prod"]["total"] == 1.5 and data["dev"]["total"] == 1.4  # high-latency is disabled in dev


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
