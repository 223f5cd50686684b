"""`python -m vigil diff --base REF`: what a pull request changes, per environment, without AWS."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import SERVICE_YAML, SpecRepo
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
    assert "git: cannot read revision" in capsys.readouterr().err
