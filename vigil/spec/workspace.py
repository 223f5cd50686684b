"""Find and read the spec files of a repository: environments/, alarm_specs/, dashboards/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vigil.spec.errors import SpecError, SpecProblem

ENVIRONMENTS_DIR = "environments"
SERVICES_DIR = "alarm_specs"
DASHBOARDS_DIR = "dashboards"
LOCK_FILE = "vigil.lock.json"


@dataclass(frozen=True)
class SourceFile:
    """A spec file's text and its path relative to the repository root (used in every message)."""

    path: str
    text: str

    @property
    def stem(self) -> str:
        """The file name without directory and extension: `prod` for environments/prod.yaml."""
        return Path(self.path).stem


@dataclass(frozen=True)
class Sources:
    """Every spec file of a repository, each kind sorted by path."""

    environments: tuple[SourceFile, ...]
    services: tuple[SourceFile, ...]
    dashboards: tuple[SourceFile, ...] = ()
    lock: str | None = None
    """The text of vigil.lock.json (which stack holds each alarm), None when the repository has none."""


def read_sources(root: Path) -> Sources:
    """Read the spec files under `root`. Raises SpecError when there is no environment at all."""
    environments = _read_dir(root, ENVIRONMENTS_DIR)
    if not environments:
        raise SpecError([SpecProblem(ENVIRONMENTS_DIR, 0, "", f"no environment files (*.yaml) found under {root}")])
    lock_path = root / LOCK_FILE
    lock = lock_path.read_text(encoding="utf-8") if lock_path.is_file() else None
    return Sources(environments, _read_dir(root, SERVICES_DIR), _read_dir(root, DASHBOARDS_DIR), lock)


def _read_dir(root: Path, name: str) -> tuple[SourceFile, ...]:
    directory = root / name
    if not directory.is_dir():
        return ()
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    out = []
    for path in files:
        relative = f"{name}/{path.name}"
        try:
            out.append(SourceFile(relative, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            raise SpecError([SpecProblem(relative, 0, "", f"cannot read the file: {error}")]) from None
    return tuple(out)
