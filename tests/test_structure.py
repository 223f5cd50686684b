"""The structure the code promises: every name with its inverse in one module, spec modules that import on their
own, and one alarm shape that the template, verify and the size estimate share."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from vigil import naming
from vigil.live.verify import expected_properties
from vigil.plan.alarm_shape import alarm_properties
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources


def test_names_and_their_inverses() -> None:
    assert naming.without_env_prefix("prod", naming.alarm_name("prod", "coaching", "api-down")) == "coaching-api-down"
    assert naming.without_env_prefix("prod", "staging-coaching-api-down") == "staging-coaching-api-down"
    assert naming.topic_name("prod", "critical").startswith(naming.vigil_prefix("prod"))
    assert naming.sns_topic_arn("cn-north-1", "123456789012", "vigil-prod-info") == \
        "arn:aws-cn:sns:cn-north-1:123456789012:vigil-prod-info"
    assert naming.secret_arn("aws", "us-east-1", "123456789012", "team/key") == \
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/key-??????"
    assert naming.secret_arn("aws", "us-east-1", "1", "arn:aws:secretsmanager:x") == "arn:aws:secretsmanager:x"


def test_each_spec_module_imports_on_its_own() -> None:
    for module in ("vigil.spec.slo", "vigil.spec.metrics", "vigil.spec.service", "vigil.plan.model"):
        code = f"import {module}"
        if module == "vigil.spec.slo":
            code += "; vigil.spec.slo.SloSpec.model_json_schema()"
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, (module, result.stderr)


def test_verify_expects_the_template_properties_of_every_alarm() -> None:
    plan = plan_workspace(read_sources(ROOT), only=["prod"]).environments[0]
    alarms = [a for s in plan.services for a in s.alarms]
    assert {a.kind for a in alarms} == {"threshold", "anomaly", "composite"}
    for alarm in alarms:
        expected = expected_properties(plan, alarm)
        template = alarm_properties(alarm, {t: naming.sns_topic_arn(plan.region, plan.account, t)
                                            for t in (*alarm.alarm_actions, *alarm.ok_actions)}, ())
        for key, value in template.items():
            if key == "Metrics":
                assert expected[key] == [{k: v for k, v in q.items() if k != "Label"} for q in value], alarm.name
            elif key != "AlarmName":
                assert expected[key] == value, (alarm.name, key)
