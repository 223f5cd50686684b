"""Dashboards: declared ones laid out from rows, generated ones per service, CloudWatch's limits, synthesis."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SERVICE_YAML, SpecRepo
from tests.synth import resources, synth_repo
from vigil.limits import MAX_DASHBOARD_METRICS, MAX_DASHBOARD_WIDGETS
from vigil.plan.model import DashboardPlan, EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

DASH = "dashboards/overview.yaml"
ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"

OVERVIEW_YAML = """\
version: 1
dashboard: coaching-overview
service: coaching
range: 24h
rows:
  - - {type: metric, title: Requests, metrics: [{metric: RequestCount, stat: Sum}], width: 12}
    - {type: alarms, title: Alarms, alarms: [high-error-rate, api-down, high-latency], width: 12}
  - - type: metric
      title: Error rate (%)
      width: 8
      metrics: [{id: errors, metric: Errors, stat: Sum}, {id: requests, metric: RequestCount, stat: Sum}]
      expressions: [{expression: 100 * errors / requests, label: Error rate}]
      annotations: {horizontal: [{value: 5, label: target, fill: above}]}
    - type: metric
      title: Latency and CPU
      width: 8
      view: stacked
      period: 1m
      metrics:
        - {metric: APILatency, stat: p95}
        - {namespace: AWS/ECS, metric: CPUUtilization, dimensions: {ClusterName: c}, axis: right}
      y_axis: {right: {label: CPU (%), min: 0, max: 100}}
    - {type: metric, title: Tokens, width: 8, view: number, metrics: [{metric: LLM_TotalTokens, stat: Sum}]}
  - - {type: text, markdown: "# Runbook\\nSee the wiki.", width: 24}
  - - {type: logs, title: Recent errors, log_groups: ["/aws/lambda/coaching-api-{{ env }}", /other],
       query: "fields @timestamp, @message | filter level = 'error' | limit 20", width: 24}
