"""An organisation's environment and service files for tests, and what those tests do with them: plan,
validate, lint."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from vigil import cli
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources

ORG = """\
version: 1
name: org
targets:
  us: {account: "310000000001", region: us-east-1}
  eu: {account: "310000000001", region: eu-west-1}
  shop: {account: "310000000002", region: us-east-1}
monitoring: {account: "310000000009", region: us-east-1, organization_id: o-a1b2c3d4e5}
routing: central
stackset:
  organizational_units: [ou-a1b2-11111111]
  failure_tolerance_percentage: 10
  max_concurrent_percentage: 50
routes:
  critical: [pagerduty-primary, slack-incidents]
  warning: [slack-alerts]
  info: [team-email]
channels:
  pagerduty-primary: {type: pagerduty, integration_key: {secret: monitoring/pagerduty-primary}}
  slack-incidents: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}
  slack-alerts: {type: slack, webhook: {secret: monitoring/slack-alerts}}
  team-email: {type: email, address: oncall@example.com}
"""

SERVICE = """\
version: 1
service: coaching
owner: coaching-team
runbook: https://runbooks.example.com/coaching
defaults: {namespace: PurposePath/Coaching, dimensions: {Service: Coaching, Region: "{{ region }}"}, period: 5m}
alarms:
  high-error-rate:
    severity: critical
    expression: 100 * errors / requests
    metrics:
      errors: {metric: Errors, stat: Sum}
      requests: {metric: RequestCount, stat: Sum}
    threshold: "> 5"
  api-down: {severity: critical, metric: RequestCount, stat: Sum, threshold: "< 1"}
  high-latency: {severity: warning, metric: APILatency, stat: p95, threshold: "> 2000"}
  p0: {severity: critical, composite: "ALARM(high-error-rate) OR ALARM(api-down)"}
log_groups:
  /aws/lambda/coaching-{{ env }}: {existing: true, retention: 30d}
"""

STACKSET_CHANNELS = """\
channels:
  pagerduty-primary: {type: pagerduty, integration_key: {secret: monitoring/pd}}
  slack-incidents: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}
  slack-alerts: {type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCE}
  team-email: {type: email, address: oncall@example.com}
"""
"""ORG's channels as a StackSet can carry them with per-account routing: Slack through Chatbot, no webhook."""


def org_environment(**changes: str) -> str:
    """The ORG environment with top-level keys replaced (`key=None` text drops the key)."""
    lines = ORG.splitlines(keepends=True)
    out, skip = [], False
    for line in lines:
        key = line.split(":", 1)[0]
        if not line.startswith(" "):
            skip = key in changes
            if skip and changes[key]:
                out.append(textwrap.dedent(changes[key]).rstrip("\n") + "\n")
        if not skip:
            out.append(line)
    return "".join(out)


def plan_org(root: Path, only: list[str] | None = None) -> WorkspacePlan:
    return plan_workspace(read_sources(root), only=only or ["org"])


def validate_problems(root: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert cli.main(["--root", str(root), "validate"]) == 2
    return [line for line in capsys.readouterr().err.splitlines() if not line.endswith("problem(s) found.")]


def cfn_lint(tmp_path: Path, template: dict[str, Any]) -> None:
    path = tmp_path / "member.template.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run([str(cfn_lint), "--", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
