"""Shared fixtures: temporary spec repositories and one synthesis of the example specs per test run."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
if NODE_BIN.is_dir():  # jsii must run on the pinned, supported Node.js, not the machine's
    os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

ENVIRONMENT_YAML = """\
version: 1
name: {name}
account: "{account}"
region: us-east-1
routes:
  critical: [pagerduty-primary, slack-incidents]
  warning: [slack-alerts]
  info: [team-email]
channels:
  pagerduty-primary: {{type: pagerduty, integration_key: {{secret: monitoring/pagerduty-primary}}}}
  slack-incidents: {{type: slack, workspace_id: T0123ABCD, channel_id: C0123ABCD}}
  slack-alerts: {{type: slack, webhook: {{secret: monitoring/slack-alerts}}}}
  team-email: {{type: email, address: oncall@example.com}}
vars: {{api_host: api.{name}.example.com}}
"""

SERVICE_YAML = """\
version: 1
service: coaching
owner: coaching-team
runbook: https://runbooks.example.com/coaching
defaults: {namespace: PurposePath/Coaching, dimensions: {Service: Coaching}, period: 5m}
alarms:
  high-error-rate:
    severity: critical
    summary: More than 5% of requests fail
    expression: 100 * errors / requests
    metrics:
      errors: {metric: Errors, stat: Sum}
      requests: {metric: RequestCount, stat: Sum}
    threshold: "> 5"
    evaluation_periods: 2
  api-down:
    severity: critical
    metric: RequestCount
    stat: Sum
    threshold: "< 1"
    evaluation_periods: 2
    missing_data: breaching
  high-latency:
    severity: warning
    metric: APILatency
    stat: p95
    period: 15m
    threshold: "> 2000"
    env: {staging: {threshold: "> 4000"}, dev: {enabled: false}}
  traffic-anomaly: {severity: info, metric: RequestCount, stat: Sum, anomaly: {band: 2}}
  p0: {severity: critical, composite: "ALARM(high-error-rate) OR ALARM(api-down)"}
"""

AVAILABILITY_SLO = """\
  availability:
    objective: 99.9
    window: 30d
    errors: {metric: Errors, stat: Sum}
    total: {metric: RequestCount, stat: Sum}
"""
"""The smallest SLO: 99.9% of requests succeed over 30 days; an entry of a `slos:` map."""

ACCOUNTS = {"dev": "111111111111", "staging": "222222222222", "prod": "123456789012"}

SpecRepo = Callable[..., Path]


class FakeTerminal(io.StringIO):
    """A text stream that says it is a terminal: what colour and progress lines are drawn on."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def spec_repo(tmp_path: Path) -> SpecRepo:
    """Write a spec repository: the DESIGN.md example environments and service, with any file replaced.

    `files` maps a relative path to its text (dedented); a value of None deletes that file.
    """

    def make(files: dict[str, str | None] | None = None, *, service: str | None = SERVICE_YAML) -> Path:
        root = tmp_path / "repo"
        if root.exists():
            shutil.rmtree(root)
        for name, account in ACCOUNTS.items():
            _write(root / "environments" / f"{name}.yaml", ENVIRONMENT_YAML.format(name=name, account=account))
        if service is not None:
            _write(root / "alarm_specs" / "coaching.yaml", service)
        for relative, text in (files or {}).items():
            if text is None:
                (root / relative).unlink()
            else:
                _write(root / relative, textwrap.dedent(text))
        return root

    return make


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An in-process moto account (123456789012) with fake credentials; no request leaves the process."""
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield
