"""Log groups: retention values, KMS keys, metric filters, saved queries, alarms on filters, retained groups."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SpecRepo
from tests.synth import alarm_by_name, resources, synth_repo
from vigil.plan.resolve import plan_workspace
from vigil.spec.errors import SpecError
from vigil.spec.logs import RETENTION_DAYS, parse_retention
from vigil.spec.workspace import read_sources

SVC = "alarm_specs/coaching.yaml"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/3b2c1d0e-9f8a-4b7c-a6d5-e4f3a2b1c0d9"

LOGS_YAML = f"""\
version: 1
service: coaching
owner: coaching-team
defaults: {{namespace: PurposePath/Coaching, dimensions: {{Service: Coaching}}, period: 5m}}
alarms:
  log-errors: {{severity: warning, filter: error-lines, stat: Sum, threshold: "> 0"}}
  by-adapter:
    severity: info
    filter: failures
    dimensions: {{adapter: slack}}
    stat: Sum
    threshold: "> 3"
log_groups:
  /aws/lambda/coaching-api-{{{{ env }}}}:
    existing: true
    retention: 30d
    metric_filters:
      error-lines: {{pattern: '{{ $.level = "error" }}', metric: LogErrors, value: 1, default_value: 0, unit: Count}}
      failures:
        pattern: '{{ $.event = "integration.failure" }}'
        metric: IntegrationFailures
        namespace: Coaching/Logs
        value: 1
        dimensions: {{adapter: $.adapter}}
    queries:
      recent-errors: "fields @timestamp, @message | filter level = 'error' | sort @timestamp desc | limit 50"
  /aws/ecs/coaching/application:
    retention: 30d
    kms_key: {KEY_ARN}
    metric_filters:
      latency: {{pattern: '[timestamp, request_id, latency > 5000]', metric: SlowRequests, value: $latency,
                unit: Milliseconds}}
    queries:
      slow: "fields @timestamp, latency | filter latency > 5000"
  /aws/ecs/coaching/access:
    retention: never
  /aws/lambda/coaching-worker-{{{{ env }}}}:
    existing: true
    retention: never
