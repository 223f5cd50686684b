"""`python -m vigil diff --base REF`: what a pull request changes, per environment, without AWS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SERVICE_YAML, SpecRepo
from tests.test_plan_output import EVERYTHING, OVERVIEW
from vigil.cli import main


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(spec_repo: SpecRepo) -> Path:
    root = spec_repo()
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return root


def _diff(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    assert main(["--root", str(root), "diff", "--base", "HEAD", *extra]) == 0
    return capsys.readouterr().out


def test_no_change_reports_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _diff(repo, capsys) == "dev: no change(s)\nprod: no change(s)\nstaging: no change(s)\n"


def test_a_moved_threshold_names_the_alarm_and_the_field(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "alarm_specs" / "coaching.yaml"
    spec.write_text(SERVICE_YAML.replace('threshold: "> 2000"', 'threshold: "> 2500"'))
    out = _diff(repo, capsys, "--env", "prod")
    assert "  ~ alarm prod-coaching-high-latency" in out
    assert "      threshold: 2000 -> 2500" in out
    assert ("      condition: p95 APILatency > 2000 for 1 of 1 x 15 min -> "
            "p95 APILatency > 2500 for 1 of 1 x 15 min") in out


def test_added_removed_alarms_and_who_is_paged(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = repo / "alarm_specs" / "coaching.yaml"
    text = SERVICE_YAML.replace(
        "  traffic-anomaly: {severity: info, metric: RequestCount, stat: Sum, anomaly: {band: 2}}\n",
        "  queue-depth: {severity: critical, metric: Depth, stat: Maximum, threshold: '> 100'}\n")
    spec.write_text(text.replace("  high-latency:\n    severity: warning",
                                 "  high-latency:\n    severity: critical"))
    out = _diff(repo, capsys, "--env", "prod")
    assert ("  + alarm prod-coaching-queue-depth: critical: Maximum Depth > 100 for 1 of 1 x 5 min -> "
            "pagerduty-primary, slack-incidents") in out
    assert "  - alarm prod-coaching-traffic-anomaly: info" in out
    assert "      notifies: slack-alerts -> pagerduty-primary, slack-incidents" in out


def test_routing_changes_say_who_is_now_paged(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = repo / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("critical: [pagerduty-primary, slack-incidents]",
                                           "critical: [slack-incidents]"))
    out = _diff(repo, capsys, "--env", "prod", "--format", "markdown")
    assert "- **changed** route critical: now notifies slack-incidents (was pagerduty-primary, slack-incidents)" in out


def test_json_output_and_unknown_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_diff(repo, capsys, "--format", "json"))
    assert [d["environment"] for d in data] == ["dev", "prod", "staging"]
    assert main(["--root", str(repo), "diff", "--base", "no-such-ref"]) == 2
    assert "git:1: cannot read revision" in capsys.readouterr().err


# SLOs, dashboards, log groups, canaries and X-Ray ----------------------------------------------------------------


@pytest.fixture
def full(spec_repo: SpecRepo) -> Path:
    root = spec_repo({"alarm_specs/coaching.yaml": EVERYTHING, "dashboards/overview.yaml": OVERVIEW})
    _git(root, "init", "-q")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    return root


def _write_spec(root: Path, text: str) -> None:
    (root / "alarm_specs" / "coaching.yaml").write_text(text)


def test_moving_definitions_in_the_file_changes_nothing(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_spec(full, "# a comment shifts every line\n" + EVERYTHING)
    assert _diff(full, capsys) == "dev: no change(s)\nprod: no change(s)\nstaging: no change(s)\n"


def test_log_group_retention_filters_queries_and_removal(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_spec(full, EVERYTHING.replace("retention: 30d", "retention: 90d")
                .replace('level = "error"', 'level = "fatal"')
                .replace("  /app/coaching-{{ env }}:\n    retention: never\n", "")
                .replace("      recent-errors:", "      top: 'stats count() by bin(5m)'\n      recent-errors:"))
    out = _diff(full, capsys, "--env", "prod")
    assert out.endswith("""\
  - log group /app/coaching-prod: owned group: retained with its logs (vigil never deletes logs); delete it by \
