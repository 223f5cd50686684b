"""The CI workflows (vigil's own .github/workflows/vigil.yml and the one `vigil init` writes): actionlint finds
nothing, and their permissions follow the threat model: only jobs that need AWS may request an OIDC token, and no
such job runs code or specs of a pull request before review."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

WORKFLOWS = [ROOT / ".github" / "workflows" / "vigil.yml",
             ROOT / "vigil" / "scaffold" / "project" / "dot-github" / "workflows" / "vigil.yml"]
AWS_CREDENTIALS_ACTION = "aws-actions/configure-aws-credentials"
RUNS_THE_CHECKOUT = re.compile(r"\b(make|python3?|\.venv/bin/|app\.py|pytest|pip install|npm (ci|install)(?! "
                               r"--ignore-scripts))")
"""Commands that execute code of the checked-out commit (its Makefile, Python, tests or npm install scripts)."""


@pytest.fixture(params=WORKFLOWS, ids=["repository", "scaffold"])
def workflow(request: pytest.FixtureRequest) -> Path:
    return request.param


def _workflow(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def _jobs(path: Path) -> dict[str, dict[str, Any]]:
    return _workflow(path)["jobs"]


def _uses(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def _runs_on_pull_requests(job: dict[str, Any]) -> bool:
    return "github.event_name == 'push'" not in job.get("if", "")


def test_actionlint_finds_nothing(workflow: Path) -> None:
    actionlint = shutil.which("actionlint", path=str(ROOT / ".venv" / "bin")) or shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install -r requirements-lint.txt; CI does)")
    result = subprocess.run([actionlint, "-no-color", str(workflow)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_grants_nothing_by_default(workflow: Path) -> None:
    assert _workflow(workflow)["permissions"] == {}
    for name, job in _jobs(workflow).items():
        assert "permissions" in job, f"{name} states no permissions"


def test_only_jobs_that_use_aws_may_request_an_oidc_token(workflow: Path) -> None:
    for name, job in _jobs(workflow).items():
        oidc = job["permissions"].get("id-token") == "write"
        assert oidc == bool(_uses(job, AWS_CREDENTIALS_ACTION)), name


def test_no_job_with_aws_access_runs_pull_request_code_before_review(workflow: Path) -> None:
    for name, job in _jobs(workflow).items():
        if job["permissions"].get("id-token") != "write" or not _runs_on_pull_requests(job):
            continue
        # it waits for a maintainer's approval (the environment's protection rule) ...
        assert job.get("environment"), name
        # ... checks out the base commit, not the pull request ...
        checkouts = _uses(job, "actions/checkout")
        assert checkouts and all(step["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
                                 for step in checkouts), name
        # ... and runs none of its code: only the CDK CLI of the base commit over the synthesized templates
        commands = [step["run"] for step in job["steps"] if "run" in step]
        assert not [c for c in commands if RUNS_THE_CHECKOUT.search(c)], name
        assert any("cdk diff --app" in c for c in commands), name


def test_the_job_that_renders_pull_request_specs_holds_no_credentials_or_write_token(workflow: Path) -> None:
    jobs = _jobs(workflow)
    renders = [name for name, job in jobs.items() if _runs_on_pull_requests(job)
               and any(re.search(r"\bvigil (validate|plan|diff)\b|make (validate|test|synth)", step.get("run", ""))
                       for step in job["steps"])]
    assert renders == ["check"]
    check = jobs["check"]
    assert check["permissions"] == {"contents": "read"}
    assert not _uses(check, AWS_CREDENTIALS_ACTION)
    assert all(step["with"]["persist-credentials"] is False for step in _uses(check, "actions/checkout"))


def test_the_comment_job_may_only_comment_and_runs_no_checkout(workflow: Path) -> None:
    comment = _jobs(workflow)["comment"]
    assert comment["permissions"] == {"pull-requests": "write"}
    assert not _uses(comment, "actions/checkout")


def test_deploys_run_only_after_merge_behind_their_environment(workflow: Path) -> None:
    jobs = _jobs(workflow)
    assert _workflow(workflow)["on"]["push"] == {"branches": ["main"]}
    for name in ("deploy", "deploy-protected"):
        deploy = jobs[name]
        assert "github.event_name == 'push'" in deploy["if"], name
        # one job per deployment (environment, account, region) that `vigil targets` lists
        assert deploy["environment"] == "${{ matrix.environment }}", name
        assert deploy["strategy"]["matrix"]["include"].startswith("${{ fromJSON(needs.check.outputs."), name
        steps = [step.get("uses", "").split("@")[0] or step.get("run", "") for step in deploy["steps"]]
        # credentials arrive after dependencies are installed, so no install script runs with them
        assert steps.index(AWS_CREDENTIALS_ACTION) > steps.index("make setup"), name
    # protected environments deploy after the others
    assert jobs["deploy-protected"]["needs"] == ["check", "deploy"]


def test_no_expression_is_expanded_inside_a_shell_script(workflow: Path) -> None:
    # values such as branch names reach scripts through environment variables, never as ${{ }} in `run`
    for name, job in _jobs(workflow).items():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), (name, step.get("name"))


@pytest.mark.parametrize("path", sorted(Path(ROOT / ".github" / "workflows").glob("*.y*ml")), ids=lambda p: p.name)
def test_every_workflow_states_its_permissions(path: Path) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert "permissions" in document, path.name
