"""Table tests of the spec models and the resolver: one good spec, one change per case."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from vigil.plan.resolve import plan_workspace
from vigil.spec.environment import EnvironmentSpec
from vigil.spec.service import ServiceSpec
from vigil.spec.types import Comparison, parse_comparison, parse_stat
from vigil.spec.workspace import SourceFile, Sources

GOOD_SERVICE: dict[str, Any] = {
    "version": 1,
    "service": "orders",
    "owner": "orders-team",
    "runbook": "https://runbooks.example.com/orders",
    "defaults": {"namespace": "Shop/Orders", "dimensions": {"Service": "Orders"}, "period": "5m"},
    "alarms": {
        "errors": {"severity": "critical", "metric": "Errors", "stat": "Sum", "threshold": "> 5"},
    },
}

GOOD_ENVIRONMENT: dict[str, Any] = {
    "version": 1, "name": "prod", "account": "123456789012", "region": "eu-west-1",
    "routes": {"critical": ["pager"]},
    "channels": {"pager": {"type": "pagerduty", "integration_key": {"secret": "pd/key"}}},
}


def changed(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `base` with the dotted `path` set to `value` (or removed when value is ...)."""
    data = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


VALID_SERVICE_CHANGES = [
    ("a p99.9 percentile is a statistic", "alarms.errors.stat", "p99.9"),
    ("a trimmed mean with bounds is a statistic", "alarms.errors.stat", "TM(10%:90%)"),
    ("a percentile rank is a statistic", "alarms.errors.stat", "PR(:2000)"),
    ("a 10-second period makes a high-resolution alarm", "alarms.errors.period", "10s"),
    ("greater-or-equal thresholds read as comparisons", "alarms.errors.threshold", ">= 90"),
    ("negative and decimal thresholds are accepted", "alarms.errors.threshold", "< -0.5"),
    ("M of N alarms", "alarms.errors.datapoints_to_alarm", 2),
    ("missing data can breach", "alarms.errors.missing_data", "breaching"),
    ("a service may have no alarms yet", "alarms", {}),
    ("the runbook is optional", "runbook", ...),
    ("per-environment overrides", "alarms.errors.env", {"prod": {"threshold": "> 10", "severity": "warning"}}),
    ("tags are free-form strings", "tags", {"cost-center": "shop"}),
]


@pytest.mark.parametrize(("path", "value"), [c[1:] for c in VALID_SERVICE_CHANGES],
                         ids=[c[0] for c in VALID_SERVICE_CHANGES])
def test_valid_service_changes(path: str, value: Any) -> None:
    data = changed(GOOD_SERVICE, path, value)
    if path == "alarms.errors.datapoints_to_alarm":
        data["alarms"]["errors"]["evaluation_periods"] = 3
    ServiceSpec.model_validate(data)


INVALID_SERVICE_CHANGES = [
    ("version 2 is not a version this tool reads", "version", 2),
    ("a service name must be lowercase", "service", "Orders"),
    ("an owner is required", "owner", ...),
    ("unknown top-level keys are rejected", "alerts", {}),
    ("booleans are not coerced from strings", "alarms.errors.enabled", "yes"),
    ("evaluation periods are integers, not strings", "alarms.errors.evaluation_periods", "2"),
    ("a runbook must be a URL", "runbook", "see wiki"),
    ("a metric id must start with a lowercase letter", "alarms.errors.metrics", {"Errors": {"metric": "E"}}),
    ("severity must be one of three", "alarms.errors.severity", "page"),
    ("overrides only take known fields", "alarms.errors.env", {"prod": {"namespace": "X"}}),
]


@pytest.mark.parametrize(("path", "value"), [c[1:] for c in INVALID_SERVICE_CHANGES],
                         ids=[c[0] for c in INVALID_SERVICE_CHANGES])
def test_invalid_service_changes(path: str, value: Any) -> None:
    with pytest.raises(ValueError):
        ServiceSpec.model_validate(changed(GOOD_SERVICE, path, value))


INVALID_ENVIRONMENT_CHANGES = [
    ("an account id has 12 digits", "account", "12345678901"),
    ("a region looks like eu-west-1", "region", "europe"),
    ("a pagerduty key is a secret reference, never a literal", "channels.pager.integration_key", "abc123"),
    ("an email channel needs an address", "channels.mail", {"type": "email"}),
    ("a channel needs a known type", "channels.sms", {"type": "sms", "number": "1"}),
]


@pytest.mark.parametrize(("path", "value"), [c[1:] for c in INVALID_ENVIRONMENT_CHANGES],
                         ids=[c[0] for c in INVALID_ENVIRONMENT_CHANGES])
def test_invalid_environment_changes(path: str, value: Any) -> None:
    with pytest.raises(ValueError):
        EnvironmentSpec.model_validate(changed(GOOD_ENVIRONMENT, path, value))


def test_comparisons_parse_operator_and_value() -> None:
    assert parse_comparison(">= 90") == Comparison(">=", 90.0)
    assert parse_comparison("<0.5").cloudformation_operator == "LessThanThreshold"
    assert str(parse_comparison(">  2000")) == "> 2000"


