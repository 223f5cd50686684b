"""Find and read the spec files of a repository: environments/, alarm_specs/, dashboards/.

Spec files are untrusted: a file is read only when it is a regular file inside the repository (a symbolic link
may point to another file of the repository, never out of it), under vigil/spec/input_limits.py's size limit,
valid UTF-8, with a printable name, and the only file of its directory with its name. Anything else is a
problem of that file, reported with the others; its content is never read, so never echoed.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from vigil.spec.errors import SpecError, SpecProblem
from vigil.spec.input_limits import MAX_SPEC_FILE_BYTES

ENVIRONMENTS_DIR = "environments"
SERVICES_DIR = "alarm_specs"
DASHBOARDS_DIR = "dashboards"
LOCK_FILE = "vigil.lock.json"
SPEC_SUFFIXES = (".yaml", ".yml")
_KINDS = {ENVIRONMENTS_DIR: "environment", SERVICES_DIR: "service", DASHBOARDS_DIR: "dashboard"}
_UTF8_BOM = b"\xef\xbb\xbf"


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
    problems: tuple[SpecProblem, ...] = ()
    """Files that could not be read (and are left out above), reported with the problems of the rest."""


def read_sources(root: Path) -> Sources:
    """Read the spec files under `root`. Raises SpecError when there is no environment at all."""
    reader = _Reader(root)
    environments = reader.directory(ENVIRONMENTS_DIR)
    if not environments:
        reader.problems.append(SpecProblem(ENVIRONMENTS_DIR, 1, "",
                                           f"no environment files (*.yaml) found under {root}"))
        raise SpecError(reader.problems)
    services = reader.directory(SERVICES_DIR)
    dashboards = reader.directory(DASHBOARDS_DIR)
    lock = reader.file(LOCK_FILE, root / LOCK_FILE) if os.path.lexists(root / LOCK_FILE) else None
    return Sources(environments, services, dashboards, lock, tuple(reader.problems))


def name_problem(relative: str) -> str | None:
    """Why a spec file's path cannot be used in messages and names, if it cannot."""
    if any("\udc80" <= char <= "\udcff" for char in relative):
        return "the file name is not valid UTF-8; rename the file"
    if not relative.isprintable():
        return "the file name holds control or other unprintable characters; rename the file"
    return None


def decode_source(relative: str, data: bytes) -> SourceFile | SpecProblem:
    """The text of a spec file (UTF-8, a leading byte order mark dropped), or the problem with it."""
    if len(data) > MAX_SPEC_FILE_BYTES:
        return _too_large(relative)
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    try:
        return SourceFile(relative, data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        return SpecProblem(relative, line, "", f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file "
                                               "as UTF-8")


def one_per_name(directory: str, files: Iterable[SourceFile], problems: list[SpecProblem]) -> tuple[SourceFile, ...]:
    """`files` with the second of two that share a name (prod.yaml, prod.yml) left out and reported."""
    first: dict[str, str] = {}
    kept = []
    for source in files:
        if source.stem in first:
            problems.append(SpecProblem(source.path, 1, "", f"{first[source.stem]} has the same name; keep one "
                                                            f"file per {_KINDS.get(directory, 'name')}"))
            continue
        first[source.stem] = source.path
        kept.append(source)
    return tuple(kept)


def _too_large(relative: str) -> SpecProblem:
    return SpecProblem(relative, 1, "", f"the file is over {MAX_SPEC_FILE_BYTES:,} bytes; split it")


class _Reader:
    """Reads files of one repository, collecting a problem for each file it refuses."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.problems: list[SpecProblem] = []

    def directory(self, name: str) -> tuple[SourceFile, ...]:
        path = self.root / name
        if not os.path.lexists(path):
            return ()
        real = self._inside(name, path)
        if real is None:
            return ()
        if not real.is_dir():
            self.problems.append(SpecProblem(name, 1, "", "expected a directory of YAML files"))
            return ()
        read = []
        for entry in sorted(os.listdir(real)):
            if not entry.endswith(SPEC_SUFFIXES):
                continue
            relative = f"{name}/{entry}"
            problem = name_problem(entry)
            if problem is not None:
                self.problems.append(SpecProblem(relative, 1, "", problem))
                continue
            text = self.file(relative, path / entry)
            if text is not None:
                read.append(SourceFile(relative, text))
        return one_per_name(name, read, self.problems)

    def file(self, relative: str, path: Path) -> str | None:
        """The text of one file, or None with its problem recorded."""
        real = self._inside(relative, path)
        if real is None:
            return None
        try:
            data = _read_regular_file(real)
        except _NotRegular as error:
            self.problems.append(SpecProblem(relative, 1, "", str(error)))
            return None
        except OSError as error:
            self.problems.append(SpecProblem(relative, 1, "", f"cannot read the file: {error.strerror}"))
            return None
        decoded = decode_source(relative, data)
        if isinstance(decoded, SpecProblem):
            self.problems.append(decoded)
            return None
        return decoded.text

    def _inside(self, relative: str, path: Path) -> Path | None:
        """`path` with links resolved, when that stays inside the repository; None with a problem otherwise."""
        try:
            real = path.resolve(strict=True)
        except FileNotFoundError:
            message = "a symbolic link to nothing (the file it names does not exist)"
        except (RuntimeError, OSError) as error:
            looping = isinstance(error, RuntimeError) or error.errno == errno.ELOOP
            message = "a symbolic link loop" if looping else f"cannot read the file: {error.strerror}"
        else:
            if real == self.real_root or real.is_relative_to(self.real_root):
                return real
            message = "a symbolic link out of the repository; vigil reads only files inside it"
        self.problems.append(SpecProblem(relative, 1, "", message))
        return None


class _NotRegular(Exception):
    """The path is a directory, FIFO, device or socket."""


def _read_regular_file(path: Path) -> bytes:
    """At most MAX_SPEC_FILE_BYTES + 1 bytes of a regular file; never blocks on a FIFO or reads a device."""
    kind = os.stat(path).st_mode
    if stat.S_ISDIR(kind):
        raise _NotRegular("a directory, not a YAML file")
    if not stat.S_ISREG(kind):
        raise _NotRegular("not a regular file (a FIFO, device or socket)")
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _NotRegular("not a regular file (a FIFO, device or socket)")
        chunks = []
        remaining = MAX_SPEC_FILE_BYTES + 1
        while remaining > 0:
            chunk = os.read(descriptor, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)