"""


def problems(spec_repo: SpecRepo, text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        plan_workspace(read_sources(spec_repo({SVC: text})), only=["prod"])
    return [str(p) for p in caught.value.problems]


def group(body: str, alarms: str = "") -> str:
    """A service file with one log group whose (indented) fields are `body`."""
    return (f"version: 1\nservice: coaching\nowner: o\ndefaults: {{namespace: NS}}\nalarms:{alarms or ' {}'}\n"
            f"log_groups:\n  /app/logs:\n{body}")


CASES = [
    ("a retention CloudWatch Logs does not accept",
     group("    retention: 45d\n"),
     f"{SVC}:8: log_groups./app/logs.retention: expected a retention CloudWatch Logs accepts (1d, 3d, 5d, 7d, 14d, "
     "30d, 60d, 90d, 120d, 150d, 180d, 365d, 400d, 545d, 731d, 1096d, 1827d, 2192d, 2557d, 2922d, 3288d, 3653d) "
     'or never, got "45d"'),
    ("a retention that is not a duration",
     group("    retention: forever\n"),
     f'{SVC}:8: log_groups./app/logs.retention: expected a retention like "30d" or never, got "forever"'),
    ("an owned group without retention",
     group("    metric_filters: {}\n"),
     f"{SVC}:7: log_groups./app/logs.retention: required field is missing: an owned log group needs a retention "
     "(e.g. 30d, or never)"),
    ("a KMS alias instead of a key ARN",
     group("    retention: 30d\n    kms_key: alias/wwhd-logs\n"),
     f'{SVC}:9: log_groups./app/logs.kms_key: CloudWatch Logs needs a key ARN, not an alias ("alias/wwhd-logs"): '
     "find it with `aws kms describe-key --key-id alias/wwhd-logs --query KeyMetadata.Arn` and set it per "
     "environment through vars"),
    ("a KMS key in another region",
     group(f"    retention: 30d\n    kms_key: {KEY_ARN.replace('us-east-1', 'eu-west-1')}\n"),
     f"{SVC}:9: log_groups./app/logs.kms_key: the key is in eu-west-1; CloudWatch Logs in us-east-1 needs a key "
     "in the same region"),
    ("a KMS key on an existing group",
     group(f"    existing: true\n    kms_key: {KEY_ARN}\n"),
     f"{SVC}:9: log_groups./app/logs.kms_key: only for owned log groups: an existing group keeps the key it was "
     "created with"),
    ("a filter pattern with an unbalanced brace",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: '{ $.level = \"error\"', metric: E}\n"),
     f'{SVC}:10: log_groups./app/logs.metric_filters.e.pattern: unbalanced "{{" in the filter pattern: it is '
     "never closed"),
    ("a filter pattern with an unbalanced bracket",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: 'ip, user]', metric: E}\n"),
     f'{SVC}:10: log_groups./app/logs.metric_filters.e.pattern: unbalanced "]" in the filter pattern'),
    ("more metric filters on one group than CloudWatch Logs allows",
     group("    retention: 7d\n    metric_filters:\n"
           + "".join(f"      e{i}: {{pattern: ERROR, metric: E{i}}}\n" for i in range(101))),
     f"{SVC}:9: log_groups./app/logs.metric_filters: 101 metric filters; CloudWatch Logs allows 100 per log group"),
    ("an empty filter pattern",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: '  ', metric: E}\n"),
     f"{SVC}:10: log_groups./app/logs.metric_filters.e.pattern: expected a filter pattern, got an empty one"),
    ("a filter value that is neither a number nor a field",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: ERROR, metric: E, value: latency}\n"),
     f'{SVC}:10: log_groups./app/logs.metric_filters.e.value: expected a number or a field like $.latency, '
     'got "latency"'),
    ("a filter dimension that is not an event field",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: ERROR, metric: E, dimensions: {a: slack}}\n"),
     f'{SVC}:10: log_groups./app/logs.metric_filters.e.dimensions.a: expected a field of the event like '
     '$.adapter, got "slack"'),
    ("a filter with dimensions and a default value",
     group("    retention: 7d\n    metric_filters:\n"
           "      e: {pattern: ERROR, metric: E, default_value: 0, dimensions: {a: $.a}}\n"),
     f"{SVC}:10: log_groups./app/logs.metric_filters.e.default_value: not allowed with dimensions: CloudWatch "
     "Logs publishes a default value only for metric filters without dimensions"),
    ("a filter with four dimensions",
     group("    retention: 7d\n    metric_filters:\n"
           "      e: {pattern: ERROR, metric: E, dimensions: {a: $.a, b: $.b, c: $.c, d: $.d}}\n"),
     f"{SVC}:10: log_groups./app/logs.metric_filters.e.dimensions: 4 dimensions; CloudWatch Logs allows 3 per "
     "metric filter"),
    ("an unknown unit",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: ERROR, metric: E, unit: Millis}\n"),
     f"{SVC}:10: log_groups./app/logs.metric_filters.e.unit: expected 'Seconds', 'Microseconds', 'Milliseconds', "
     "'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits', 'Gigabits', "
     "'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', "
     "'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', "
     "'Terabits/Second', 'Count/Second' or 'None', got \"Millis\""),
    ("an alarm naming an unknown metric filter",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: ERROR, metric: E}\n",
           '\n  a: {severity: info, filter: errors, stat: Sum, threshold: "> 0"}'),
     f'{SVC}:6: alarms.a.filter: unknown metric filter "errors"; metric filters of this service: e'),
    ("an alarm with both filter and metric",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: ERROR, metric: E}\n",
           '\n  a: {severity: info, filter: e, metric: E, threshold: "> 0"}'),
     f"{SVC}:6: alarms.a.filter: expected filter or metric, not both: filter gives the metric and namespace"),
    ("an alarm on a filter with dimensions but without dimensions of its own",
     group("    retention: 7d\n    metric_filters:\n      e: {pattern: ERROR, metric: E, dimensions: {a: $.a}}\n",
           '\n  a: {severity: info, filter: e, stat: Sum, threshold: "> 0"}'),
     f'{SVC}:6: alarms.a.filter: metric filter "e" publishes with dimensions (a): set the alarm\'s dimensions to '
     "one value of each"),
    ("a log group name with a space",
     "version: 1\nservice: coaching\nowner: o\nlog_groups:\n  /app logs: {retention: 7d}\n",
     f"{SVC}:5: log_groups./app logs: expected a log group name of letters, digits, '_', '-', '/', '.' or '#' "
     '(at most 512), got "/app logs"'),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_log_group_gets_one_exact_message(spec_repo: SpecRepo, text: str, expected: str) -> None:
    assert problems(spec_repo, text) == [expected]


@pytest.mark.parametrize("days", RETENTION_DAYS)
def test_every_retention_cloudwatch_accepts_is_accepted(days: int) -> None:
    assert parse_retention(f"{days}d") == days


def test_retention_never_and_in_other_units() -> None:
    assert parse_retention("never") == 0
    assert parse_retention("168h") == 7
    with pytest.raises(ValueError):
        parse_retention("2d")


def test_balanced_patterns_with_brackets_inside_quotes_pass(spec_repo: SpecRepo) -> None:
    text = group("    retention: 7d\n    metric_filters:\n"
                 "      e: {pattern: '{ $.message = \"a } b [\" && ($.x > 1 || $.y = 2) }', metric: E}\n"
                 "      f: {pattern: '[ip, user, status = 5*, size]', metric: F}\n"
                 "      g: {pattern: '\"ERROR\" -\"retrying\"', metric: G}\n")
    plan = plan_workspace(read_sources(spec_repo({SVC: text})), only=["prod"])
    [log_group] = plan.environments[0].services[0].log_groups
    assert [f.key for f in log_group.filters] == ["e", "f", "g"]


def test_alarm_on_a_filter_takes_its_metric_and_namespace_without_default_dimensions(spec_repo: SpecRepo) -> None:
    plan = plan_workspace(read_sources(spec_repo({SVC: LOGS_YAML})), only=["prod"])
    alarms = {a.key: a for a in plan.environments[0].services[0].alarms}
    assert alarms["log-errors"].metric is not None
    assert (alarms["log-errors"].metric.namespace, alarms["log-errors"].metric.metric) == \
        ("PurposePath/Coaching", "LogErrors")
    assert alarms["log-errors"].metric.dimensions == ()
    assert alarms["by-adapter"].metric is not None
    assert alarms["by-adapter"].metric.namespace == "Coaching/Logs"
    assert alarms["by-adapter"].metric.dimensions == (("adapter", "slack"),)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], Path]:
    """LOGS_YAML synthesized for prod with cdk-nag enforcing."""
    from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML, _write

    root = tmp_path_factory.mktemp("logs")
    for name, account in ACCOUNTS.items():
        _write(root / "environments" / f"{name}.yaml", ENVIRONMENT_YAML.format(name=name, account=account))
    _write(root / "alarm_specs" / "coaching.yaml", LOGS_YAML)
    out = tmp_path_factory.mktemp("logs-out")
    return synth_repo(root, out, only=["prod"], nag=True), out


def _log_groups(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["Properties"]["LogGroupName"]: r for r in resources(template, "AWS::Logs::LogGroup").values()
            if "LogGroupName" in r["Properties"]}


def test_owned_groups_have_retention_kms_key_and_are_retained(templates: tuple[dict[str, Any], Path]) -> None:
    groups = _log_groups(templates[0]["vigil-prod-coaching"])
    application = groups["/aws/ecs/coaching/application"]
    assert application["Properties"]["RetentionInDays"] == 30
    assert application["Properties"]["KmsKeyId"] == KEY_ARN
    assert application["DeletionPolicy"] == "Retain" and application["UpdateReplacePolicy"] == "Retain"
    access = groups["/aws/ecs/coaching/access"]
    assert "RetentionInDays" not in access["Properties"]  # never expire
    assert access["DeletionPolicy"] == "Retain"


def test_existing_groups_are_never_log_group_resources(templates: tuple[dict[str, Any], Path]) -> None:
    groups = _log_groups(templates[0]["vigil-prod-coaching"])
    assert "/aws/lambda/coaching-api-prod" not in groups
    assert "/aws/lambda/coaching-worker-prod" not in groups


def test_existing_groups_get_retention_through_the_api(templates: tuple[dict[str, Any], Path]) -> None:
    template = templates[0]["vigil-prod-coaching"]
    calls = [r["Properties"]["Create"] for r in resources(template, "Custom::AWS").values()]
    texts = sorted(c if isinstance(c, str) else str(c) for c in calls)
    assert len(texts) == 2
    assert any('"action":"putRetentionPolicy"' in t and '"retentionInDays":30' in t
               and '"logGroupName":"/aws/lambda/coaching-api-prod"' in t for t in texts)
    assert any('"action":"deleteRetentionPolicy"' in t and "/aws/lambda/coaching-worker-prod" in t for t in texts)
    policies = str([r["Properties"]["PolicyDocument"] for r in resources(template, "AWS::IAM::Policy").values()])
    assert "log-group:/aws/lambda/coaching-api-prod" in policies and "logs:PutRetentionPolicy" in policies
    assert "'Resource': '*'" not in policies


def test_metric_filters_publish_what_the_spec_says(templates: tuple[dict[str, Any], Path]) -> None:
    template = templates[0]["vigil-prod-coaching"]
    filters = {r["Properties"]["FilterName"]: r["Properties"]
               for r in resources(template, "AWS::Logs::MetricFilter").values()}
    assert filters["error-lines"]["LogGroupName"] == "/aws/lambda/coaching-api-prod"
    assert filters["error-lines"]["FilterPattern"] == '{ $.level = "error" }'
    assert filters["error-lines"]["MetricTransformations"] == [
        {"MetricName": "LogErrors", "MetricNamespace": "PurposePath/Coaching", "MetricValue": "1",
         "DefaultValue": 0, "Unit": "Count"}]
    assert filters["failures"]["MetricTransformations"][0]["Dimensions"] == [{"Key": "adapter",
                                                                            "Value": "$.adapter"}]
    application = next(k for k, r in resources(template, "AWS::Logs::LogGroup").items()
                       if r["Properties"]["LogGroupName"] == "/aws/ecs/coaching/application")
    assert filters["latency"]["LogGroupName"] == {"Ref": application}
    assert filters["latency"]["MetricTransformations"][0]["MetricValue"] == "$latency"


def test_queries_are_saved_in_a_folder_named_after_the_service(templates: tuple[dict[str, Any], Path]) -> None:
    template = templates[0]["vigil-prod-coaching"]
    queries = {r["Properties"]["Name"]: r for r in resources(template, "AWS::Logs::QueryDefinition").values()}
    assert sorted(queries) == ["prod-coaching/recent-errors", "prod-coaching/slow"]
    assert queries["prod-coaching/recent-errors"]["Properties"]["LogGroupNames"] == ["/aws/lambda/coaching-api-prod"]
    assert queries["prod-coaching/slow"]["Properties"]["QueryString"] == \
        "fields @timestamp, latency | filter latency > 5000"
    assert len(queries["prod-coaching/slow"]["DependsOn"]) == 1


def test_alarm_on_a_filter_is_synthesized_on_the_filter_metric(templates: tuple[dict[str, Any], Path]) -> None:
    alarm = alarm_by_name(templates[0]["vigil-prod-coaching"], "prod-coaching-log-errors")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("PurposePath/Coaching", "LogErrors")
    assert "Dimensions" not in alarm


def test_log_templates_are_cfn_lint_clean(templates: tuple[dict[str, Any], Path]) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    paths = sorted(str(p) for p in templates[1].glob("*.template.json"))
    result = subprocess.run([str(cfn_lint), "--", *paths], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_removing_a_group_from_the_spec_leaves_it_retained(spec_repo: SpecRepo, tmp_path: Path) -> None:
    before = synth_repo(spec_repo({SVC: LOGS_YAML}), tmp_path / "before", only=["prod"])["vigil-prod-coaching"]
    without = LOGS_YAML.replace("  /aws/ecs/coaching/access:\n    retention: never\n", "")
    after = synth_repo(spec_repo({SVC: without}), tmp_path / "after", only=["prod"])["vigil-prod-coaching"]
    removed = {k: r for k, r in resources(before, "AWS::Logs::LogGroup").items() if k not in after["Resources"]}
    assert [r["Properties"]["LogGroupName"] for r in removed.values()] == ["/aws/ecs/coaching/access"]
    # CloudFormation keeps a resource removed from a template when its last deployed DeletionPolicy is Retain.
    assert [r["DeletionPolicy"] for r in removed.values()] == ["Retain"]
    assert set(_log_groups(after)) == {"/aws/ecs/coaching/application"}


def test_seed_003_log_groups_in_the_examples() -> None:
    plan = plan_workspace(read_sources(ROOT), only=["prod"])
    wwhd = next(s for s in plan.environments[0].services if s.name == "wwhd")
    groups = {g.name: g for g in wwhd.log_groups}
    assert {n: (g.retention_days, g.existing) for n, g in groups.items()} == {
        "/aws/ecs/wwhd-backend/application": (30, False), "/aws/ecs/wwhd-backend/access": (7, False),
        "/aws/ecs/wwhd-backend/error": (30, False)}
    application = groups["/aws/ecs/wwhd-backend/application"]
    assert application.kms_key is not None and application.kms_key.startswith("arn:aws:kms:us-east-1:")
    assert {(f.key, f.namespace, f.metric, f.pattern) for f in application.filters} == {
        ("ErrorCount", "WWHD/Application", "ApplicationErrors", "ERROR"),
        ("HighLatency", "WWHD/Performance", "HighLatencyRequests", "[timestamp, request_id, latency > 5000]")}
    coaching = next(s for s in plan.environments[0].services if s.name == "coaching")
    [lambda_group] = coaching.log_groups
    assert lambda_group.existing and lambda_group.name == "/aws/lambda/purposepath-coaching-api-prod"
    assert [q.name for q in lambda_group.queries] == ["prod-coaching/errors-quick", "prod-coaching/recent-errors",
                                                      "prod-coaching/slow-operations"]
