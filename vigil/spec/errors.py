"""Spec problems reported to users as `file:line: field: message`, one printable line each."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SpecProblem:
    """One problem in one spec file.

    `line` is 1-based (a problem with the file as a whole is reported at line 1). `field` is the dotted path of
    the offending key (for example `alarms.high-latency.threshold`), empty when the file itself is at fault.
    """

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        location = f"{printable(self.file)}:{max(self.line, 1)}"
        message = printable(self.message)
        return f"{location}: {printable(self.field)}: {message}" if self.field else f"{location}: {message}"


def printable(text: str) -> str:
    """`text` on one line: characters that are not printable (newlines, controls, bidirectional overrides,
    unpaired surrogates from undecodable file names) are written as Python escapes, so that spec text cannot
    forge a line of output or hide what it says."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class SpecError(Exception):
    """Raised when specs are invalid; carries every problem found, in file and line order."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
