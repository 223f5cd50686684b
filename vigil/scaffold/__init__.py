"""`vigil init DIR`: write a new monitoring repository from the files under vigil/scaffold/project/.

Template files are written as they are, except that a leading `dot-` in a path part becomes `.` (package data
keeps no dot files) and the placeholders `@PROJECT@`, `@VIGIL_SPEC@` and `@VIGIL_VERSION@` are replaced. The
JSON Schemas are generated from the installed vigil's models, as `vigil schema` writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from vigil import __version__
from vigil.spec.schema import schema_texts

SCHEMAS_DIR = "schemas"
DEFAULT_VIGIL_SPEC = f"vigil[test]=={__version__}"
"""What a new repository's Makefile installs (VIGIL_SPEC): this release with its test extra."""


class TargetNotEmpty(Exception):
    """Raised when the target directory has files and overwriting was not asked for."""


@dataclass(frozen=True)
class Written:
    """What `write_project` did: the directory and the files written, relative to it, in order."""

    root: Path
    files: tuple[str, ...]


def project_files(project: str, vigil_spec: str = DEFAULT_VIGIL_SPEC) -> dict[str, str]:
    """Every file of a new repository named `project`: relative path -> text."""
    values = {"@PROJECT@": _package_name(project), "@VIGIL_SPEC@": vigil_spec, "@VIGIL_VERSION@": __version__}
    files: dict[str, str] = {}
    for relative, source in _templates(resources.files(__package__) / "project", ()):
        text = source.read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        files[relative] = text
    for name, text in schema_texts().items():
        files[f"{SCHEMAS_DIR}/{name}"] = text
    return dict(sorted(files.items()))


def write_project(target: Path, *, force: bool = False, vigil_spec: str = DEFAULT_VIGIL_SPEC) -> Written:
    """Write a new repository into `target` (created if missing). Refuses a directory that has any entry
    unless `force`, which overwrites the scaffold's files and leaves every other file alone."""
    if target.exists() and not target.is_dir():
        raise TargetNotEmpty(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise TargetNotEmpty(f"{target} is not empty; use --force to write the scaffold's files over it")
    files = project_files(target.resolve().name, vigil_spec)
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Written(target, tuple(files))


def _templates(directory: Traversable, parts: tuple[str, ...]) -> list[tuple[str, Traversable]]:
    out = []
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if entry.name == "__pycache__" or entry.name.endswith(".pyc"):
            continue
        name = "." + entry.name.removeprefix("dot-") if entry.name.startswith("dot-") else entry.name
        if entry.is_dir():
            out += _templates(entry, (*parts, name))
        else:
            out.append(("/".join((*parts, name)), entry))
    return out


def _package_name(project: str) -> str:
    """An npm package name for the project: lower case letters, digits, `-`, `.` and `_`."""
    name = re.sub(r"[^a-z0-9._-]+", "-", project.lower()).strip("-._")
    return name or "monitoring"
