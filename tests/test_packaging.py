"""The package declares what it needs and ships every file it reads at run time."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(*files: str) -> set[str]:
    """The requirement lines of requirements files (comments, blanks and `-r` includes left out)."""
    lines = (line.split("#")[0].strip() for name in files for line in (ROOT / name).read_text().splitlines())
    return {line for line in lines if line and not line.startswith("-")}


def test_runtime_dependencies_are_read_from_requirements_txt() -> None:
    assert "dependencies" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][0-9A-Za-z.]*", pin) for pin in _pins("requirements.txt"))


def test_every_extra_pins_what_the_requirements_files_pin() -> None:
    pins = _pins("requirements-dev.txt", "requirements-docs.txt")
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items():
        assert set(requirements) <= pins, f"extra {extra}: {set(requirements) - pins} differ from requirements*.txt"


def test_the_wheel_holds_the_package_data_and_the_console_script(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "requirements.txt"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "vigil", source / "vigil", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--disable-pip-version-check", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                   check=True, capture_output=True, timeout=120)
    (wheel,) = (tmp_path / "dist").glob("vigil-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {str(p.relative_to(ROOT)) for p in (ROOT / "vigil").rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts}
    assert data, "vigil ships data files"
    assert data <= names, f"left out of the wheel: {sorted(data - names)}"
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "vigil").rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= names, f"left out of the wheel: {sorted(modules - names)}"
    (info,) = {name.split("/")[0] for name in names if name.endswith(".dist-info/entry_points.txt")}
    entry_points = zipfile.ZipFile(wheel).read(f"{info}/entry_points.txt").decode()
    assert "vigil = vigil.cli:run" in entry_points
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    for pin in _pins("requirements.txt"):
        assert f"Requires-Dist: {pin}" in metadata
    assert "Provides-Extra: nag" in metadata
