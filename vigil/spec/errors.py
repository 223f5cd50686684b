"""Spec problems reported to users as `file:line: field: message`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SpecProblem:
    """One problem in one spec file.

    `line` is 1-based; 0 means the problem concerns the file as a whole. `field` is the dotted path of the
    offending key (for example `alarms.high-latency.threshold`), empty when the file itself is at fault.
    """

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        return f"{location}: {self.field}: {self.message}" if self.field else f"{location}: {self.message}"


class SpecError(Exception):
    """Raised when specs are invalid; carries every problem found, in file and line order."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
