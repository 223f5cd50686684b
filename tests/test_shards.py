"""Stacks per service: stable assignment through the lock file, CloudFormation limits checked in the plan,
the template size estimate against real templates, and what `plan` and `lock` show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, SpecRepo
from tests.synth import synth_plan, synth_repo
from vigil import limits
from vigil.cli import main
from vigil.plan import shards
from vigil.plan.model import WorkspacePlan
from vigil.plan.resolve import plan_workspace
from vigil.plan.template_size import TemplateSize
from vigil.spec.errors import SpecError
from vigil.spec.workspace import read_sources

SVC = "alarm_specs/coaching.yaml"


def service(keys: list[str], composites: dict[str, str] | None = None) -> str:
    """A service with one static alarm per key (and composite alarms: key -> rule)."""
    lines = ["version: 1", "service: coaching", "owner: coaching-team",
             "defaults: {namespace: NS, period: 5m}", "alarms:"]
    lines += [f'  {key}: {{severity: warning, metric: M, threshold: "> 1"}}' for key in keys]
    lines += [f'  {key}: {{severity: critical, composite: "{rule}"}}' for key, rule in (composites or {}).items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def budget_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two resources per stack, so that sharding shows with a handful of alarms; the service's own dashboard is
    left out of the count, so that each stack holds two alarms."""
    monkeypatch.setattr(shards, "SHARD_BUDGET", TemplateSize(2, 10**9))
    monkeypatch.setattr(shards, "service_level_size", lambda service, **_: TemplateSize(0, 0))


def stacks(root: Path, env: str = "prod") -> dict[str, tuple[str, ...]]:
    """stack name -> alarm keys, for one environment."""
    [plan] = plan_workspace(read_sources(root), only=[env]).environments
    return {shard.stack_name: shard.alarms for s in plan.services for shard in s.shards}


def lock(root: Path, *args: str) -> int:
    return main(["--root", str(root), "lock", *args])


def test_a_service_within_budget_keeps_its_single_stack_name(spec_repo: SpecRepo) -> None:
    assert stacks(spec_repo()) == {"vigil-prod-coaching": ("api-down", "high-error-rate", "high-latency", "p0",
                                                           "traffic-anomaly")}


def test_over_budget_splits_into_numbered_stacks_and_requires_the_lock(spec_repo: SpecRepo,
                                                                       budget_of_two: None) -> None:
    root = spec_repo({SVC: service(["a", "b", "c"])})
    with pytest.raises(SpecError) as caught:
        stacks(root)
    assert [str(p) for p in caught.value.problems] == [
        f"{SVC}:5: alarms: coaching needs 2 stacks in prod and 3 alarm(s) have none in vigil.lock.json (a, b, c); "
        "run `python -m vigil lock` and commit vigil.lock.json"]
    assert lock(root) == 0
    assert stacks(root) == {"vigil-prod-coaching": ("a", "b"), "vigil-prod-coaching-2": ("c",)}


def test_adding_an_alarm_that_sorts_first_moves_nothing(spec_repo: SpecRepo, budget_of_two: None) -> None:
    root = spec_repo({SVC: service(["b", "c", "d"])})
    assert lock(root) == 0
    before = stacks(root)
    root = spec_repo({SVC: service(["a", "b", "c", "d"]), "vigil.lock.json": (root / "vigil.lock.json").read_text()})
    with pytest.raises(SpecError):  # the new alarm is not in the lock yet
        stacks(root)
    assert lock(root) == 0
    after = stacks(root)
    assert after == {"vigil-prod-coaching": ("b", "c"), "vigil-prod-coaching-2": ("a", "d")}
    assert before == {"vigil-prod-coaching": ("b", "c"), "vigil-prod-coaching-2": ("d",)}


def test_removing_an_alarm_frees_its_place_for_the_next_new_one(spec_repo: SpecRepo, budget_of_two: None) -> None:
    root = spec_repo({SVC: service(["a", "b", "c"])})
    assert lock(root) == 0
    text = (root / "vigil.lock.json").read_text()
    root = spec_repo({SVC: service(["b", "c", "z"]), "vigil.lock.json": text})
    assert lock(root) == 0
    assert stacks(root) == {"vigil-prod-coaching": ("b", "z"), "vigil-prod-coaching-2": ("c",)}


def test_a_new_composite_goes_to_a_stack_at_or_after_its_children(spec_repo: SpecRepo, budget_of_two: None) -> None:
    root = spec_repo({SVC: service(["a", "b", "c"], {"p0": "ALARM(c) OR ALARM(a)"})})
    assert lock(root) == 0
    [plan] = plan_workspace(read_sources(root), only=["prod"]).environments
    [svc] = plan.services
    assert [(s.stack_name, s.alarms, s.depends_on) for s in svc.shards] == [
        ("vigil-prod-coaching", ("a", "b"), ()), ("vigil-prod-coaching-2", ("c", "p0"), (1,))]


