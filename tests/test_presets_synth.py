"""A service with one resource of every preset type validates, synthesizes, and passes cfn-lint with no finding;
its alarms reach the template as CloudWatch expects them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.presets_examples import OFF_BY_DEFAULT, every_type_yaml
from tests.synth import alarm_by_name, resources, synth_repo
from vigil.presets.catalog import catalog


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import ACCOUNTS, ENVIRONMENT_YAML

    root = tmp_path_factory.mktemp("repo")
    (root / "environments").mkdir()
    (root / "environments" / "prod.yaml").write_text(ENVIRONMENT_YAML.format(name="prod", account=ACCOUNTS["prod"]))
    (root / "alarm_specs").mkdir()
    (root / "alarm_specs" / "shop.yaml").write_text(every_type_yaml(OFF_BY_DEFAULT))
    outdir = tmp_path_factory.mktemp("cdk.out")
    synth_repo(root, outdir, nag=True)  # cdk-nag: no unacknowledged finding
    return outdir


def _template(out: Path) -> dict[str, Any]:
    import json

    return json.loads((out / "vigil-prod-shop.template.json").read_text())


def test_every_catalog_alarm_is_in_the_template(out: Path) -> None:
    template = _template(out)
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) == sum(len(p.alarms) for p in catalog().values())


def test_cfn_lint_reports_nothing(out: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    templates = [str(p) for p in sorted(out.glob("*.template.json"))]
    result = subprocess.run([str(cfn_lint), "--", *templates], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_percentile_preset_alarm_uses_extended_statistic_with_its_dimensions(out: Path) -> None:
    alarm = alarm_by_name(_template(out), "prod-shop-fn-duration")
    assert alarm["ExtendedStatistic"] == "p90" and "Statistic" not in alarm
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "orders-fn"}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"], alarm["Period"], alarm["EvaluationPeriods"],
            alarm["DatapointsToAlarm"], alarm["TreatMissingData"]) == \
        (24000, "GreaterThanThreshold", 60, 15, 15, "notBreaching")
    assert "Summary: p90 duration stays close to the timeout" in alarm["AlarmDescription"]


def test_a_preset_math_alarm_names_its_metrics(out: Path) -> None:
    alarm = alarm_by_name(_template(out), "prod-shop-alb-target-5xx")
    ids = {m["Id"]: m for m in alarm["Metrics"]}
    assert ids["expr"]["Expression"] == "100 * FILL(errors, 0) / requests"
    assert ids["errors"]["MetricStat"]["Metric"]["MetricName"] == "HTTPCode_Target_5XX_Count"
