"""`vigil init` writes a repository whose `make synth` and `make test` pass with vigil installed from this tree.

How this differs from a user's install, to stay within about a minute: the new repository's .venv is a fresh
virtualenv without pip whose site-packages has a .pth line naming this interpreter's site-packages, so vigil's
dependencies (aws-cdk-lib is 60 MB) are not downloaded again; vigil itself is built from a copy of this tree's
packaging files and package and installed with `pip install --no-deps --no-build-isolation` (a user's
`pip install` builds in isolation and resolves requirements.txt's pins). Its node_modules/.bin links to this
tree's pinned `cdk` and `node` instead of running `npm ci`. The Makefile's own setup steps are then skipped
because their stamps (.venv/.vigil-spec, node_modules/.installed) say they are done; everything after setup,
`make synth` and `make test` as written, runs unchanged.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT
from vigil.cli import main
from vigil.scaffold import DEFAULT_VIGIL_SPEC, project_files

PACKAGING_FILES = ("pyproject.toml", "README.md", "requirements.txt")


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"
    return result


def _install_vigil(project: Path, source: Path) -> None:
    """A .venv in `project` holding vigil built from `source`, with the dependencies of this interpreter."""
    _run([sys.executable, "-m", "venv", "--without-pip", str(project / ".venv")], project)
    python = project / ".venv" / "bin" / "python"
    purelib = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], project)
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib.stdout.strip(), "shared-dependencies.pth").write_text("\n".join(sorted(shared)) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
          "--no-build-isolation", "--disable-pip-version-check", str(source)], project)


def _link_node_toolchain(project: Path) -> None:
    bin_dir = project / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    for tool in ("cdk", "node"):
        (bin_dir / tool).symlink_to((ROOT / "node_modules" / ".bin" / tool).resolve())
    (project / "node_modules" / ".installed").touch()


@pytest.mark.skipif(not (ROOT / "node_modules" / ".bin" / "cdk").exists() or shutil.which("make") is None,
                    reason="needs make and this tree's node_modules (make setup)")
def test_a_new_repository_synthesizes_and_passes_its_tests(tmp_path: Path) -> None:
    source = tmp_path / "vigil-source"
    source.mkdir()
    for name in PACKAGING_FILES:
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "vigil", source / "vigil", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    spec = f"{source}[test]"
    project = tmp_path / "mon"
    assert main(["init", str(project), "--vigil-spec", spec]) == 0

    _install_vigil(project, source)
    (project / ".venv" / ".vigil-spec").write_text(spec + "\n")
    _link_node_toolchain(project)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.defpath

    installed = _run([str(project / ".venv" / "bin" / "vigil"), "--version"], project, env)
    assert installed.stdout.startswith("vigil ")
    where = _run([str(project / ".venv" / "bin" / "python"), "-c", "import vigil; print(vigil.__file__)"],
                 project, env)
    assert str(project / ".venv") in where.stdout, "vigil must come from the installed package, not this tree"

    synth = _run(["make", "synth"], project, env)
    assert "cdk.out: 2 templates" in synth.stdout, synth.stdout  # routing, checkout (with its dashboards)
    template = json.loads((project / "cdk.out" / "vigil-dev-checkout.template.json").read_text())
    names = {r["Properties"].get("AlarmName") for r in template["Resources"].values()}
    assert {"dev-checkout-high-error-rate", "dev-checkout-high-latency"} <= names
    tested = _run(["make", "test"], project, env)
    assert "2 passed" in tested.stdout, tested.stdout


def test_init_refuses_a_directory_with_files_unless_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["init", str(tmp_path)]) == 1
    assert "is not empty; use --force" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "Makefile").is_file() and (tmp_path / ".github" / "workflows" / "vigil.yml").is_file()


def test_a_new_repository_pins_this_repository_s_toolchain_and_this_release() -> None:
    files = project_files("Team Monitoring")
    package = json.loads(files["package.json"])
    assert package["name"] == "team-monitoring"
    assert package["devDependencies"] == json.loads((ROOT / "package.json").read_text())["devDependencies"]
    lock = json.loads(files["package-lock.json"])
    ours = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][""]["name"] == "team-monitoring"
    assert {k: v for k, v in lock["packages"].items() if k} == {k: v for k, v in ours["packages"].items() if k}
    assert f"VIGIL_SPEC ?= {DEFAULT_VIGIL_SPEC}\n" in files["Makefile"]
    assert files["environments/dev.yaml"].startswith("# yaml-language-server: $schema=../schemas/")
    assert json.loads(files["cdk.json"])["app"] == json.loads((ROOT / "cdk.json").read_text())["app"]


def test_the_example_specs_of_a_new_repository_validate(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "mon")]) == 0
    assert main(["--root", str(tmp_path / "mon"), "validate"]) == 0
