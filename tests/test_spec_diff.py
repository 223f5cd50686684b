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


# Routes: one entry per changed route, with the alarms it reaches --------------------------------------------------


def test_a_route_change_is_one_entry_that_counts_the_alarms_it_reaches(full: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    env = full / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("critical: [pagerduty-primary, slack-incidents]",
                                           "critical: [pagerduty-primary, slack-incidents, team-email]"))
    out = _diff(full, capsys, "--env", "prod")
    # the SLO's burn-window children and traffic guard have their actions disabled: the route does not reach them
    assert out == """\
prod: 1 change(s)
  ~ route critical: now notifies pagerduty-primary, slack-incidents, team-email (was pagerduty-primary, \
slack-incidents); reaches 5 alarms of 1 service (coaching 5)
      coaching: prod-coaching-api-down, prod-coaching-high-error-rate, prod-coaching-p0, \
prod-coaching-slo-availability-page, prod-coaching-canary-api-health
"""
    markdown = _diff(full, capsys, "--env", "prod", "--format", "markdown")
    assert "  <details><summary>5 alarms</summary>\n\n  - coaching: `prod-coaching-api-down`, " in markdown
    assert "**changed** alarm" not in markdown and "**changed** slo" not in markdown


def test_a_new_severity_still_names_who_the_alarm_now_notifies(full: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    env = full / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("warning: [slack-alerts]", "warning: [slack-alerts, team-email]"))
    _write_spec(full, EVERYTHING.replace("  high-latency:\n    severity: warning",
                                         "  high-latency:\n    severity: critical"))
    out = _diff(full, capsys, "--env", "prod")
    assert "reaches" not in out.split("route warning")[1].splitlines()[0]  # no warning alarm left to reach
    assert "  ~ alarm prod-coaching-high-latency\n" in out
    assert "      notifies: slack-alerts -> pagerduty-primary, slack-incidents\n" in out


def test_who_is_notified_is_the_same_fact_in_plan_and_diff(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(full), "plan", "--env", "prod", "--format", "json"]) == 0
    alarms = {a["name"]: a["notifies"] for a in json.loads(capsys.readouterr().out)["services"][0]["alarms"]}
    silent = {name for name, who in alarms.items() if not who}
    assert silent == {f"prod-coaching-slo-availability-{k}" for k in (
        "traffic", "burn-5m-page", "burn-1h-page", "burn-30m-page", "burn-6h-page")}
    env = full / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("critical: [pagerduty-primary, slack-incidents]", "critical: []"))
    reached = json.loads(_diff(full, capsys, "--env", "prod", "--format", "json"))[0]["changes"][0]["reaches"]
    assert set(reached["coaching"]) == {name for name, who in alarms.items() if who == [
        "pagerduty-primary", "slack-incidents"]}


# Routing map ------------------------------------------------------------------------------------------------------


def test_the_routing_map_marks_a_rerouted_severity(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _diff(full, capsys, "--env", "prod", "--format", "markdown").count("```mermaid") == 0  # nothing moved
    env = full / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("critical: [pagerduty-primary, slack-incidents]",
                                           "critical: [pagerduty-primary, team-email]"))
    out = _diff(full, capsys, "--env", "prod", "--format", "markdown")
    graph = out[out.index("```mermaid"):out.index("```", out.index("```mermaid") + 3)]
    edges = [line.strip() for line in graph.splitlines() if '|"' in line]
    assert [e for e in edges if "added" in e or "removed" in e] == [
        's2_critical -.->|"5 removed"| c7_slack_incidents', 's2_critical ==>|"+ 5 added"| c8_team_email']
    assert 'n1_coaching -->|"5"| s2_critical' in edges  # unchanged edges are drawn plainly
    assert "linkStyle 4 stroke:#cf222e" in graph and "linkStyle 5 stroke:#1a7f37" in graph


