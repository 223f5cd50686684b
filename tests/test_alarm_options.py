"""Alarms beyond a metric and a condition: labels, source accounts, units, intermediate expressions, anomaly bands
over math, Metrics Insights queries, notify states, actions by ARN, disabled actions, suppressors, low-sample
percentiles. Each is synthesized (cfn-lint clean), read back by verify, diffed, priced, and refused where
CloudWatch would refuse it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SpecRepo
from tests.synth import alarm_by_name, synth_repo
from vigil.live.verify import actual_properties, expected_properties
from vigil.plan.pricing import alarm_lines, load_prices
from vigil.plan.resolve import plan_workspace
from vigil.review.diff import diff_plans
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:remediate"
INCIDENT = "arn:aws:ssm-incidents::123456789012:response-plan/coaching-outage"
OPSITEM = "arn:aws:ssm:us-east-1:123456789012:opsitem:2#CATEGORY=Availability"
RECOVER = "arn:aws:automate:us-east-1:ec2:recover"

PROD = """\
version: 1
name: prod
account: "123456789012"
region: us-east-1
routes: {critical: [team-email], warning: [team-email], info: [team-email]}
channels: {team-email: {type: email, address: oncall@example.com}}
notify: {warning: [alarm, ok, insufficient_data]}
source_accounts: ["210987654321"]
"""

SERVICE = f"""\
version: 1
service: coaching
owner: coaching-team
defaults: {{namespace: Coaching, period: 1m}}
alarms:
  labelled:
    severity: info
    metric: Errors
    stat: p99
    label: Coaching errors
    unit: Count
    evaluate_low_sample_count_percentile: ignore
    threshold: "> 1"
    notify: []
  remote-queue:
    severity: critical
    metric: ApproximateNumberOfMessagesVisible
    namespace: AWS/SQS
    dimensions: {{QueueName: coaching-in}}
    stat: Maximum
    account: "210987654321"
    threshold: "> 100"
    actions: {{alarm: ["{INCIDENT}", "{OPSITEM}"], ok: ["{LAMBDA}"]}}
  error-ratio:
    severity: warning
    expression: IF(total > 100, e / total * 100, 0)
    label: Error %
    expression_period: 1m
    metrics:
      q: {{metric: Queries, stat: Sum, label: Queries}}
      e: {{metric: QueryErrors, stat: Sum, unit: Count}}
      total: {{expression: "FILL(q, 0) + FILL(e, 0)", label: All, period: 1m}}
    threshold: "> 2"
  ratio-anomaly:
    severity: info
    expression: e / q * 100
    metrics:
      q: {{metric: Queries, stat: Sum}}
      e: {{metric: QueryErrors, stat: Sum}}
    anomaly: {{band: 3, direction: above, label: ratio (expected)}}
  hottest-cpu:
    severity: warning
    query: SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId)
    period: 5m
    threshold: "> 90"
    actions_enabled: false
  host-recovery:
    severity: info
    metric: StatusCheckFailed_System
    namespace: AWS/EC2
    dimensions: {{InstanceId: i-0123456789abcdef0}}
    stat: Maximum
    threshold: ">= 1"
    actions: {{alarm: ["{RECOVER}"]}}
  maintenance: {{severity: info, metric: Maintenance, stat: Maximum, threshold: ">= 1", notify: []}}
  degraded:
    severity: critical
    composite: ALARM(remote-queue) OR ALARM(error-ratio)
    suppressor: {{alarm: maintenance, wait: 2m, extension: 5m}}