hand if unwanted
  ~ log group /aws/lambda/coaching-api-prod
      filter error-lines pattern: { $.level = "error" } -> { $.level = "fatal" }
      query top: (none) -> stats count() by bin(5m)
      retention: 30 d -> 90 d
""")


def test_added_log_group_filter_and_slo(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_spec(full, EVERYTHING.replace("log_groups:\n", "log_groups:\n  /new/{{ env }}:\n    retention: 7d\n"
                                         "    metric_filters:\n      oom: {pattern: OutOfMemory, metric: Ooms, "
                                         "unit: Count}\n")
                .replace("slos:\n", "slos:\n  fast:\n    objective: 99\n    window: 7d\n"
                                    "    latency: {metric: APILatency, below: 500}\n    page: {severity: warning}\n"))
    out = _diff(full, capsys, "--env", "prod")
    assert ("  + slo coaching/fast: 99% over 7 d (budget 1%, guard 100 events/h); page warning -> slack-alerts; "
            "ticket warning -> slack-alerts\n") in out
    assert "  + log group /new/prod: owned, retention 7 d, 1 filter, 0 queries\n" in out
    assert ("  ~ dashboard prod-coaching: widgets added: fast: 99% over 7 d: error budget remaining (%), "
            "fast: 99% over 7 d: burn rate (x budget, hourly), /new/prod: metric filters; changed: Alarms\n"
            "      metrics: 15 -> 22\n      widgets: 10 -> 13\n") in out
    assert "  + alarm prod-coaching-slo-fast-page: warning: " in out


def test_slo_objective_and_alerts(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_spec(full, EVERYTHING.replace("objective: 99.9", "objective: 99.5")
                .replace("ticket: {enabled: false}", "ticket: {severity: info}"))
    out = _diff(full, capsys, "--env", "prod")
    assert """\
  ~ slo coaching/availability
      objective: 99.9% -> 99.5%
      ticket: disabled -> info -> team-email
  ~ dashboard prod-coaching: widgets changed: Alarms, availability: 99.5% over 30 d: error budget remaining (%), \
availability: 99.5% over 30 d: burn rate (x budget, hourly)
""" in out  # the alarm states list the new ticket alarm; the retitled rows are changes, not swaps
    assert "  + alarm prod-coaching-slo-availability-ticket: info: " in out


def test_declared_dashboard_widgets(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (full / "dashboards" / "overview.yaml").write_text(OVERVIEW.replace("markdown: hi", "markdown: hello") + (
        "  - - {type: metric, title: Requests, metrics: [{namespace: NS, metric: RequestCount}], width: 24}\n"))
    out = _diff(full, capsys, "--env", "prod")
    assert out == """\
prod: 1 change(s)
  ~ dashboard prod-overview: widgets added: Requests; changed: hello
      metrics: 0 -> 1
      widgets: 1 -> 2
"""


def test_removed_dashboard_canary_and_xray_changes(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (full / "dashboards" / "overview.yaml").unlink()
    _write_spec(full, EVERYTHING.replace("every: 5m", "every: 10m").replace("fixed_rate: 0.05", "fixed_rate: 0.1")
                .replace("insights: true}}", "insights: false}}"))
    out = _diff(full, capsys, "--env", "prod")
    assert out.endswith("""\
  - dashboard prod-overview: declared in dashboards/overview.yaml, 1 widget, 0 metrics
  ~ canary prod-coaching-api-health
      every: 5 min -> 10 min
      run_timeout: 5 min -> 10 min
  ~ x-ray group prod-coaching-slow
      insights: true -> false
  ~ x-ray sampling rule prod-coaching-default
      fixed_rate: 0.05 -> 0.1
cost prod: 12.40 -> 7.14 USD a month (-5.26)
""")  # half the canary runs; the removed dashboard was within the free three