"""


def plan_env(root: Path, env: str = "prod") -> EnvironmentPlan:
    # strict_lock=False: services of hundreds of alarms need more than one stack, and these specs have no lock
    return plan_workspace(read_sources(root), only=[env], strict_lock=False).environments[0]


def dashboard(plan: EnvironmentPlan, name: str) -> DashboardPlan:
    found = [d for d in (*plan.dashboards, *(d for s in plan.services for d in s.dashboards)) if d.name == name]
    assert len(found) == 1, name
    return found[0]


def widgets(plan: DashboardPlan) -> list[dict[str, Any]]:
    return json.loads(plan.body)["widgets"]


def test_rows_are_laid_out_left_to_right_and_top_to_bottom(spec_repo: SpecRepo) -> None:
    body = json.loads(dashboard(plan_env(spec_repo({DASH: OVERVIEW_YAML})), "prod-coaching-overview").body)
    assert body["start"] == "-P1D"
    placed = [(w["type"], w["x"], w["y"], w["width"], w["height"]) for w in body["widgets"]]
    assert placed == [("metric", 0, 0, 12, 6), ("alarm", 12, 0, 12, 6),
                      ("metric", 0, 6, 8, 6), ("metric", 8, 6, 8, 6), ("metric", 16, 6, 8, 6),
                      ("text", 0, 12, 24, 2), ("log", 0, 14, 24, 6)]


def test_metrics_default_to_the_service_namespace_and_dimensions(spec_repo: SpecRepo) -> None:
    requests, _, error_rate, latency, tokens, _, _ = widgets(dashboard(plan_env(spec_repo({DASH: OVERVIEW_YAML})),
                                                                       "prod-coaching-overview"))
    assert requests["properties"]["metrics"] == [["PurposePath/Coaching", "RequestCount", "Service", "Coaching",
                                                  {"period": 300, "stat": "Sum"}]]
    assert requests["properties"]["view"] == "timeSeries" and requests["properties"]["stacked"] is False
    assert requests["properties"]["region"] == "us-east-1" and requests["properties"]["title"] == "Requests"
    assert tokens["properties"]["view"] == "singleValue"
    assert latency["properties"]["view"] == "timeSeries" and latency["properties"]["stacked"] is True
    assert latency["properties"]["metrics"] == [
        ["PurposePath/Coaching", "APILatency", "Service", "Coaching", {"period": 60, "stat": "p95"}],
        ["AWS/ECS", "CPUUtilization", "ClusterName", "c", {"period": 60, "stat": "Average", "yAxis": "right"}]]
    assert latency["properties"]["yAxis"] == {"right": {"label": "CPU (%)", "min": 0, "max": 100,
                                                        "showUnits": False}}
    assert error_rate["properties"]["annotations"] == {"horizontal": [{"value": 5, "label": "target",
                                                                       "fill": "above"}]}


def test_metrics_used_by_an_expression_are_hidden(spec_repo: SpecRepo) -> None:
    error_rate = widgets(dashboard(plan_env(spec_repo({DASH: OVERVIEW_YAML})), "prod-coaching-overview"))[2]
    metrics = error_rate["properties"]["metrics"]
    assert [m[-1].get("visible") for m in metrics[:2]] == [False, False]
    assert metrics[2] == [{"expression": "100 * errors / requests", "id": "e1", "label": "Error rate"}]
    assert [m[-1]["id"] for m in metrics[:2]] == ["errors", "requests"]


def test_alarm_keys_resolve_in_the_service_and_disabled_ones_are_left_out(spec_repo: SpecRepo) -> None:
    root = spec_repo({DASH: OVERVIEW_YAML})
    prod = widgets(dashboard(plan_env(root), "prod-coaching-overview"))[1]
    assert prod["properties"] == {"title": "Alarms", "alarms": [f"{ARN}prod-coaching-high-error-rate",
                                                                f"{ARN}prod-coaching-api-down",
                                                                f"{ARN}prod-coaching-high-latency"]}
    dev = widgets(dashboard(plan_env(root, "dev"), "dev-coaching-overview"))[1]
    assert dev["properties"]["alarms"] == ["arn:aws:cloudwatch:us-east-1:111111111111:alarm:dev-coaching-"
                                           "high-error-rate", "arn:aws:cloudwatch:us-east-1:111111111111:alarm:"
                                           "dev-coaching-api-down"]


def test_logs_widget_queries_its_named_log_groups(spec_repo: SpecRepo) -> None:
    text, logs = widgets(dashboard(plan_env(spec_repo({DASH: OVERVIEW_YAML}), "staging"),
                                   "staging-coaching-overview"))[-2:]
    assert text["properties"] == {"markdown": "# Runbook\nSee the wiki."}
    assert logs["properties"] == {
        "query": "SOURCE '/aws/lambda/coaching-api-staging' | SOURCE '/other' | fields @timestamp, @message | "
                 "filter level = 'error' | limit 20",
        "region": "us-east-1", "view": "table", "title": "Recent errors"}


def test_dashboard_without_service_gets_its_own_stack(spec_repo: SpecRepo, tmp_path: Path) -> None:
    text = ("version: 1\ndashboard: fleet\nrows:\n  - - {type: alarms, alarms: [coaching/api-down], width: 24}\n"
            "    \n  - - {type: metric, metrics: [{namespace: AWS/Lambda, metric: Errors, stat: Sum}]}\n")
    templates = synth_repo(spec_repo({"dashboards/fleet.yaml": text}), tmp_path, only=["prod"], nag=True)
    [resource] = resources(templates["vigil-prod-dashboards"], "AWS::CloudWatch::Dashboard").values()
    assert resource["Properties"]["DashboardName"] == "prod-fleet"
    body = json.loads(resource["Properties"]["DashboardBody"])
    assert body["widgets"][0]["properties"]["alarms"] == [f"{ARN}prod-coaching-api-down"]
    assert "start" not in body
    names = {r["Properties"]["DashboardName"]
             for r in resources(templates["vigil-prod-coaching"], "AWS::CloudWatch::Dashboard").values()}
    assert names == {"prod-coaching"}
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), "--",
                             *sorted(str(p) for p in tmp_path.glob("*.template.json"))],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def problems(spec_repo: SpecRepo, files: dict[str, str]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        plan_workspace(read_sources(spec_repo(files)), only=["prod"])
    return [str(p) for p in caught.value.problems]


def dash(rows: str, header: str = "service: coaching\n") -> str:
    return f"version: 1\ndashboard: d\n{header}rows:\n{rows}"


CASES = [
    ("a row wider than 24 columns",
     dash("  - - {type: text, markdown: a, width: 16}\n    - {type: text, markdown: b, width: 12}\n"),
     f"{DASH}:5: rows[0]: the widths of this row add up to 28; a row holds 24 columns"),
    ("an unknown widget type",
     dash("  - - {type: graph, metrics: []}\n"),
     f"{DASH}:5: rows[0][0]: unknown type \"graph\"; expected one of 'metric', 'alarms', 'text', 'logs'"),
    ("a widget without type",
     dash("  - - {title: x}\n"),
     f"{DASH}:5: rows[0][0].type: required field is missing; expected one of: metric, alarms, text, logs"),
    ("a misspelt widget field",
     dash("  - - {type: text, markdown: x, widht: 3}\n"),
     f'{DASH}:5: rows[0][0].widht: unknown field; did you mean "width"?'),
    ("a width over 24",
     dash("  - - {type: text, markdown: x, width: 30}\n"),
     f"{DASH}:5: rows[0][0].width: expected a number <= 24, got 30"),
    ("an unknown alarm key",
     dash("  - - {type: alarms, alarms: [api-dwn]}\n"),
     f'{DASH}:5: rows[0][0].alarms[0]: unknown alarm "api-dwn"; alarms of coaching: api-down, high-error-rate, '
     "high-latency, p0, traffic-anomaly"),
    ("an alarm key without a service",
     dash("  - - {type: alarms, alarms: [api-down]}\n", header=""),
     f"{DASH}:4: rows[0][0].alarms[0]: \"api-down\" names no service: write service/key, or set the dashboard's "
     "service"),
    ("an unknown service",
     dash("  - - {type: text, markdown: x}\n", header="service: coachin\n"),
     f'{DASH}:3: service: unknown service "coachin"; services: coaching'),
    ("a metric without namespace and no service",
     dash("  - - {type: metric, metrics: [{metric: M}]}\n", header=""),
     f"{DASH}:4: rows[0][0].metrics[0].namespace: required field is missing: set namespace here, on the widget, "
     "or name a service whose defaults have one"),
    ("an expression naming an unknown metric id",
     dash("  - - {type: metric, metrics: [{id: errors, metric: E}], expressions: [{expression: errors / requets}]}\n"),
     f'{DASH}:5: rows[0][0].expressions[0].expression: unknown metric id "requets"; metric ids of this widget: '
     "errors"),
    ("more alarms than an alarm status widget shows",
     dash("  - - {type: alarms, alarms: [" + ", ".join(f"a{i}" for i in range(101)) + "]}\n"),
     f"{DASH}:5: rows[0][0].alarms: 101 alarms; an alarm status widget shows 100"),
    ("a metric id used twice in one widget",
     dash("  - - {type: metric, metrics: [{id: e, metric: E}], expressions: [{id: e, expression: e * 2}]}\n"),
     f'{DASH}:5: rows[0][0]: metric id "e" is used twice in this widget'),
    ("a graph without metrics",
     dash("  - - {type: metric, title: Empty}\n"),
     f"{DASH}:5: rows[0][0]: expected at least one metric or expression"),
    ("annotations on a single number",
     dash("  - - {type: metric, view: number, metrics: [{metric: M}], annotations: {horizontal: [{value: 1}]}}\n"),
     f"{DASH}:5: rows[0][0].annotations: annotations need a line, stacked or bar view, not number"),
    ("a logs widget without log groups",
     dash("  - - {type: logs, log_groups: [], query: fields @message}\n"),
     f"{DASH}:5: rows[0][0].log_groups: expected at least 1 item, got 0"),
    ("a dashboard whose name is taken by a generated one",
     "version: 1\ndashboard: coaching\nrows:\n  - - {type: text, markdown: x}\n",
     f'{DASH}:2: dashboard: dashboard "prod-coaching" is already defined by the generated dashboard of '
     "alarm_specs/coaching.yaml"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_dashboard_gets_one_exact_message(spec_repo: SpecRepo, text: str, expected: str) -> None:
    assert problems(spec_repo, {DASH: text}) == [expected]


def test_two_files_declaring_the_same_dashboard(spec_repo: SpecRepo) -> None:
    text = dash("  - - {type: text, markdown: x}\n")
    assert problems(spec_repo, {"dashboards/a.yaml": text, "dashboards/b.yaml": text}) == [
        'dashboards/b.yaml:2: dashboard: dashboard "prod-d" is already defined by dashboards/a.yaml']


def test_declared_dashboard_over_the_widget_limit_is_an_error_naming_it(spec_repo: SpecRepo) -> None:
    rows = "".join("  - - {type: text, markdown: x, width: 24}\n" for _ in range(MAX_DASHBOARD_WIDGETS + 1))
    assert problems(spec_repo, {DASH: dash(rows)}) == [
        f'{DASH}:4: rows: dashboard "d" has 501 widgets; CloudWatch allows 500 per dashboard']


def test_declared_dashboard_over_the_metric_limits_is_an_error_naming_it(spec_repo: SpecRepo) -> None:
    metrics = ", ".join(f"{{metric: M{i}}}" for i in range(501))
    rows = f"  - - {{type: metric, metrics: [{metrics}]}}\n"
    assert problems(spec_repo, {DASH: dash(rows)}) == [
        f"{DASH}:5: rows[0][0]: 501 metrics in one widget; CloudWatch allows 500"]
    metrics = ", ".join(f"{{metric: M{i}}}" for i in range(500))
    rows = "".join(f"  - - {{type: metric, metrics: [{metrics}]}}\n" for _ in range(6))
    assert problems(spec_repo, {DASH: dash(rows)}) == [
        f'{DASH}:4: rows: dashboard "d" has 3000 metrics; CloudWatch allows 2500 per dashboard']


# Generated dashboards --------------------------------------------------------------------------------------------


def test_generated_dashboard_has_states_a_graph_per_alarm_and_filter_metrics(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML + (
        "log_groups:\n  /aws/lambda/coaching-api-{{ env }}:\n    existing: true\n    metric_filters:\n"
        "      error-lines: {pattern: '{ $.level = \"error\" }', metric: LogErrors}\n"
        "      by-adapter: {pattern: '{ $.x = 1 }', metric: Failures, namespace: Logs, dimensions: {adapter: $.a}}\n")
    plan = plan_env(spec_repo({"alarm_specs/coaching.yaml": service}))
    [generated] = plan.services[0].dashboards
    assert (generated.key, generated.name, generated.source) == ("Generated", "prod-coaching",
                                                                 "alarm_specs/coaching.yaml")
    header, states, *graphs, filters = widgets(generated)
    assert header["type"] == "text" and header["properties"]["markdown"].startswith("# coaching in prod")
    assert states["type"] == "alarm" and states["width"] == 24
    assert states["properties"]["alarms"] == [f"{ARN}prod-coaching-{k}" for k in
                                              ("api-down", "high-error-rate", "high-latency", "p0",
                                               "traffic-anomaly")]
    by_title = {g["properties"]["title"]: g for g in graphs}
    assert sorted(by_title) == ["api-down", "high-error-rate", "high-latency", "traffic-anomaly"]
    assert [(g["x"], g["y"], g["width"]) for g in graphs] == [(0, 6, 8), (8, 6, 8), (16, 6, 8), (0, 12, 8)]
    api_down = by_title["api-down"]["properties"]
    assert api_down["metrics"] == [["PurposePath/Coaching", "RequestCount", "Service", "Coaching",
                                    {"id": "m1", "label": "RequestCount", "period": 300, "stat": "Sum"}]]
    assert api_down["annotations"] == {"horizontal": [{"label": "critical < 1", "value": 1, "fill": "below"}]}
    error_rate = by_title["high-error-rate"]["properties"]
    assert [m[-1].get("visible") for m in error_rate["metrics"][:2]] == [False, False]
    assert error_rate["metrics"][2] == [{"expression": "100 * errors / requests", "id": "expr",
                                         "label": "high-error-rate"}]
    assert error_rate["annotations"]["horizontal"][0]["value"] == 5
    assert by_title["high-latency"]["properties"]["period"] == 900
    anomaly = by_title["traffic-anomaly"]["properties"]
    assert anomaly["metrics"][1] == [{"expression": "ANOMALY_DETECTION_BAND(m1, 2)", "id": "band",
                                      "label": "expected band"}]
    assert "annotations" not in anomaly
    assert filters["width"] == 24
    assert filters["properties"]["title"] == "/aws/lambda/coaching-api-prod: metric filters"
    assert filters["properties"]["metrics"] == [
        [{"expression": "SEARCH('{Logs,adapter} MetricName=\"Failures\"', 'Sum', 300)", "id": "f1",
          "label": "by-adapter"}],
        ["PurposePath/Coaching", "LogErrors", {"label": "error-lines", "period": 300, "stat": "Sum"}]]
    assert generated.widgets == 7 and generated.metrics == 1 + 3 + 1 + 2 + 2


def test_a_service_can_opt_out_of_its_generated_dashboard(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML.replace("owner: coaching-team\n", "owner: coaching-team\ndashboard: false\n")
    assert plan_env(spec_repo({"alarm_specs/coaching.yaml": service})).services[0].dashboards == ()


def _many_alarms(count: int, metrics_each: int) -> str:
    lines = ["version: 1", "service: coaching", "owner: o", "defaults: {namespace: NS}", "alarms:"]
    for i in range(count):
        if metrics_each == 1:
            lines.append(f'  a{i:04}: {{severity: info, metric: M{i}, threshold: "> 1"}}')
        else:
            ids = [f"m{j}" for j in range(metrics_each)]
            metrics = ", ".join(f"{m}: {{metric: M{i}x{j}}}" for j, m in enumerate(ids))
            lines.append(f'  a{i:04}: {{severity: info, expression: "{" + ".join(ids)}", '
                         f'metrics: {{{metrics}}}, threshold: "> 1"}}')
    return "\n".join(lines) + "\n"


def test_generated_dashboard_is_split_at_the_widget_limit(spec_repo: SpecRepo) -> None:
    plan = plan_env(spec_repo({"alarm_specs/coaching.yaml": _many_alarms(600, 1)}))
    parts = plan.services[0].dashboards
    assert [(d.key, d.name) for d in parts] == [("Generated", "prod-coaching"), ("Generated2", "prod-coaching-2")]
    assert all(d.widgets <= MAX_DASHBOARD_WIDGETS and d.widgets == len(widgets(d)) for d in parts)
    assert parts[0].widgets + 3 > MAX_DASHBOARD_WIDGETS  # the next row of three graphs did not fit
    graphs = [w["properties"]["title"] for d in parts for w in widgets(d) if w["type"] == "metric"]
    assert graphs == [f"a{i:04}" for i in range(600)]  # every alarm once, in order
    states = [w for w in widgets(parts[0]) if w["type"] == "alarm"]
    assert [len(w["properties"]["alarms"]) for w in states] == [100] * 6
    assert [w["properties"]["title"] for w in states][:2] == ["Alarms 1-100 of 600", "Alarms 101-200 of 600"]
    second = widgets(parts[1])
    assert second[0]["properties"]["markdown"].startswith("# coaching in prod (part 2 of 2)")
    assert second[1]["y"] == second[0]["height"]  # each part is laid out from the top


def test_generated_dashboard_is_split_at_the_metric_limit(spec_repo: SpecRepo) -> None:
    plan = plan_env(spec_repo({"alarm_specs/coaching.yaml": _many_alarms(240, 10)}))
    parts = plan.services[0].dashboards
    assert len(parts) == 2
    assert all(d.metrics <= MAX_DASHBOARD_METRICS for d in parts)
    assert sum(d.metrics for d in parts) == 240 * 11
    for part in parts:
        assert part.metrics == sum(len(w["properties"].get("metrics", ())) for w in widgets(part))


def test_slo_rows_count_in_the_limits_and_stay_whole_when_split(spec_repo: SpecRepo) -> None:
    slo = ("slos:\n  availability: {objective: 99.9, window: 30d, errors: {metric: Errors, stat: Sum}, "
           "total: {metric: Requests, stat: Sum}}\n")
    plan = plan_env(spec_repo({"alarm_specs/coaching.yaml": _many_alarms(500, 1) + slo}))
    parts = plan.services[0].dashboards
    # part 1: header, 6 status widgets (500 alarms + page + ticket), the SLO row, 163 rows of graphs
    assert [(d.name, d.kind, d.part, d.parts, d.widgets, d.metrics) for d in parts] == [
        ("prod-coaching", "generated", 1, 2, 1 + 6 + 2 + 489, 3 + 3 + 489),
        ("prod-coaching-2", "generated", 2, 2, 1 + 11, 11)]
    first = widgets(parts[0])
    assert [w["type"] for w in first[:9]] == ["text"] + ["alarm"] * 6 + ["metric", "metric"]
    assert first[7]["properties"]["title"].startswith("availability: 99.9% over 30 d: error budget remaining")
    states = [a for w in first if w["type"] == "alarm" for a in w["properties"]["alarms"]]
    assert len(states) == 502 and states[-2:] == [f"{ARN}prod-coaching-slo-availability-page",
                                                   f"{ARN}prod-coaching-slo-availability-ticket"]
    graphs = [w["properties"]["title"] for d in parts for w in widgets(d)[1:] if w["type"] == "metric"]
    assert graphs[2:] == [f"a{i:04}" for i in range(500)]  # no graph of an SLO's child alarm


def test_a_service_without_its_dashboard_keeps_an_slo_dashboard(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML.replace("owner: coaching-team\n", "owner: coaching-team\ndashboard: false\n") + (
        "slos:\n  availability: {objective: 99.5, window: 28d, errors: {metric: Errors, stat: Sum}, "
        "total: {metric: RequestCount, stat: Sum}}\n")
    [slos] = plan_env(spec_repo({"alarm_specs/coaching.yaml": service})).services[0].dashboards
    assert (slos.key, slos.name, slos.kind, slos.widgets, slos.metrics) == ("Slos", "prod-coaching-slos", "slos",
                                                                            3, 6)
    assert [w["properties"].get("title") for w in widgets(slos)] == [
        None, "availability: 99.5% over 28 d: error budget remaining (%)",
        "availability: 99.5% over 28 d: burn rate (x budget, hourly)"]


def test_a_declared_dashboard_cannot_take_the_slo_dashboards_name(spec_repo: SpecRepo) -> None:
    service = SERVICE_YAML.replace("owner: coaching-team\n", "owner: coaching-team\ndashboard: false\n") + (
        "slos:\n  availability: {objective: 99.5, window: 28d, errors: {metric: Errors, stat: Sum}, "
        "total: {metric: RequestCount, stat: Sum}}\n")
    declared = "version: 1\ndashboard: coaching-slos\nrows:\n  - - {type: text, markdown: hi, width: 24}\n"
    with pytest.raises(SpecError) as error:
        plan_env(spec_repo({"alarm_specs/coaching.yaml": service, DASH: declared}))
    assert [str(p) for p in error.value.problems] == [
        f'{DASH}:2: dashboard: dashboard "prod-coaching-slos" is already defined by the generated dashboard of '
        "alarm_specs/coaching.yaml"]


def test_no_generated_dashboard_for_a_service_with_nothing_to_show(spec_repo: SpecRepo) -> None:
    plan = plan_env(spec_repo({"alarm_specs/coaching.yaml": "version: 1\nservice: coaching\nowner: o\n"}))
    assert plan.services[0].dashboards == ()


# The examples -------------------------------------------------------------------------------------------------


def test_seed_dashboards_are_declared_in_the_examples() -> None:
    plan = plan_env(ROOT)
    declared = {d.name: d for s in plan.services for d in s.dashboards if not d.key.startswith("Generated")}
    assert sorted(declared) == ["prod-coaching-errors", "prod-coaching-overview", "prod-coaching-performance",
                                "prod-omnichannel-integrations", "prod-omnichannel-operations",
                                "prod-sixseven-overview", "prod-wwhd-overview"]
    wwhd = widgets(declared["prod-wwhd-overview"])
    [recent] = [w for w in wwhd if w["type"] == "log"]
    assert recent["properties"]["title"] == "Recent Errors"
    assert recent["properties"]["query"].startswith("SOURCE '/aws/ecs/wwhd-backend/application' | fields")
    overview = wwhd[0]["properties"]
    assert overview["title"] == "Application Overview"
    assert [m[1] for m in overview["metrics"]] == ["RequestCount", "TargetResponseTime", "CPUUtilization",
                                                   "MemoryUtilization"]
    assert overview["metrics"][1][-1]["yAxis"] == "right"
    generated = {s.name: [d.name for d in s.dashboards if d.key.startswith("Generated")] for s in plan.services}
    assert generated == {s.name: [f"prod-{s.name}"] for s in plan.services}
