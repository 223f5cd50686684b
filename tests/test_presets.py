"""Resource presets: the catalog against the spec models, expansion rules (inputs, overrides, environments,
composites), errors named at the resource, and the generated reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SpecRepo
from tests.presets_examples import EVERY_TYPE, OFF_BY_DEFAULT
from vigil.cli import main
from vigil.plan.model import AlarmPlan, EnvironmentPlan
from vigil.plan.resolve import plan_workspace
from vigil.presets.catalog import PresetType, catalog
from vigil.presets.reference import reference_text
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

ROOT = Path(__file__).resolve().parent.parent
ISSUE_TYPES = {"lambda", "sqs", "sns", "dynamodb", "apigateway-rest", "apigateway-http", "alb", "nlb", "ecs-service",
               "rds-instance", "aurora-cluster", "elasticache", "kinesis", "stepfunctions", "s3", "cloudfront",
               "eventbridge-rule", "opensearch", "autoscaling", "route53-healthcheck"}
FOUR_LINES = """\
    version: 1
    service: orders
    owner: orders-team
    resources:
      orders-fn:    {type: lambda, function: "orders-{{ env }}", timeout: 30s, reserved_concurrency: 50}
      orders-queue: {type: sqs, queue: "orders-{{ env }}", dlq: "orders-dlq-{{ env }}", max_age: 15m}
      orders-table: {type: dynamodb, table: orders}
      orders-api:   {type: apigateway-rest, api: orders, stage: prod,
                     alarms: {latency: {threshold: "> 1500"}, 4xx: {enabled: false}},
                     env: {dev: {enabled: false}}}
    """


def _plan(spec_repo: SpecRepo, text: str, env: str = "prod") -> EnvironmentPlan:
    root = spec_repo({"alarm_specs/orders.yaml": text}, service=None)
    return plan_workspace(read_sources(root), only=[env]).environments[0]


def _alarms(plan: EnvironmentPlan) -> dict[str, AlarmPlan]:
    return {alarm.key: alarm for service in plan.services for alarm in service.alarms}


def _problems(spec_repo: SpecRepo, text: str) -> list[str]:
    root = spec_repo({"alarm_specs/orders.yaml": text}, service=None)
    with pytest.raises(SpecError) as error:
        plan_workspace(read_sources(root))
    return [str(p) for p in error.value.problems]


def test_the_catalog_has_every_type_the_issue_asks_for() -> None:
    assert set(catalog()) >= ISSUE_TYPES


@pytest.mark.parametrize("preset", list(catalog().values()), ids=list(catalog()))
def test_every_catalog_alarm_cites_an_aws_page_and_says_where_its_threshold_comes_from(preset: PresetType) -> None:
    for alarm in preset.alarms.values():
        assert alarm.source.startswith("https://docs.aws.amazon.com/")
        assert alarm.threshold.basis and alarm.missing_data_basis and alarm.summary


def test_the_issue_example_expands_into_ordinary_alarms_in_four_lines(spec_repo: SpecRepo) -> None:
    alarms = _alarms(_plan(spec_repo, FOUR_LINES))
    assert sorted(alarms) == [
        "orders-api-5xx", "orders-api-latency",
        "orders-fn-concurrency", "orders-fn-duration", "orders-fn-errors", "orders-fn-throttles",
        "orders-queue-age", "orders-queue-dlq",
        "orders-table-read-throttles", "orders-table-system-errors", "orders-table-write-throttles"]
    assert alarms["orders-api-latency"].threshold == 1500
    assert alarms["orders-fn-errors"].name == "prod-orders-orders-fn-errors"
    assert dict(alarms["orders-queue-dlq"].metric.dimensions) == {"QueueName": "orders-dlq-prod"}  # type: ignore[union-attr]
    assert alarms["orders-fn-errors"].alarm_actions == ("vigil-prod-critical",)
    assert alarms["orders-fn-errors"].ok_actions == ("vigil-prod-critical",)


def test_a_resource_disabled_in_one_environment_has_no_alarm_there(spec_repo: SpecRepo) -> None:
    assert not [key for key in _alarms(_plan(spec_repo, FOUR_LINES, "dev")) if key.startswith("orders-api-")]
    assert [key for key in _alarms(_plan(spec_repo, FOUR_LINES, "staging")) if key.startswith("orders-api-")]


def test_any_alarm_field_can_be_overridden_per_alarm_and_per_environment(spec_repo: SpecRepo) -> None:
    text = """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          fn:
            type: lambda
            function: orders
            alarms:
              errors: {severity: warning, period: 5m, evaluation_periods: 2, datapoints_to_alarm: 1,
                       missing_data: breaching, summary: Orders fail., runbook: "https://runbooks.example.com/fn",
                       env: {staging: {threshold: "> 10", severity: info}}}
              throttles: {anomaly: {band: 3}}
        """
    prod, staging = _alarms(_plan(spec_repo, text)), _alarms(_plan(spec_repo, text, "staging"))
    errors = prod["fn-errors"]
    assert (errors.severity, errors.period, errors.evaluation_periods, errors.datapoints_to_alarm,
            errors.missing_data, errors.summary, errors.runbook) == \
        ("warning", 300, 2, 1, "breaching", "Orders fail.", "https://runbooks.example.com/fn")
    assert errors.threshold == 1 and (staging["fn-errors"].threshold, staging["fn-errors"].severity) == (10, "info")
    assert prod["fn-throttles"].kind == "anomaly" and prod["fn-throttles"].band == 3


def test_an_alarm_that_needs_an_input_is_left_out_without_it_or_made_with_a_threshold(spec_repo: SpecRepo) -> None:
    text = """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          q: {type: sqs, queue: orders, alarms: {backlog: {threshold: ">= 50"}, no-messages-sent: {enabled: true}}}
        """
    alarms = _alarms(_plan(spec_repo, text))
    assert sorted(alarms) == ["q-backlog", "q-no-messages-sent"]
    assert alarms["q-backlog"].threshold == 50


def test_hand_written_alarms_and_composites_refer_to_preset_alarms(spec_repo: SpecRepo) -> None:
    text = FOUR_LINES.rstrip() + """
    alarms:
      orders-down: {severity: critical, composite: "ALARM(orders-fn-errors) AND ALARM(orders-queue-dlq)"}
    """
    alarms = _alarms(_plan(spec_repo, text))
    assert alarms["orders-down"].children == ("prod-orders-orders-fn-errors", "prod-orders-orders-queue-dlq")


def test_preset_problems_are_named_at_the_resource(spec_repo: SpecRepo) -> None:
    problems = _problems(spec_repo, """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          fn: {type: lambda, timeout: 30}
          q: {type: sqs, queue: q, alarms: {dlq: {enabled: true}, nope: {}}}
          api: {type: apigateway-rest, api: a, stage: s, alarms: {latency: {period: 7s}}, env: {qa: {enabled: false}}}
          t: {type: nosuch}
        alarms:
          api-5xx: {severity: info, metric: X, namespace: Y, threshold: "> 1"}
        """)
    assert problems == [
        "alarm_specs/orders.yaml:5: resources.fn.function: required field is missing",
        'alarm_specs/orders.yaml:5: resources.fn.timeout: expected a duration like "30s", "5m", "1h" or "30d", '
        "got 30",
        "alarm_specs/orders.yaml:6: resources.q.alarms.nope: expected 'age', 'backlog', 'in-flight', "
        "'no-messages-sent' or 'dlq', got \"nope\"",
        "alarm_specs/orders.yaml:7: resources.api.alarms.latency.period: expected 10s, 20s, 30s or a multiple of "
        "60s, got 7s",
        "alarm_specs/orders.yaml:8: resources.t: unknown type \"nosuch\"; expected one of "
        + ", ".join(repr(t) for t in sorted(catalog())),
    ]
    problems = _problems(spec_repo, """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          q: {type: sqs, queue: q, alarms: {dlq: {enabled: true}}}
          api: {type: apigateway-rest, api: a, stage: s, alarms: {latency: {datapoints_to_alarm: 9}},
                env: {qa: {enabled: false}}}
        alarms:
          api-5xx: {severity: info, metric: X, namespace: Y, threshold: "> 1"}
        """)
    assert problems == [
        "alarm_specs/orders.yaml:5: resources.q.alarms.dlq.enabled: needs input dlq on the resource: The "
        "dead-letter queue's name; with it, an alarm on any message in it.",
        "alarm_specs/orders.yaml:6: resources.api: its alarm 5xx is keyed api-5xx, which alarms already has "
        "(line 9); rename one",
        "alarm_specs/orders.yaml:6: resources.api.alarms.latency.datapoints_to_alarm: expected at most "
        "evaluation_periods (5), got 9",
        'alarm_specs/orders.yaml:7: resources.api.env.qa: unknown environment "qa"; environments: dev, prod, '
        "staging",
    ]


def test_an_input_a_required_alarm_needs_is_a_required_field(spec_repo: SpecRepo) -> None:
    problems = _problems(spec_repo, """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          asg: {type: autoscaling, group: web}
        """)
    assert problems == ["alarm_specs/orders.yaml:5: resources.asg.min_capacity: required field is missing"]


def test_plan_shows_which_preset_each_alarm_comes_from(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    root = spec_repo({"alarm_specs/orders.yaml": FOUR_LINES}, service=None)
    assert main(["--root", str(root), "plan", "--env", "prod"]) == 0
    out = capsys.readouterr().out
    assert "orders-fn-errors" in out and "[preset orders-fn (lambda/errors)]" in out
    assert main(["--root", str(root), "plan", "--env", "prod", "--format", "markdown"]) == 0
    assert "`orders-fn-errors` (preset orders-fn (lambda/errors))" in capsys.readouterr().out


def test_the_reference_lists_every_type_input_and_alarm_of_the_catalog() -> None:
    text = reference_text()
    assert (ROOT / "docs" / "reference" / "presets.md").read_text(encoding="utf-8") == text, \
        "docs/reference/presets.md is stale: run `make reference`"
    for name, preset in catalog().items():
        section = text[text.index(f"## {name}\n"):]
        for key in (*preset.inputs, *preset.alarms):
            assert f"`{key}`" in section
        for alarm in preset.alarms.values():
            assert alarm.source in section


def test_each_resource_adds_a_row_to_the_generated_dashboard_with_thresholds_drawn(spec_repo: SpecRepo) -> None:
    import json

    plan = _plan(spec_repo, FOUR_LINES)
    body = json.loads(plan.services[0].dashboards[0].body)
    graphs = [w for w in body["widgets"] if w["type"] == "metric"]
    titles = [w["properties"]["title"] for w in graphs]
    assert titles[:6] == ["orders-api-5xx", "orders-api-latency", "orders-api: Requests",
                          "orders-api: Integration latency", "orders-fn-errors", "orders-fn-throttles"]
    owners: dict[int, set[str]] = {}
    for widget in graphs:
        title = widget["properties"]["title"]
        owner = next(r for r in ("orders-api", "orders-fn", "orders-queue", "orders-table") if title.startswith(r))
        owners.setdefault(widget["y"], set()).add(owner)
    assert all(len(row) == 1 for row in owners.values()), "a row mixes two resources"
    latency = next(w for w in graphs if w["properties"]["title"] == "orders-api-latency")
    assert latency["properties"]["annotations"]["horizontal"][0]["value"] == 1500
    invocations = next(w for w in graphs if w["properties"]["title"] == "orders-fn: Invocations")
    assert invocations["properties"]["metrics"] == [
        ["AWS/Lambda", "Invocations", "FunctionName", "orders-prod", {"label": "Invocations", "period": 300,
                                                                      "stat": "Sum"}]]


def test_the_readme_example_monitors_four_resources_in_four_lines(spec_repo: SpecRepo) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Resources: AWS's recommended alarms in one line"):]
    block = section[section.index("```yaml\n") + 8:section.index("```\n", section.index("```yaml\n") + 8)]
    assert block.startswith("resources:\n") and len(block.strip().splitlines()) == 5
    text = "version: 1\nservice: orders\nowner: orders-team\n" + block
    alarms = _alarms(_plan(spec_repo, text))
    assert len(alarms) == 12 and alarms["orders-api-latency"].threshold == 1500


def test_an_override_may_change_the_alarm_form(spec_repo: SpecRepo) -> None:
    text = """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          lb:
            type: alb
            load_balancer: app/web/1
            alarms:
              target-5xx: {metric: HTTPCode_Target_5XX_Count, stat: Sum, threshold: "> 50", period: 5m,
                           evaluation_periods: 2, datapoints_to_alarm: 2}
        """
    alarm = _alarms(_plan(spec_repo, text))["lb-target-5xx"]
    assert alarm.expression is None and alarm.metric is not None
    assert (alarm.metric.metric, alarm.metric.stat, dict(alarm.metric.dimensions), alarm.threshold) == \
        ("HTTPCode_Target_5XX_Count", "Sum", {"LoadBalancer": "app/web/1"}, 50)


def test_import_writes_a_resource_line_for_alarms_a_preset_would_generate(aws: None, tmp_path: Path) -> None:
    import boto3
    import yaml

    from tests.live_account import CompositeInjectingSession, build_topics
    from vigil.live.importer import ImportOptions, import_account, write_files

    topics = build_topics(boto3.client("sns", region_name="us-east-1"))
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    common = {"Namespace": "AWS/Lambda", "Dimensions": [{"Name": "FunctionName", "Value": "orders"}],
              "Period": 60, "AlarmActions": [topics["critical"]], "OKActions": [topics["critical"]]}
    cloudwatch.put_metric_alarm(AlarmName="prod-shop-orders-errors", MetricName="Errors", Statistic="Sum",
                                EvaluationPeriods=3, DatapointsToAlarm=3, Threshold=1, TreatMissingData="notBreaching",
                                ComparisonOperator="GreaterThanThreshold", **common)
    cloudwatch.put_metric_alarm(AlarmName="prod-shop-orders-throttles", MetricName="Throttles", Statistic="Sum",
                                EvaluationPeriods=5, DatapointsToAlarm=5, Threshold=1, TreatMissingData="notBreaching",
                                ComparisonOperator="GreaterThanOrEqualToThreshold", **common)
    cloudwatch.put_metric_alarm(AlarmName="prod-shop-orders-duration", MetricName="Duration", ExtendedStatistic="p90",
                                EvaluationPeriods=15, DatapointsToAlarm=15, Threshold=24000,
                                TreatMissingData="notBreaching", ComparisonOperator="GreaterThanThreshold", **common)
    cloudwatch.put_metric_alarm(AlarmName="prod-shop-orders-odd", MetricName="Errors", Statistic="Sum",
                                EvaluationPeriods=1, Threshold=7, ComparisonOperator="GreaterThanThreshold", **common)
    result = import_account(CompositeInjectingSession("us-east-1", []), ImportOptions(env="prod"))
    write_files(result, tmp_path)
    service = yaml.safe_load((tmp_path / "alarm_specs" / "shop.yaml").read_text())
    assert service["resources"] == {"orders": {
        "type": "lambda", "function": "orders", "timeout": "30s",
        "alarms": {name: {"severity": "critical"} for name in ("throttles", "duration")}}}  # errors: critical already
    assert list(service["alarms"]) == ["orders-odd"]
    assert {n.subject for n in result.notes if n.kind == "preset"} == {
        "prod-shop-orders-errors", "prod-shop-orders-throttles", "prod-shop-orders-duration"}
    assert result.names["prod-shop-orders-errors"] == "prod-shop-orders-errors"  # the same name, now a preset's


def test_diff_shows_a_preset_alarm_added_with_its_preset(spec_repo: SpecRepo) -> None:
    from vigil.plan.model import WorkspacePlan
    from vigil.review.diff import diff_plans

    before = _plan(spec_repo, FOUR_LINES)
    after = _plan(spec_repo, FOUR_LINES.replace("orders-table: {type: dynamodb, table: orders}",
                                                "orders-table: {type: dynamodb, table: orders, "
                                                "replica_region: eu-west-1}"))
    changes = [c for d in diff_plans(WorkspacePlan((before,)), WorkspacePlan((after,))) for c in d.changes]
    assert any(c.kind == "added" and "orders-table-replication-latency" in c.subject
               and "[preset orders-table (dynamodb/replication-latency)]" in c.detail for c in changes)


@pytest.mark.parametrize("resource_key", sorted(EVERY_TYPE))
def test_recognition_undoes_expansion(resource_key: str) -> None:
    """Alarms as `import` reads them from an account where a preset was deployed give back the resource line."""
    from vigil.presets.expand import expand
    from vigil.presets.recognise import recognise
    from vigil.spec.service import ServiceSpec

    resource = {**EVERY_TYPE[resource_key], "alarms": {a: {"enabled": True}
                                                      for a in OFF_BY_DEFAULT.get(resource_key, [])}}
    spec = ServiceSpec.model_validate({"version": 1, "service": "shop", "owner": "o",
                                       "resources": {resource_key: resource}})
    expansion = expand(spec.resources, account="123456789012", region="us-east-1", env_names=["prod"])
    entries = {}
    for key, alarm in expansion.alarms.items():
        entry = alarm.model_dump(mode="json", exclude_none=True, exclude_defaults=True, exclude={"env"})
        if "period" in entry:
            entry["period"] = alarm.period
        entries[f"imported-{key}"] = entry
    recognised = recognise(entries)
    expected = {k: v for k, v in resource.items() if not (k == "alarms" and not v)}
    if resource["type"] == "sqs":  # nothing in an account ties a dead-letter queue's alarm to its queue
        assert set(recognised.alarms) == {"imported-queue-dlq"}
        del expected["dlq"]
    else:
        assert not recognised.alarms
    assert list(recognised.resources.values()) == [expected]


def test_an_invalid_resource_is_left_out_without_consequent_problems(spec_repo: SpecRepo) -> None:
    problems = _problems(spec_repo, """\
        version: 1
        service: orders
        owner: orders-team
        resources:
          fn: {type: lambda}
          q: {type: sqs, queue: q, dlq: q-dlq}
        alarms:
          down: {severity: critical, composite: "ALARM(fn-errors) OR ALARM(q-dlq)"}
        """)
    assert problems == ["alarm_specs/orders.yaml:5: resources.fn.function: required field is missing"]
