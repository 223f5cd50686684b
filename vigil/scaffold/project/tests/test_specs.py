"""What `make test` checks on every pull request: the specs validate, and every environment synthesizes with
each planned alarm in a template, notifying the severity topic its route names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from vigil.naming import topic_name
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources
from vigil.stacks.app import build_app, new_app

ROOT = Path(__file__).resolve().parent.parent


def test_specs_validate() -> None:
    result = subprocess.run([sys.executable, "-m", "vigil", "--root", str(ROOT), "validate"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_every_environment_synthesizes_every_alarm(tmp_path: Path) -> None:
    plan = plan_workspace(read_sources(ROOT))
    app = new_app(str(tmp_path))
    build_app(app, plan)
    app.synth()
    alarms: dict[str, dict[str, Any]] = {}
    for path in tmp_path.glob("*.template.json"):
        for resource in json.loads(path.read_text(encoding="utf-8"))["Resources"].values():
            if resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"):
                alarms[resource["Properties"]["AlarmName"]] = resource["Properties"]
    for environment in plan.environments:
        for service in environment.services:
            for alarm in service.alarms:
                assert alarm.name in alarms, f"{alarm.name} is not in any template"
                actions = json.dumps(alarms[alarm.name].get("AlarmActions", []))
                if alarm.actions_enabled and environment.routes.get(alarm.severity):
                    assert topic_name(environment.name, alarm.severity) in actions, alarm.name
