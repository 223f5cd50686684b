"""Spec problems reported to users as `file:line: field: message`, one printable line each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from vigil.spec.input_limits import MAX_PROBLEMS_PER_FILE


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

    def __post_init__(self) -> None:
        if self.line < 1:
            object.__setattr__(self, "line", 1)

    def __str__(self) -> str:
        location = f"{printable(self.file)}:{self.line}"
        message = printable(self.message)
        return f"{location}: {printable(self.field)}: {message}" if self.field else f"{location}: {message}"


def printable(text: str) -> str:
    """`text` on one line: characters that are not printable (newlines, controls, bidirectional overrides,
    unpaired surrogates from undecodable file names) are written as Python escapes, so that spec text cannot
    forge a line of output or hide what it says."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, the last three `...` when it was cut (for a value quoted in a
    problem message)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


class SpecError(Exception):
    """Raised when specs are invalid; carries every problem found, in file and line order."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = _at_most_per_file(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


def _at_most_per_file(problems: list[SpecProblem]) -> list[SpecProblem]:
    """The first MAX_PROBLEMS_PER_FILE problems of each file, and a line counting the others."""
    counts = Counter(problem.file for problem in problems)
    if max(counts.values(), default=0) <= MAX_PROBLEMS_PER_FILE:
        return problems
    kept: list[SpecProblem] = []
    shown: Counter[str] = Counter()
    for problem in problems:
        if problem.message.startswith(_MORE):
            counts[problem.file] += int(problem.message[len(_MORE):]) - 1
            continue
        shown[problem.file] += 1
        if shown[problem.file] <= MAX_PROBLEMS_PER_FILE:
            kept.append(problem)
    for file, count in counts.items():
        if count > MAX_PROBLEMS_PER_FILE:
            last = max(problem.line for problem in kept if problem.file == file)
            kept.append(more_problems(file, last, count - MAX_PROBLEMS_PER_FILE))
    return sorted(kept, key=lambda problem: (problem.file, problem.message.startswith(_MORE), problem))


_MORE = "more problems in this file, not shown: "


def more_problems(file: str, line: int, count: int) -> SpecProblem:
    """The line that stands for `count` problems of `file` left out (over MAX_PROBLEMS_PER_FILE)."""
    return SpecProblem(file, line, "", f"{_MORE}{count}")
