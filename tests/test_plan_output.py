"""`python -m vigil plan`: per service, each alarm with severity, condition in words and who is notified."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SpecRepo
from vigil.cli import main


def test_text_plan_lists_alarms_with_condition_and_recipients(spec_repo: SpecRepo,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "prod"]) == 0
    out = capsys.readouterr().out
    assert "critical -> pagerduty-primary (pagerduty), slack-incidents (slack-chatbot)" in out
    assert ("  warning  high-latency     p95 APILatency > 2000 for 1 of 1 x 15 min  -> slack-alerts") in out
    assert "critical p0               ALARM(high-error-rate) OR ALARM(api-down)  -> pagerduty-primary" in out


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


def test_plan_of_an_unknown_environment_is_a_spec_error(spec_repo: SpecRepo,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(spec_repo()), "plan", "--env", "qa"]) == 2
    assert 'no environment "qa"; found: dev, prod, staging' in capsys.readouterr().err