def test_lock_check_reports_a_stale_lock_and_validate_notes_it(spec_repo: SpecRepo,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    assert lock(root, "--check") == 2
    assert lock(root) == 0
    assert lock(root, "--check") == 0
    data = json.loads((root / "vigil.lock.json").read_text())
    assert data["environments"]["dev"]["coaching"] == {"api-down": 1, "high-error-rate": 1, "p0": 1,
                                                        "traffic-anomaly": 1}
    root = spec_repo({SVC: service(["a"]), "vigil.lock.json": (root / "vigil.lock.json").read_text()})
    capsys.readouterr()
    assert main(["--root", str(root), "validate", "--env", "prod"]) == 0
    assert capsys.readouterr().err == ("note: vigil.lock.json is out of date for 1 service(s) (prod/coaching); run "
                                       "`python -m vigil lock` (`python -m vigil lock --check` lists the "
                                       "differences)\n")


def test_reshard_is_the_one_way_to_move_alarms(spec_repo: SpecRepo, budget_of_two: None,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({SVC: service(["c", "d"])})
    assert lock(root) == 0
    root = spec_repo({SVC: service(["a", "b", "c", "d"]), "vigil.lock.json": (root / "vigil.lock.json").read_text()})
    assert lock(root) == 0
    assert stacks(root)["vigil-prod-coaching"] == ("c", "d")
    capsys.readouterr()
    assert lock(root, "--env", "prod", "--reshard", "coaching") == 0
    assert capsys.readouterr().out == ("wrote vigil.lock.json: 1 environments, 2 service stacks; 4 alarm(s) move "
                                       "to another stack\n")
    assert stacks(root) == {"vigil-prod-coaching": ("a", "b"), "vigil-prod-coaching-2": ("c", "d")}


def test_a_malformed_lock_is_a_clear_error(spec_repo: SpecRepo) -> None:
    root = spec_repo({"vigil.lock.json": '{"version": 1, "environments": {"prod": {"coaching": {"a": 0}}}}'})
    with pytest.raises(SpecError) as caught:
        stacks(root)
    assert [str(p) for p in caught.value.problems] == [
        'vigil.lock.json:1: expected "environments": {env: {service: {alarm key: stack number >= 1}}}; regenerate '
        "it with `python -m vigil lock`"]


def test_a_locked_stack_over_cloudformation_limits_is_an_error_naming_the_spec(
        spec_repo: SpecRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shards, "MAX_RESOURCES_PER_STACK", 2)
    monkeypatch.setattr(shards, "MAX_TEMPLATE_BYTES", 4000)
    text = shards.render_lock({"prod": {"coaching": {"a": 1, "b": 1, "c": 1}}})
    root = spec_repo({SVC: service(["a", "b", "c"]), "vigil.lock.json": text})
    with pytest.raises(SpecError) as caught:
        stacks(root)
    hint = ("alarms stay in the stack vigil.lock.json gives them; to redistribute them (each moved alarm is "
            "deleted and recreated) run `python -m vigil lock --env prod --reshard coaching`")
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == f"{SVC}:5: alarms: stack vigil-prod-coaching would have 4 resources; CloudFormation " \
                          f"allows 2: {hint}"
    assert messages[1].startswith(f"{SVC}:5: alarms: stack vigil-prod-coaching would have a template of about ")
    assert messages[1].endswith(f" bytes; CloudFormation allows 4000: {hint}")


def test_more_actions_per_alarm_state_than_cloudwatch_allows(spec_repo: SpecRepo,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ACTIONS_PER_STATE", 0)
    root = spec_repo({SVC: service(["a"])})
    with pytest.raises(SpecError) as caught:
        stacks(root)
    assert str(caught.value.problems[0]) == (f"{SVC}:6: alarms.a.severity: 1 actions on ALARM; CloudWatch "
                                             "allows 0 per alarm state")


def test_plan_shows_stacks_with_resources_and_template_size(spec_repo: SpecRepo,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    root = spec_repo()
    assert main(["--root", str(root), "plan", "--env", "prod"]) == 0
    text = capsys.readouterr().out
    [line] = [line for line in text.splitlines() if line.startswith("  vigil-prod-coaching")]
    assert line.startswith("  vigil-prod-coaching    6 resources  ~") and line.endswith(" kB")  # 5 alarms, dashboard
    assert main(["--root", str(root), "plan", "--env", "prod", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["stacks"]
    assert row["stack"] == "vigil-prod-coaching" and row["resources"] == 6 and row["alarms"] == 5


def test_sharded_stacks_synthesize_with_a_stack_dependency_for_composite_children(
        spec_repo: SpecRepo, budget_of_two: None, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    root = spec_repo({SVC: service(["a", "b", "c"], {"p0": "ALARM(c) OR ALARM(a)"})})
    assert lock(root) == 0
    templates = synth_repo(root, tmp_path / "out", only=["prod"], nag=True)
    assert "deprecated" not in capfd.readouterr().err  # Stack.addStackDependency, not addDependency
    assert sorted(templates) == ["vigil-prod-coaching", "vigil-prod-coaching-2", "vigil-prod-routing"]
    second = templates["vigil-prod-coaching-2"]
    assert second["Description"].endswith(", part 2")
    [composite] = [r for r in second["Resources"].values() if r["Type"] == "AWS::CloudWatch::CompositeAlarm"]
    assert len(composite["DependsOn"]) == 1  # c is here; a is in the first stack, ordered by the dependency
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "vigil-prod-coaching" in manifest["artifacts"]["vigil-prod-coaching-2"]["dependencies"]


def test_resource_count_and_size_estimate_match_synthesized_templates(tmp_path: Path) -> None:
    plan = plan_workspace(read_sources(ROOT))
    estimates = {shard.stack_name: (shard.resources, shard.template_bytes) for e in plan.environments
                 for s in e.services for shard in s.shards}
    synth_plan(WorkspacePlan(plan.environments), tmp_path)
    for name, (resources, estimate) in estimates.items():
        path = tmp_path / f"{name}.template.json"
        assert resources == len(json.loads(path.read_text())["Resources"]), name
        actual = path.stat().st_size
        assert -0.03 * actual <= estimate - actual <= 0.05 * actual + 200, (name, estimate, actual)
