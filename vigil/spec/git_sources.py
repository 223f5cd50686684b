"""Read the spec files of a repository as they are at a git revision, without checking it out.

The same rules as for the working tree (vigil/spec/workspace.py) apply: printable UTF-8 names, one file per
name, the size limit, UTF-8 text; symbolic links are not followed at a revision.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.input_limits import MAX_SPEC_FILE_BYTES
from vigil.spec.workspace import (
    DASHBOARDS_DIR,
    ENVIRONMENTS_DIR,
    LOCK_FILE,
    SERVICES_DIR,
    SPEC_SUFFIXES,
    SourceFile,
    Sources,
    decode_source,
    name_problem,
    one_per_name,
)

_REGULAR_MODES = ("100644", "100755")


def read_sources_at(root: Path, revision: str) -> Sources:
    """The spec files under `root` at git `revision` (a branch, tag or commit). Raises SpecError when git
    cannot resolve it."""
    listing = _git(root, "ls-tree", "-r", "-l", "-z", revision, "--", ENVIRONMENTS_DIR, SERVICES_DIR,
                   DASHBOARDS_DIR, LOCK_FILE)
    problems: list[SpecProblem] = []
    by_dir: dict[str, list[SourceFile]] = {ENVIRONMENTS_DIR: [], SERVICES_DIR: [], DASHBOARDS_DIR: []}
    lock = None
    for record in sorted(listing.split(b"\0"), key=lambda line: line.partition(b"\t")[2]):
        if not record:
            continue
        info, _, raw_path = record.partition(b"\t")
        mode, _kind, blob, size = info.split()
        path = os.fsdecode(raw_path)
        directory, _, name = path.partition("/")
        is_lock = path == LOCK_FILE
        if not is_lock and (directory not in by_dir or "/" in name or not name.endswith(SPEC_SUFFIXES)):
            continue
        problem = name_problem(path)
        if problem is None and mode.decode() not in _REGULAR_MODES:
            problem = "not a regular file at this revision (a symbolic link or submodule); not read"
        if problem is None and size.isdigit() and int(size) > MAX_SPEC_FILE_BYTES:
            problem = f"the file is over {MAX_SPEC_FILE_BYTES:,} bytes; split it"
        if problem is not None:
            problems.append(SpecProblem(path, 1, "", problem))
            continue
        decoded = decode_source(path, _git(root, "cat-file", "blob", blob.decode()))
        if isinstance(decoded, SpecProblem):
            problems.append(decoded)
        elif is_lock:
            lock = decoded.text
        else:
            by_dir[directory].append(decoded)
    kept = {name: one_per_name(name, files, problems) for name, files in by_dir.items()}
    return Sources(kept[ENVIRONMENTS_DIR], kept[SERVICES_DIR], kept[DASHBOARDS_DIR], lock, tuple(problems))


def _git(root: Path, *args: str) -> bytes:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", errors="replace").strip()
        message = stderr.splitlines()[-1] if stderr else "git failed"
        raise SpecError([SpecProblem("git", 1, "", f"cannot read revision: {message}")])
    return result.stdout