"""


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("options")
    (root / "environments").mkdir()
    (root / "alarm_specs").mkdir()
    (root / "environments/prod.yaml").write_text(PROD)
    (root / "alarm_specs/coaching.yaml").write_text(SERVICE)
    return root, synth_repo(root, root / "out")


def _alarm(synthesized: tuple[Path, dict[str, dict[str, Any]]], key: str) -> dict[str, Any]:
    return alarm_by_name(synthesized[1]["vigil-prod-coaching"], f"prod-coaching-{key}")


def _topic(value: Any) -> str:
    return value if isinstance(value, str) else value["Fn::Join"][1][-1].rsplit(":", 1)[-1]


def test_a_labelled_metric_is_one_query_with_its_label_unit_and_percentile_evaluation(synthesized: Any) -> None:
    props = _alarm(synthesized, "labelled")
    assert props["Metrics"] == [{"Id": "m1", "Label": "Coaching errors", "ReturnData": True, "MetricStat": {
        "Metric": {"MetricName": "Errors", "Namespace": "Coaching"}, "Period": 60, "Stat": "p99", "Unit": "Count"}}]
    assert props["EvaluateLowSampleCountPercentile"] == "ignore"
    assert "AlarmActions" not in props and "OKActions" not in props  # notify: []


def test_a_source_account_metric_and_actions_by_arn_beside_the_severity_topic(synthesized: Any) -> None:
    props = _alarm(synthesized, "remote-queue")
    (query,) = props["Metrics"]
    assert query["AccountId"] == "210987654321"
    assert [_topic(a) for a in props["AlarmActions"]] == ["vigil-prod-critical", INCIDENT, OPSITEM]
    assert [_topic(a) for a in props["OKActions"]] == ["vigil-prod-critical", LAMBDA]


def test_intermediate_expressions_and_the_expression_period(synthesized: Any) -> None:
    props = _alarm(synthesized, "error-ratio")
    by_id = {q["Id"]: q for q in props["Metrics"]}
    assert by_id["total"] == {"Id": "total", "Expression": "FILL(q, 0) + FILL(e, 0)", "Label": "All", "Period": 60,
                              "ReturnData": False}
    assert by_id["expr"] == {"Id": "expr", "Expression": "IF(total > 100, e / total * 100, 0)", "Label": "Error %",
                             "Period": 60, "ReturnData": True}
    assert by_id["q"]["Label"] == "Queries" and by_id["e"]["MetricStat"]["Unit"] == "Count"
    assert [_topic(a) for a in props["InsufficientDataActions"]] == ["vigil-prod-warning"]  # the environment's notify


def test_an_anomaly_band_around_an_expression(synthesized: Any) -> None:
    props = _alarm(synthesized, "ratio-anomaly")
    band = next(q for q in props["Metrics"] if q["Id"] == props["ThresholdMetricId"])
    assert band == {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(expr, 3)", "Label": "ratio (expected)",
                    "ReturnData": True}
    assert props["ComparisonOperator"] == "GreaterThanUpperThreshold"
    assert next(q for q in props["Metrics"] if q["Id"] == "expr")["ReturnData"] is True


def test_a_metrics_insights_query_with_actions_disabled(synthesized: Any) -> None:
    props = _alarm(synthesized, "hottest-cpu")
    assert props["Metrics"] == [{"Id": "expr", "Expression": 'SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/EC2", '
                                 'InstanceId)', "Label": "hottest-cpu", "Period": 300, "ReturnData": True}]
    assert props["ActionsEnabled"] is False


def test_a_composite_with_an_actions_suppressor_and_an_ec2_action(synthesized: Any) -> None:
    props = _alarm(synthesized, "degraded")
    assert (props["ActionsSuppressor"], props["ActionsSuppressorWaitPeriod"],
            props["ActionsSuppressorExtensionPeriod"]) == ("prod-coaching-maintenance", 120, 300)
    assert _alarm(synthesized, "host-recovery")["AlarmActions"][-1] == RECOVER


def test_templates_are_cfn_lint_clean(synthesized: Any) -> None:
    root, _ = synthesized
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--", *sorted(str(p) for p in (root / "out").glob("*.template.json"))],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_verify_reads_every_option_back(synthesized: Any) -> None:
    root, _ = synthesized
    (environment,) = plan_workspace(read_sources(root)).environments
    for alarm in (a for s in environment.services for a in s.alarms):
        expected = expected_properties(environment, alarm)
        deployed = {**expected, "AlarmName": alarm.name}
        assert actual_properties(deployed, expected) == expected
    queue = next(a for s in environment.services for a in s.alarms if a.key == "remote-queue")
    expected = expected_properties(environment, queue)
    drifted = {**expected, "AlarmActions": expected["AlarmActions"][:1]}
    assert actual_properties(drifted, expected)["AlarmActions"] != expected["AlarmActions"]


def test_diff_and_cost_see_the_options(synthesized: Any, tmp_path: Path) -> None:
    root, _ = synthesized
    base = plan_workspace(read_sources(root))
    changed = tmp_path / "changed"
    (changed / "environments").mkdir(parents=True)
    (changed / "alarm_specs").mkdir()
    (changed / "environments/prod.yaml").write_text(PROD)
    (changed / "alarm_specs/coaching.yaml").write_text(SERVICE.replace("actions_enabled: false",
                                                                       "actions_enabled: true"))
    (environment_diff,) = diff_plans(base, plan_workspace(read_sources(changed)))
    changes = [c for c in environment_diff.changes if "hottest-cpu" in c.subject]
    assert changes and ("actions_enabled", "false", "true") in [tuple(f) for f in changes[0].fields]
    (environment,) = base.environments
    query = next(a for s in environment.services for a in s.alarms if a.key == "hottest-cpu")
    assert sum(line.quantity for line in alarm_lines("coaching", query, load_prices("us-east-1"))) == 1


@pytest.mark.parametrize(("change", "replacement"), [
    ('    account: "210987654321"\n', '    account: "999999999999"\n'),
    ("    actions_enabled: false\n", "    actions_enabled: false\n    suppressor: {alarm: labelled}\n"),
    ('    actions: {alarm: ["', '    actions: {alarm: ["arn:aws:sns:us-east-1:123456789012:other", "'),
    ("      total: {expression: \"FILL(q, 0) + FILL(e, 0)\", label: All, period: 1m}\n",
     "      total: {expression: \"FILL(q, 0) + FILL(total, 0)\", label: All, period: 1m}\n"),
    ("    suppressor: {alarm: maintenance, wait: 2m, extension: 5m}\n",
     "    suppressor: {alarm: nowhere, wait: 2m, extension: 5m}\n"),
    (f'actions: {{alarm: ["{INCIDENT}", "{OPSITEM}"]',
     f'actions: {{alarm: ["{INCIDENT}", "{OPSITEM}", "{LAMBDA}", "{LAMBDA}:1", "{LAMBDA}:2"]'),
], ids=["an account the environment does not read from", "a suppressor on a metric alarm",
        "an SNS topic among the actions by ARN", "an expression that uses itself", "an unknown suppressor",
        "five actions by ARN beside the severity topic"])
def test_options_where_cloudwatch_would_refuse_them(tmp_path: Path, change: str, replacement: str) -> None:
    assert change in SERVICE
    text = SERVICE.replace(change, replacement, 1)
    (tmp_path / "environments").mkdir()
    (tmp_path / "alarm_specs").mkdir()
    (tmp_path / "environments/prod.yaml").write_text(PROD)
    (tmp_path / "alarm_specs/coaching.yaml").write_text(text)
    with pytest.raises(SpecError) as error:
        plan_workspace(read_sources(tmp_path))
    assert len(error.value.problems) == 1, error.value.problems


@pytest.mark.parametrize(("change", "replacement", "message"), [
    ("    stat: p99\n", "    stat: Average\n",
     "alarm_specs/coaching.yaml:12: alarms.labelled.evaluate_low_sample_count_percentile: only for a percentile "
     "statistic like p99; this alarm's statistic is Average"),
    ('    account: "210987654321"\n', '    account: "999999999999"\n',
     "alarm_specs/coaching.yaml:21: alarms.remote-queue.account: account 999999999999 is not a source account of "
     "environment prod (source_accounts: 210987654321)"),
    ("    query: SELECT", "    account: \"210987654321\"\n    query: SELECT",
     "alarm_specs/coaching.yaml:43: alarms.hottest-cpu.account: not used by a query alarm"),
    ("    composite: ALARM(remote-queue) OR ALARM(error-ratio)\n",
     "    composite: ALARM(remote-queue) OR ALARM(error-ratio)\n    label: Degraded\n",
     "alarm_specs/coaching.yaml:59: alarms.degraded.label: not allowed on a composite alarm"),
], ids=["low-sample evaluation on an Average", "an account the environment does not read from",
        "an account on a query", "a label on a composite"])
def test_exact_messages_for_misplaced_options(spec_repo: SpecRepo, change: str, replacement: str,
                                              message: str) -> None:
    assert change in SERVICE
    root = spec_repo({"environments/prod.yaml": PROD, "environments/dev.yaml": None,
                      "environments/staging.yaml": None,
                      "alarm_specs/coaching.yaml": SERVICE.replace(change, replacement, 1)}, service=None)
    with pytest.raises(SpecError) as error:
        plan_workspace(read_sources(root))
    assert [str(p) for p in error.value.problems] == [message]
