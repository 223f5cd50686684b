"""Read the spec files of a repository as they are at a git revision, without checking it out."""

from __future__ import annotations

import subprocess
from pathlib import Path

from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.workspace import (
    DASHBOARDS_DIR,
    ENVIRONMENTS_DIR,
    LOCK_FILE,
    SERVICES_DIR,
    SourceFile,
    Sources,
)


def read_sources_at(root: Path, revision: str) -> Sources:
    """The spec files under `root` at git `revision` (a branch, tag or commit). Raises SpecError when git
    cannot resolve it."""
    listing = _git(root, "ls-tree", "-r", "--name-only", revision, "--", ENVIRONMENTS_DIR, SERVICES_DIR,
                   DASHBOARDS_DIR, LOCK_FILE)
    by_dir: dict[str, list[SourceFile]] = {ENVIRONMENTS_DIR: [], SERVICES_DIR: [], DASHBOARDS_DIR: []}
    for path in sorted(listing.splitlines()):
        directory, _, name = path.partition("/")
        if directory in by_dir and "/" not in name and name.endswith((".yaml", ".yml")):
            by_dir[directory].append(SourceFile(path, _git(root, "show", f"{revision}:{path}")))
    lock = _git(root, "show", f"{revision}:{LOCK_FILE}") if LOCK_FILE in listing.splitlines() else None
    return Sources(tuple(by_dir[ENVIRONMENTS_DIR]), tuple(by_dir[SERVICES_DIR]), tuple(by_dir[DASHBOARDS_DIR]),
                   lock)


def changed_paths(root: Path, revision: str) -> list[str]:
    """The files of the working tree under `root` that differ from git `revision` (committed or not)."""
    return [line for line in _git(root, "diff", "--name-only", revision, "--", ".").splitlines() if line]


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "git failed"
        raise SpecError([SpecProblem("git", 0, "", f"cannot read revision: {message}")])
    return result.stdout
