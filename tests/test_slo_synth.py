"""SLO alarms and dashboards in synthesized templates: thresholds = factor x (1 - objective), children silent,
composites with AND/OR rules and ActionsSuppressor, error-budget rows on the service dashboard (or on their own
when it is opted out); cfn-lint and cdk-nag clean."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AVAILABILITY_SLO, SERVICE_YAML, SpecRepo
from tests.synth import alarm_by_name, resources, synth_repo

SLOS = "slos:\n" + AVAILABILITY_SLO + """\
  api-latency:
    objective: 95
    window: 30d
    latency: {metric: APILatency, below: 2000}
"""
FACTORS = {"5m-page": 14.4, "1h-page": 14.4, "30m-page": 6, "6h-page": 6, "2h-ticket": 3, "1d-ticket": 3,
           "6h-ticket": 1, "3d-ticket": 1}
PERIODS = {"5m": 300, "1h": 3600, "30m": 1800, "6h": 21600, "2h": 7200, "1d": 86400, "3d": 259200}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML, _write

    root = tmp_path_factory.mktemp("slo")
    for name, account in ACCOUNTS.items():
        _write(root / "environments" / f"{name}.yaml", ENVIRONMENT_YAML.format(name=name, account=account))
    _write(root / "alarm_specs" / "coaching.yaml", SERVICE_YAML + SLOS)
    outdir = tmp_path_factory.mktemp("slo-out")
    synth_repo(root, outdir, only=["prod"], nag=True)
    return outdir


@pytest.fixture(scope="module")
def template(out: Path) -> dict[str, Any]:
    return json.loads((out / "vigil-prod-coaching.template.json").read_text())


@pytest.mark.parametrize(("slo", "objective"), [("availability", 99.9), ("api-latency", 95)])
@pytest.mark.parametrize("burn", sorted(FACTORS))
def test_each_child_threshold_is_factor_times_error_budget(template: dict[str, Any], slo: str, objective: float,
                                                           burn: str) -> None:
    alarm = alarm_by_name(template, f"prod-coaching-slo-{slo}-burn-{burn}")
    assert math.isclose(alarm["Threshold"], FACTORS[burn] * (1 - objective / 100), rel_tol=1e-9)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["EvaluationPeriods"] == 1 and alarm["TreatMissingData"] == "notBreaching"
    assert {m["MetricStat"]["Period"] for m in alarm["Metrics"] if "MetricStat" in m} == {PERIODS[burn.split("-")[0]]}
    assert alarm["ActionsEnabled"] is False
    assert "AlarmActions" not in alarm and "OKActions" not in alarm


def test_child_ratio_expression_and_metrics(template: dict[str, Any]) -> None:
    alarm = alarm_by_name(template, "prod-coaching-slo-availability-burn-1h-page")
    assert [m for m in alarm["Metrics"] if m["ReturnData"]] == [
        {"Id": "expr", "Expression": "FILL(errors, 0) / total", "Label": "slo-availability-burn-1h-page",
         "ReturnData": True}]
    latency = alarm_by_name(template, "prod-coaching-slo-api-latency-burn-1h-page")
    stats = {m["Id"]: m["MetricStat"]["Stat"] for m in latency["Metrics"] if "MetricStat" in m}
    assert stats == {"good": "PR(:2000)", "total": "SampleCount"}


def test_guard_counts_the_last_hour(template: dict[str, Any]) -> None:
    guard = alarm_by_name(template, "prod-coaching-slo-availability-traffic")
    assert (guard["MetricName"], guard["Statistic"], guard["Period"], guard["Threshold"]) == (
        "RequestCount", "Sum", 3600, 100)
    assert guard["ActionsEnabled"] is False and "AlarmActions" not in guard


def test_page_and_ticket_composites(template: dict[str, Any]) -> None:
    n = "prod-coaching-slo-availability-"
    page, ticket = alarm_by_name(template, f"{n}page"), alarm_by_name(template, f"{n}ticket")
    assert page["AlarmRule"] == (f'ALARM("{n}traffic") AND ((ALARM("{n}burn-5m-page") AND ALARM("{n}burn-1h-page"))'
                                 f' OR (ALARM("{n}burn-30m-page") AND ALARM("{n}burn-6h-page")))')
    assert page["AlarmActions"][0]["Fn::Join"][1][-1].endswith(":vigil-prod-critical")
    assert ticket["AlarmActions"][0]["Fn::Join"][1][-1].endswith(":vigil-prod-warning")
    assert "ActionsSuppressor" not in page
    assert (ticket["ActionsSuppressor"], ticket["ActionsSuppressorWaitPeriod"],
            ticket["ActionsSuppressorExtensionPeriod"]) == (f"{n}page", 120, 3600)
    composites = {r["Properties"]["AlarmName"]: r for r in
                  resources(template, "AWS::CloudWatch::CompositeAlarm").values()}
    assert len(composites[f"{n}ticket"]["DependsOn"]) == 6  # guard, four children and the page


def _dashboard(template: dict[str, Any], name: str) -> dict[str, Any]:
    [dashboard] = [d for d in resources(template, "AWS::CloudWatch::Dashboard").values()
                   if d["Properties"]["DashboardName"] == name]
    return dashboard


def test_error_budget_rows_are_on_the_service_dashboard(template: dict[str, Any]) -> None:
    names = sorted(d["Properties"]["DashboardName"] for d in resources(template, "AWS::CloudWatch::Dashboard").values())
    assert names == ["prod-coaching"]  # no separate SLO dashboard next to the generated one
    body = json.loads(_dashboard(template, "prod-coaching")["Properties"]["DashboardBody"])
    rows = [(w["type"], w["x"], w["y"], w["width"], w["properties"].get("title")) for w in body["widgets"]]
    assert rows == [
        ("text", 0, 0, 24, None),
        ("alarm", 0, 2, 24, "Alarms"),
        ("metric", 0, 7, 8, "api-latency: 95% over 30 d: error budget remaining (%)"),
        ("metric", 8, 7, 16, "api-latency: 95% over 30 d: burn rate (x budget, hourly)"),
        ("metric", 0, 13, 8, "availability: 99.9% over 30 d: error budget remaining (%)"),
        ("metric", 8, 13, 16, "availability: 99.9% over 30 d: burn rate (x budget, hourly)"),
        ("metric", 0, 19, 8, "api-down"),
        ("metric", 8, 19, 8, "high-error-rate"),
        ("metric", 16, 19, 8, "high-latency"),
        ("metric", 0, 25, 8, "traffic-anomaly"),
    ]  # one row per SLO; its guard and burn alarms are not graphed one by one
    budget, burn = body["widgets"][4:6]
    assert budget["properties"]["metrics"][0] == [{"expression": "100 * (1 - (FILL(errors, 0) / total) / 0.001)",
                                                   "id": "remaining", "label": "Budget remaining (%)"}]
    assert budget["properties"]["setPeriodToTimeRange"] is True and budget["properties"]["start"] == "-P30D"
    assert budget["properties"]["metrics"][1] == ["PurposePath/Coaching", "Errors", "Service", "Coaching",
                                                  {"id": "errors", "stat": "Sum", "visible": False}]
    assert burn["properties"]["annotations"]["horizontal"] == [
        {"color": "#d62728", "label": "page (14.4x)", "value": 14.4},
        {"color": "#ff7f0e", "label": "ticket (1x)", "value": 1}]
    assert "error budget and burn rate of each SLO" in body["widgets"][0]["properties"]["markdown"]


def test_alarm_states_list_the_page_and_ticket_not_the_silent_children(template: dict[str, Any]) -> None:
    body = json.loads(_dashboard(template, "prod-coaching")["Properties"]["DashboardBody"])
    [states] = [w for w in body["widgets"] if w["type"] == "alarm"]
    assert [arn.rsplit(":", 1)[1] for arn in states["properties"]["alarms"]] == [
        "prod-coaching-api-down", "prod-coaching-high-error-rate", "prod-coaching-high-latency",
        "prod-coaching-p0", "prod-coaching-traffic-anomaly", "prod-coaching-slo-api-latency-page",
        "prod-coaching-slo-api-latency-ticket", "prod-coaching-slo-availability-page",
        "prod-coaching-slo-availability-ticket"]


def test_without_a_generated_dashboard_the_slos_keep_their_own(spec_repo: SpecRepo, tmp_path: Path) -> None:
    text = SERVICE_YAML.replace("owner: coaching-team\n", "owner: coaching-team\ndashboard: false\n") + SLOS
    template = synth_repo(spec_repo({"alarm_specs/coaching.yaml": text}), tmp_path, only=["prod"])[
        "vigil-prod-coaching"]
    dashboards = resources(template, "AWS::CloudWatch::Dashboard")
    # the logical id the SLO dashboard had before error budgets moved to the service dashboard: unchanged, so a
    # deployed one is updated in place, not replaced by a namesake (whose cleanup would delete it)
    assert sorted(dashboards) == ["SlosDashboardCA81F702"]
    body = json.loads(dashboards["SlosDashboardCA81F702"]["Properties"]["DashboardBody"])
    assert dashboards["SlosDashboardCA81F702"]["Properties"]["DashboardName"] == "prod-coaching-slos"
    assert [(w["type"], w["y"], w["properties"].get("title")) for w in body["widgets"]] == [
        ("text", 0, None),
        ("metric", 2, "api-latency: 95% over 30 d: error budget remaining (%)"),
        ("metric", 2, "api-latency: 95% over 30 d: burn rate (x budget, hourly)"),
        ("metric", 8, "availability: 99.9% over 30 d: error budget remaining (%)"),
        ("metric", 8, "availability: 99.9% over 30 d: burn rate (x budget, hourly)")]
    assert body["widgets"][0]["properties"]["markdown"] == (
        "# coaching SLOs in prod\nOwner: coaching-team. Generated by vigil from `alarm_specs/coaching.yaml`: the "
        "error budget and burn rate of each SLO.")


def test_cfn_lint_is_clean(out: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--", *sorted(str(p) for p in out.glob("*.template.json"))],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_disabling_the_page_drops_its_children_and_the_suppressor(spec_repo: SpecRepo, tmp_path: Path) -> None:
    text = SERVICE_YAML + SLOS.replace("    window: 30d\n    errors", "    window: 30d\n    page: {enabled: false}\n"
                                                                      "    errors")
    template = synth_repo(spec_repo({"alarm_specs/coaching.yaml": text}), tmp_path, only=["prod"])[
        "vigil-prod-coaching"]
    with pytest.raises(KeyError):
        alarm_by_name(template, "prod-coaching-slo-availability-page")
    with pytest.raises(KeyError):
        alarm_by_name(template, "prod-coaching-slo-availability-burn-5m-page")
    assert "ActionsSuppressor" not in alarm_by_name(template, "prod-coaching-slo-availability-ticket")
