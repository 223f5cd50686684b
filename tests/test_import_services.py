"""Where `vigil import` puts each alarm and what it calls it; how it reports."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import yaml

from tests.import_corpus.measure import CorpusSession, corpus_alarm, measure
from tests.import_corpus.shapes import REGION
from vigil.live.import_report import render
from vigil.live.import_result import ImportOptions, ImportResult, plain_note
from vigil.live.import_services import ServicePlacer, readable_key, topic_service
from vigil.live.importer import import_account, write_files
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

TOPIC = "arn:aws:sns:us-east-1:123456789012:"


@pytest.mark.parametrize(("name", "key"), [
    ("DummyApi-Latency-TM-99.99-100--Warning", "dummy-api-latency-tm-99.99-100-warning"),
    ("Checkout: Count of invocation errors are to high", "checkout-count-of-invocation-errors-are-to-high"),
    ("awsec2-i-0a1b-High-CPUUtilization", "awsec2-i-0a1b-high-cpu-utilization"),
    ("5XXError__rate..", "5xx-error-rate"),
    ("a.-b", "a-b"),
    ("---", "alarm"),
])
def test_keys_are_readable_without_doubled_separators(name: str, key: str) -> None:
    assert readable_key(name) == key


@pytest.mark.parametrize(("topic", "service"), [
    ("checkout-pager", "checkout"), ("payments-critical", "payments"), ("ops-critical-pages", None),
    ("team-warnings", None), ("OrdersAlerts", "orders"), ("prod-search-warn", "search")])
def test_a_topic_names_a_service_when_it_says_more_than_a_severity(topic: str, service: str | None) -> None:
    assert topic_service(TOPIC + topic, "prod") == service


def _placer(alarms: list[dict[str, object]], **kwargs: object) -> ServicePlacer:
    return ServicePlacer(env="prod", service_tags=("service",), prefixes={}, default_service="imported",
                         alarms=alarms, tags=kwargs.get("tags", {}),  # type: ignore[arg-type]
                         children=kwargs.get("children", {}))  # type: ignore[arg-type]


def test_services_from_tags_topics_and_shared_resources_before_the_first_word() -> None:
    def alarm(name: str, topic: str | None = None, function: str | None = None) -> dict[str, object]:
        return {"AlarmName": name, "AlarmActions": [TOPIC + topic] if topic else [],
                "Dimensions": [{"Name": "FunctionName", "Value": function}] if function else []}

    placer = _placer([alarm("Test-A", topic="checkout-pager"), alarm("Test-B", function="billing-worker"),
                      alarm("Test-C", function="billing-worker"), alarm("Test-D", function="lonely"),
                      alarm("Tagged-E", topic="checkout-pager")], tags={"Tagged-E": {"service": "orders"}})
    assert placer.services == {"Test-A": "checkout", "Test-B": "billing-worker", "Test-C": "billing-worker",
                               "Test-D": "test", "Tagged-E": "orders"}
    assert placer.sources["Test-D"] == "first word"


def test_a_composite_joins_the_alarms_it_names_unless_names_say_otherwise() -> None:
    def on(name: str, table: str) -> dict[str, object]:
        return {"AlarmName": name, "Dimensions": [{"Name": "TableName", "Value": table}]}

    alarms = [on("latency", "carts"), on("reads", "carts"), on("errors", "users"), on("writes", "users"),
              {"AlarmName": "carts-or-users"}, *({"AlarmName": n} for n in ("Shop-x", "prod-orders-y", "both"))]
    children = {"carts-or-users": ["reads", "errors"], "both": ["Shop-x", "prod-orders-y"]}
    placer = _placer(alarms, children=children)
    assert {placer.services[n] for n in ("latency", "reads", "errors", "carts-or-users")} == {"carts"}
    assert placer.services["writes"] == "users"  # only the alarms the rule names move
    assert (placer.services["Shop-x"], placer.services["prod-orders-y"]) == ("shop", "orders")


def test_keys_drop_the_service_prefix_and_stay_unique() -> None:
    placer = _placer([{"AlarmName": n} for n in ("checkout-errors", "Checkout_Errors", "prod-checkout-Odd_Key")],
                     tags={n: {"service": "checkout"} for n in ("checkout-errors", "Checkout_Errors",
                                                                  "prod-checkout-Odd_Key")})
    assert [placer.key(n) for n in ("checkout-errors", "Checkout_Errors", "prod-checkout-Odd_Key")] == [
        "errors", "errors-2", "Odd_Key"]  # vigil's own names keep their key


def test_report_items_are_one_line_without_markup() -> None:
    page = "<html>\n<head><title>502 Bad Gateway</title><style>p {x: 1}</style></head>\n<body>" + "x" * 500
    text = plain_note(f"could not be read: An error occurred (502) when calling GetGroups: {page}")
    assert "\n" not in text and "<" not in text and "{x" not in text and len(text) == 300
    assert text.startswith("could not be read: An error occurred (502) when calling GetGroups: 502 Bad Gateway")
    result = ImportResult("prod", "123456789012", "us-east-1")
    result.note("not-imported", "X-Ray groups", page)
    assert "\n" not in result.notes[0].message


def test_a_labelled_single_metric_imports_as_metric(tmp_path: Path) -> None:
    listed = corpus_alarm("shop-errors", tags={"service": "shop"}, MetricName=None, Namespace=None, Statistic=None,
                    Period=None, Dimensions=None, Metrics=[{"Id": "m1", "Label": "Shop errors", "ReturnData": True,
                                                            "MetricStat": {"Metric": {"Namespace": "Shop",
                                                                                      "MetricName": "Errors"},
                                                                           "Period": 300, "Stat": "p99"}}])
    measurement, _ = measure([listed], tmp_path)
    spec = yaml.safe_load((tmp_path / "alarm_specs/shop.yaml").read_text())
    assert spec["alarms"]["errors"]["metric"] == "Errors"
    assert spec["alarms"]["errors"]["stat"] == "p99"
    assert measurement.lost == [] and measurement.unreported == {}


def test_report_has_a_summary_table_per_service(tmp_path: Path) -> None:
    info = {"AlarmActions": [f"{TOPIC}shop-info"]}
    alarms = [corpus_alarm("shop-a", tags={"service": "shop"}, **info),
              corpus_alarm("shop-b", tags={"service": "shop"},
                           AlarmActions=[f"{TOPIC}shop-info", f"{TOPIC}ops-critical"]),
              corpus_alarm("shop-c", tags={"service": "shop"}, EvaluationPeriods=2000, **info),
              corpus_alarm("web-a", AlarmActions=[f"{TOPIC}ops-info"])]
    _, result = measure(alarms, tmp_path)
    assert [(n.kind, n.message) for n in result.notes if n.subject == "shop-c"] == [
        ("skipped", "would not validate: evaluation_periods: period x evaluation_periods is 120000 s; CloudWatch "
                    "allows 86400 s (1 day for periods under 1 hour)")]
    text = render(result, "text")
    assert "service  alarms  exact  approximated  skipped  file" in text
    assert "shop          3      1             1        1  alarm_specs/shop.yaml" in text
    assert "web           1      1             0        0  alarm_specs/web.yaml" in text
    markdown = render(result, "markdown")
    assert "| shop | 3 | 1 | 1 | 1 | alarm_specs/shop.yaml |" in markdown


def test_a_channel_vigil_would_refuse_is_left_out_and_the_files_validate(aws: None, tmp_path: Path) -> None:
    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="shop-critical")["TopicArn"]
    for endpoint in ("oncall@example.com", "root@localhost"):
        sns.subscribe(TopicArn=topic, Protocol="email", Endpoint=endpoint)
    alarm = corpus_alarm("shop-errors", tags={"service": "shop"}, AlarmActions=[topic], OKActions=[topic])
    result = import_account(CorpusSession([alarm]), ImportOptions(env="prod"))
    write_files(result, tmp_path)
    plan_workspace(read_sources(tmp_path))  # validates as written
    assert [(n.kind, n.subject) for n in result.notes if n.kind == "skipped"] == [
        ("skipped", "channel email-shop-critical-root")]
    environment = yaml.safe_load((tmp_path / "environments/prod.yaml").read_text())
    assert environment["routes"] == {"critical": ["email-shop-critical-oncall"]}