def test_percentile_statistics_are_normalised_to_lowercase() -> None:
    assert parse_stat("P95") == "p95"
    assert parse_stat("Sum") == "Sum"


def _plan(service_yaml: str) -> Any:
    environment = ("version: 1\nname: prod\naccount: '123456789012'\nregion: eu-west-1\n"
                   "routes: {critical: [pager], warning: [pager]}\n"
                   "channels: {pager: {type: pagerduty, integration_key: {secret: pd/key}}}\n")
    sources = Sources((SourceFile("environments/prod.yaml", environment),),
                      (SourceFile("alarm_specs/orders.yaml", service_yaml),))
    return plan_workspace(sources).environments[0]


RESOLUTION_CASES = [
    ("an alarm inherits namespace, dimensions and period from defaults",
     "  a: {severity: critical, metric: Errors, threshold: '> 1'}\n",
     {"namespace": "Shop/Orders", "dimensions": (("Service", "Orders"),), "period": 300, "stat": "Average"}),
    ("an alarm in another namespace does not inherit the service dimensions",
     "  a: {severity: critical, metric: NumberOfMessagesVisible, namespace: AWS/SQS, threshold: '> 1'}\n",
     {"namespace": "AWS/SQS", "dimensions": (), "period": 300, "stat": "Average"}),
    ("an alarm's own dimensions replace the defaults",
     "  a: {severity: critical, metric: Errors, dimensions: {Op: Pay}, threshold: '> 1', period: 1m}\n",
     {"namespace": "Shop/Orders", "dimensions": (("Op", "Pay"),), "period": 60, "stat": "Average"}),
]


@pytest.mark.parametrize(("alarms", "expected"), [c[1:] for c in RESOLUTION_CASES],
                         ids=[c[0] for c in RESOLUTION_CASES])
def test_defaults_resolution(alarms: str, expected: dict[str, Any]) -> None:
    service = ("version: 1\nservice: orders\nowner: o\n"
               "defaults: {namespace: Shop/Orders, dimensions: {Service: Orders}, period: 5m}\nalarms:\n" + alarms)
    [alarm] = _plan(service).services[0].alarms
    assert alarm.metric is not None
    assert {k: getattr(alarm.metric, k) for k in expected} == expected


def test_override_changes_severity_and_therefore_routing() -> None:
    service = ("version: 1\nservice: orders\nowner: o\ndefaults: {namespace: N}\nalarms:\n"
               "  a: {severity: critical, metric: M, threshold: '> 1', env: {prod: {severity: warning}}}\n")
    [alarm] = _plan(service).services[0].alarms
    assert alarm.severity == "warning"
    assert alarm.alarm_actions == ("vigil-prod-warning",) and alarm.ok_actions == ("vigil-prod-warning",)
    assert "Severity: warning" in alarm.description


def test_disabled_alarms_are_dropped() -> None:
    service = ("version: 1\nservice: orders\nowner: o\ndefaults: {namespace: N}\nalarms:\n"
               "  a: {severity: critical, metric: M, threshold: '> 1', enabled: false}\n"
               "  b: {severity: critical, metric: M, threshold: '> 1', env: {prod: {enabled: false}}}\n"
               "  c: {severity: critical, metric: M, threshold: '> 1', enabled: false, env: {prod: {enabled: true}}}\n")
    assert [a.key for a in _plan(service).services[0].alarms] == ["c"]


def test_condition_in_words() -> None:
    service = ("version: 1\nservice: orders\nowner: o\ndefaults: {namespace: N}\nalarms:\n"
               "  a: {severity: warning, metric: APILatency, stat: p95, period: 15m, threshold: '> 2000'}\n"
               "  b: {severity: warning, metric: M, stat: Sum, threshold: '< 1', evaluation_periods: 3, "
               "datapoints_to_alarm: 2}\n")
    conditions = {a.key: a.condition for a in _plan(service).services[0].alarms}
    assert conditions == {"a": "p95 APILatency > 2000 for 1 of 1 x 15 min", "b": "Sum M < 1 for 2 of 3 x 5 min"}


def test_with_description_equals_dataclasses_replace() -> None:
    """AlarmPlan.with_description skips __init__: it must stay equal to dataclasses.replace, which holds while
    AlarmPlan has no __post_init__ and no field left out of __init__."""
    import dataclasses

    from vigil.plan.model import AlarmPlan

    assert not hasattr(AlarmPlan, "__post_init__")
    assert all(f.init for f in dataclasses.fields(AlarmPlan))
    alarm = AlarmPlan(key="errors", name="prod-orders-errors", service="orders", severity="critical",
                      kind="threshold", condition="", summary="s", owner="o", runbook=None, description="",
                      source="alarm_specs/orders.yaml", threshold=5.0, alarm_actions=("prod-critical",))
    described = alarm.with_description("Errors > 5", "Orders errors")
    assert described == dataclasses.replace(alarm, condition="Errors > 5", description="Orders errors")
    assert described is not alarm and alarm.condition == "" and alarm.description == ""
