"""`vigil import` against alarms nobody here wrote (tests/fixtures/import_corpus/): none is lost, every difference
is reported, and the files validate as written. `python -m tests.import_corpus` prints the same measurement."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.import_corpus.measure import Measurement, corpus_alarm, load_all, measure
from vigil.live.import_result import ImportResult
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Measurement, ImportResult, Path]:
    root = tmp_path_factory.mktemp("corpus")
    measurement, result = measure(load_all(), root)
    return measurement, result, root


def test_corpus_nothing_lost_or_unreported(corpus: tuple[Measurement, ImportResult, Path]) -> None:
    measurement, _, _ = corpus
    assert measurement.total >= 570
    assert measurement.lost == []
    assert measurement.unreported == {}
    assert measurement.validation == []
    assert len(measurement.exact) + len(measurement.reported) + len(measurement.skipped) == measurement.total
    holdable = measurement.total - len(measurement.refused())
    assert len(measurement.exact) >= 0.95 * holdable
    assert set(measurement.skipped) == set(measurement.refused())  # every skip is an alarm CloudWatch refuses


def test_corpus_files_validate_as_written(corpus: tuple[Measurement, ImportResult, Path]) -> None:
    _, result, root = corpus
    plan = plan_workspace(read_sources(root))
    assert sum(len(s.alarms) for e in plan.environments for s in e.services) == len(result.names)


def test_an_alarm_cloudwatch_would_refuse_is_reported_not_written(tmp_path: Path) -> None:
    alarms = [corpus_alarm("orders-ok", tags={"service": "orders"}),
              corpus_alarm("orders-too-long", EvaluationPeriods=1441, tags={"service": "orders"})]
    measurement, result = measure(alarms, tmp_path)
    assert measurement.skipped == {"orders-too-long": (
        "would not validate: evaluation_periods: period x evaluation_periods is 86460 s; CloudWatch allows 86400 s "
        "(1 day for periods under 1 hour)")}
    assert "too-long" not in (tmp_path / "alarm_specs/orders.yaml").read_text()
    assert set(result.names) == {"orders-ok"}


def test_a_service_needing_several_stacks_gets_its_lock(tmp_path: Path) -> None:
    alarms = [corpus_alarm(f"fleet-cpu-{i:04d}", Dimensions=[{"Name": "InstanceId", "Value": f"i-{i:017x}"}],
                     tags={"service": "fleet"}) for i in range(620)]
    measurement, _ = measure(alarms, tmp_path)
    assert (measurement.lost, measurement.validation, len(measurement.exact) + len(measurement.reported)) == (
        [], [], 620)
    plan = plan_workspace(read_sources(tmp_path))
    (fleet,) = plan.environments[0].services
    assert len(fleet.shards) >= 2
    assert (tmp_path / "vigil.lock.json").is_file()
