"""The benchmark's generator and runner, at a tiny size (the real run is `make bench`, never part of the tests)."""

from __future__ import annotations

from pathlib import Path

from bench.generate import alarm_kind, generate, generate_org
from bench.run import report, run
from vigil.plan.resolve import plan_workspace
from vigil.spec.workspace import read_sources


def test_generated_organisation_validates_with_the_intended_mix(tmp_path: Path) -> None:
    root = generate(tmp_path, services=3, alarms=40)
    [plan] = plan_workspace(read_sources(root)).environments
    assert [s.name for s in plan.services] == ["svc001", "svc002", "svc003"]
    alarms = [a for s in plan.services for a in s.alarms]
    assert len(alarms) == 120
    kinds = [alarm_kind(i) for i in range(40)]
    assert {k: kinds.count(k) for k in set(kinds)} == {"static": 16, "percentile": 10, "math": 10, "composite": 4}
    assert {a.kind for a in alarms} == {"threshold", "composite"}
    assert any(a.metric is not None and a.metric.stat == "p99" for a in alarms)
    assert any(a.expression == "100 * errors / requests" for a in alarms)


def test_organisation_runs_each_service_in_one_target_and_synthesizes_per_deployment(tmp_path: Path) -> None:
    root = generate_org(tmp_path / "organisation", accounts=2, services=6, alarms=10)
    plan = plan_workspace(read_sources(root))
    assert sorted(e.target or "" for e in plan.environments) == ["a01-eu", "a01-us", "a02-eu", "a02-us"]
    assert sum(len(s.alarms) for e in plan.environments for s in e.services) == 60
    assert {e.target: [s.name for s in e.services] for e in plan.environments}["a01-us"] == ["svc001", "svc005"]
    results = run(1, 10, tmp_path, settle=0, org_accounts=2, org_services=6)
    assert [m.name for m in results][-2:] == ["validate (org)", "synth (org)"]
    assert results[-1].phases["processes"] == 2  # the four target deployments in one, the monitoring account's
    templates = sorted(p.name for p in (tmp_path / "cdk.out.org").glob("*/*.template.json"))
    assert len(templates) == 4 + 6 + 2  # routing per target, a stack per service, monitoring per region
    assert 0 < results[-1].phases["monitoring CPU"] < results[-1].cpu_seconds
    text = report(results, 1, 10, 60)
    assert "synth (org) per alarm / synth (vigil) per alarm: " in text
    assert "the deployments' processes per alarm / synth (vigil) per alarm: " in text


def test_runner_measures_every_part_and_reports_ratios(tmp_path: Path) -> None:
    results = run(1, 20, tmp_path, settle=0)
    assert [m.name for m in results] == ["validate", "plan", "synth (vigil)", "synth (baseline)", "synth (baseline*)"]
    assert all(m.seconds > 0 and m.max_process_mib > 0 for m in results)
    assert set(results[2].phases) == {"import", "plan", "constructs", "synth"}
    assert len(list((tmp_path / "cdk.out.vigil").glob("*.template.json"))) == 2
    assert len(list((tmp_path / "cdk.out.baseline").glob("*.template.json"))) == 2
    assert (tmp_path / "cdk.out.baseline" / "tree.json").is_file()
    assert not (tmp_path / "cdk.out.baseline-vigil-app" / "tree.json").exists()
    assert not (tmp_path / "cdk.out.vigil" / "tree.json").exists()
    text = report(results, 1, 20)
    assert "synth time vigil / baseline: " in text and "baseline with vigil's app settings: " in text
    assert "1 services x 20 alarms = 20 alarms" in text