def test_the_plan_map_counts_alarms_that_notify_and_escapes_spec_text(spec_repo: SpecRepo,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({"alarm_specs/coaching.yaml": EVERYTHING.replace("owner: coaching-team",
                                                                      'owner: "a<b>\\"c` team"')})
    assert main(["--root", str(root), "plan", "--env", "prod", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    graph = out[out.index("```mermaid"):out.index("```", out.index("```mermaid") + 3)]
    assert 'subgraph o0_a_b__c__team["a#lt;b#gt;#quot;c#96; team"]' in graph
    assert 'n1_coaching -->|"5"| s2_critical' in graph  # the 5 silent SLO children are not counted
    assert "5 alarm(s) have their actions disabled" in out


def test_a_large_organisation_is_collapsed_by_owner_and_the_map_says_so(repo: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """40 services of 20 owners: unchanged services fold into one node per owner, the 6 owners with the fewest
    alarms into one node, and the service the change touches stays on its own."""
    for number in range(40):
        alarms = "".join(f"  a{k}: {{severity: warning, metric: M, namespace: NS, threshold: '> 1'}}\n"
                         for k in range(1 + number % 3))
        (repo / "alarm_specs" / f"svc{number:02}.yaml").write_text(
            f"version: 1\nservice: svc{number:02}\nowner: team{number % 20:02}\nalarms:\n{alarms}")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "many")
    changed = repo / "alarm_specs" / "svc05.yaml"
    changed.write_text(changed.read_text().replace("severity: warning", "severity: critical"))
    out = _diff(repo, capsys, "--env", "prod", "--format", "markdown")
    graph = out[out.index("```mermaid"):out.index("```", out.index("```mermaid") + 3)]
    assert '["svc05"]' in graph and '["team05: 1 services"]' not in graph
    assert '["team00: 2 services"]' in graph
    assert graph.count("subgraph") == 15  # MAX_OWNERS: 14 owners and one node for the rest
    assert "Collapsed: 41 services are more than 25, so each owner's unchanged services are one node" in out
    assert "Merged the 7 owners with the fewest alarms into one node: " in out


def test_a_route_reaching_many_alarms_lists_a_few_and_counts_the_rest(repo: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    alarms = "".join(f"  a{k:03}: {{severity: warning, metric: M, namespace: NS, threshold: '> 1'}}\n"
                     for k in range(120))
    (repo / "alarm_specs" / "big.yaml").write_text(f"version: 1\nservice: big\nowner: big-team\nalarms:\n{alarms}")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "big")
    env = repo / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("warning: [slack-alerts]", "warning: [team-email]"))
    text = _diff(repo, capsys, "--env", "prod")
    assert "reaches 121 alarms of 2 services (big 120, coaching 1)" in text
    assert "      big: prod-big-a000, prod-big-a001, " in text and "prod-big-a009 and 110 more\n" in text
    markdown = _diff(repo, capsys, "--env", "prod", "--format", "markdown")
    assert "`prod-big-a049` and 70 more\n" in markdown
    data = json.loads(_diff(repo, capsys, "--env", "prod", "--format", "json"))
    assert len(data[0]["changes"][0]["reaches"]["big"]) == 120


def test_a_severity_routed_to_nobody_is_drawn_to_a_nobody_node(full: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = full / "environments" / "prod.yaml"
    env.write_text(env.read_text().replace("critical: [pagerduty-primary, slack-incidents]", "critical: []"))
    out = _diff(full, capsys, "--env", "prod", "--format", "markdown")
    assert ("- **changed** route critical: now notifies nobody (was pagerduty-primary, slack-incidents); "
            "reaches 5") in out
    assert 'c9__nobody_(("(nobody)"))' in out
    assert 's2_critical ==>|"+ 5 added"| c9__nobody_' in out


@pytest.mark.parametrize("command", [["targets", "--format", "json"], ["preview", "--out", "preview-out"]])
def test_every_command_comparing_with_a_revision_fails_when_git_cannot_read_it(
        repo: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    assert main(["--root", str(repo), *command, "--base", "no-such-ref"]) == 2
    assert "git:1: cannot read revision" in capsys.readouterr().err
