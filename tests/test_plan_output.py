"""`python -m vigil plan`: per service, each alarm with severity, condition in words and who is notified, then its
SLOs, log groups, dashboards, canaries and X-Ray."""

from __future__ import annotations

import json

import pytest

from tests.conftest import AVAILABILITY_SLO, SERVICE_YAML, SpecRepo
from vigil.cli import main


def test_text_plan_lists_alarms_with_condition_and_recipients(spec_repo: SpecRepo,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "prod"]) == 0
    out = capsys.readouterr().out
    assert "critical -> pagerduty-primary (pagerduty), slack-incidents (slack-chatbot)" in out
    assert ("  warning  high-latency     p95 APILatency > 2000 for 1 of 1 x 15 min  -> slack-alerts") in out
    assert "critical p0               ALARM(high-error-rate) OR ALARM(api-down)  -> pagerduty-primary" in out


def test_text_plan_shows_dimensions_and_missing_data_under_each_alarm(spec_repo: SpecRepo,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    after = {line.split()[1]: lines[i + 1].strip() for i, line in enumerate(lines[:-1])
             if line.startswith(("  critical ", "  warning ", "  info "))}
    assert after["api-down"] == "PurposePath/Coaching Service=Coaching; missing data: treated as breaching"
    assert after["high-error-rate"] == ("PurposePath/Coaching Service=Coaching; missing data: missing "
                                        "(INSUFFICIENT_DATA when all points are missing)")
    assert after["p0"].startswith("info ")  # a composite alarm has no metrics: the next alarm follows at once


def test_markdown_plan_is_a_table_per_service(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "staging", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| `high-latency` | warning | p95 APILatency > 4000 for 1 of 1 x 15 min | slack-alerts |" in out


def test_json_plan_carries_alarms_routes_and_secret_references_only(spec_repo: SpecRepo,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "dev", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["environment"] == "dev"
    assert data["channels"]["pagerduty-primary"]["integration_key"] == {"secret": "monitoring/pagerduty-primary"}
    alarms = {a["key"]: a for a in data["services"][0]["alarms"]}
    assert "high-latency" not in alarms  # disabled in dev
    assert alarms["api-down"]["notifies"] == ["pagerduty-primary", "slack-incidents"]


def test_plan_of_an_unknown_environment_fails_naming_the_environments(spec_repo: SpecRepo,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "qa"]) == 2
    assert capsys.readouterr().err == 'vigil: --env: no environment "qa"; environments: dev, prod, staging\n'


# Everything else a service deploys -----------------------------------------------------------------------------

EVERYTHING = SERVICE_YAML + "slos:\n" + AVAILABILITY_SLO + """\
    ticket: {enabled: false}
log_groups:
  /aws/lambda/coaching-api-{{ env }}:
    existing: true
    retention: 30d
    metric_filters:
      error-lines: {pattern: '{ $.level = "error" }', metric: LogErrors, value: 1}
    queries:
      recent-errors: "fields @timestamp, @message | filter level = 'error' | sort @timestamp desc | limit 50"
  /app/coaching-{{ env }}:
    retention: never
tracing:
  groups: {coaching-slow: {filter: 'service("coaching") AND responsetime > 2', insights: true}}
  sampling:
    coaching-default: {service: coaching, fixed_rate: 0.05, reservoir: 1, priority: 1000}
canaries:
  api-health: {url: "https://{{ vars.api_host }}/health", every: 5m, expect: {status: 200}, severity: critical}
"""
OVERVIEW = "version: 1\ndashboard: overview\nrows:\n  - - {type: text, markdown: hi, width: 24}\n"


def _plan(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    root = spec_repo({"alarm_specs/coaching.yaml": EVERYTHING, "dashboards/overview.yaml": OVERVIEW})
    assert main(["--root", str(root), "plan", "--env", "prod", *extra]) == 0
    return capsys.readouterr().out


def test_text_plan_shows_slos_log_groups_dashboards_canaries_and_xray(spec_repo: SpecRepo,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = _plan(spec_repo, capsys)
    tail = out[out.index("  canary   "):]
    assert tail == """\
  canary   prod-coaching-api-health  every 5 min: https://api.prod.example.com/health
  x-ray    group prod-coaching-slow: service("coaching") AND responsetime > 2, insights
  x-ray    sampling prod-coaching-default: 1/s then 5% of coaching * * (priority 1000)
  slo      availability: 99.9% over 30 d (budget 0.1%, guard 100 events/h); page critical -> pagerduty-primary, \
slack-incidents; ticket disabled
  logs     /app/coaching-prod: owned, never expires, 0 filters, 0 queries
  logs     /aws/lambda/coaching-api-prod: existing, retention 30 d, 1 filter, 1 query
             filter error-lines: PurposePath/Coaching LogErrors (value 1) from { $.level = "error" }
             query prod-coaching/recent-errors
  dashboard prod-coaching: generated, 10 widgets, 15 metrics

Dashboards across services (stack vigil-prod-dashboards):
  dashboard prod-overview: declared in dashboards/overview.yaml, 1 widget, 0 metrics

Summary:
  prod: 1 service, 12 alarms (7 notify, 5 notify nobody), 1 SLO, 2 dashboards, 1 canary, 2 log groups, \
1 service stack (~50.4 kB)
"""


def test_markdown_plan_has_a_table_per_kind(spec_repo: SpecRepo, capsys: pytest.CaptureFixture[str]) -> None:
    out = _plan(spec_repo, capsys, "--format", "markdown")
    tail = out[out.index("| SLO |"):]
    assert tail == """\
| SLO | objective | page | ticket |
| --- | --- | --- | --- |
| `availability` | 99.9% over 30 d (budget 0.1%, guard 100 events/h) | critical -> pagerduty-primary, \
slack-incidents | disabled |

| canary | every | checks | notifies |
| --- | --- | --- | --- |
| `prod-coaching-api-health` | 5 min | https://api.prod.example.com/health | critical: pagerduty-primary, \
slack-incidents |

| X-Ray | name | what |
| --- | --- | --- |
| group | `prod-coaching-slow` | service("coaching") AND responsetime > 2, insights |
| sampling rule | `prod-coaching-default` | 1/s then 5% of coaching * * (priority 1000) |

| log group | kind | retention | metric filters | queries |
| --- | --- | --- | --- | --- |
| `/app/coaching-prod` | owned | never expires | none | none |
| `/aws/lambda/coaching-api-prod` | existing | 30 d | `error-lines`: PurposePath/Coaching LogErrors (value 1) from \
{ $.level = "error" } | `prod-coaching/recent-errors` |

| dashboard | what |
| --- | --- |
| `prod-coaching` | generated, 10 widgets, 15 metrics |

#### Dashboards across services

| dashboard | what |
| --- | --- |
| `prod-overview` | declared in dashboards/overview.yaml, 1 widget, 0 metrics |

#### Summary

- prod: 1 service, 12 alarms (7 notify, 5 notify nobody), 1 SLO, 2 dashboards, 1 canary, 2 log groups, \
1 service stack (~50.4 kB)
"""


def test_json_plan_carries_slos_log_groups_and_dashboards(spec_repo: SpecRepo,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_plan(spec_repo, capsys, "--format", "json"))
    [service] = data["services"]
    [slo] = service["slos"]
    assert (slo["key"], slo["objective"], slo["window"], slo["page_severity"], slo["ticket_alarm"]) == (
        "availability", 99.9, 2592000, "critical", None)
    assert slo["notifies"] == {"page": ["pagerduty-primary", "slack-incidents"], "ticket": []}
    groups = {g["name"]: g for g in service["log_groups"]}
    assert (groups["/app/coaching-prod"]["existing"], groups["/app/coaching-prod"]["retention_days"]) == (False, 0)
    assert [f["key"] for f in groups["/aws/lambda/coaching-api-prod"]["filters"]] == ["error-lines"]
    assert service["dashboards"] == [{"key": "Generated", "kind": "generated", "metrics": 15,
                                      "name": "prod-coaching", "part": 1, "parts": 1,
                                      "source": "alarm_specs/coaching.yaml", "widgets": 10}]
    assert [d["name"] for d in data["dashboards"]] == ["prod-overview"]
    assert [c["name"] for c in service["canaries"]] == ["prod-coaching-api-health"]
    assert [g["name"] for g in service["xray_groups"]] == ["prod-coaching-slow"]
